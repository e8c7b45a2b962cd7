# Every target works on a fresh machine from a clean clone: the venv is created on demand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
EVAL := ../shared/eval
INDEX ?= index_data/index
DOCUMENTS ?= index_data/documents
HOST ?= 127.0.0.1
PORT ?= 8000
# embedded (default) or opensearch: the engine reindex, serve and eval use (README, "Scale out on OpenSearch").
ENGINE ?= $(or $(SEARCH_ENGINE),embedded)
WORKERS ?= 2
CLIENTS ?= 16
SECONDS ?= 60

.PHONY: install test lint eval ablation reindex serve serve-dev loadtest bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check search web tests
	$(BIN)/ruff format --check search web tests
	$(BIN)/mypy

# ENGINE=opensearch measures the OpenSearch engine at $$OPENSEARCH_URL (make opensearch starts one).
eval: $(STAMP)
	$(BIN)/python -m search.tools eval --engine $(ENGINE) --corpus $(EVAL)/cdtn/corpus.jsonl \
		--queries $(EVAL)/cdtn/queries_dev.tsv --qrels $(EVAL)/cdtn/qrels_dev.tsv \
		--queries $(EVAL)/cdtn/queries_variants_dev.tsv --qrels $(EVAL)/cdtn/qrels_variants_dev.tsv
	$(BIN)/python -m search.tools eval --engine $(ENGINE) --corpus $(EVAL)/piaf/corpus.jsonl \
		--queries $(EVAL)/piaf/queries_dev.tsv --qrels $(EVAL)/piaf/qrels_dev.tsv

# What each ranking change buys on cdtn dev (slow: includes a stock Whoosh run).
ablation: $(STAMP)
	$(BIN)/python -m search.tools ablation --corpus $(EVAL)/cdtn/corpus.jsonl \
		--queries $(EVAL)/cdtn/queries_dev.tsv --qrels $(EVAL)/cdtn/qrels_dev.tsv --name cdtn \
		--queries $(EVAL)/cdtn/queries_variants_dev.tsv --qrels $(EVAL)/cdtn/qrels_variants_dev.tsv --name variants

clean:
	rm -rf $(VENV) $(INDEX) .pytest_cache .ruff_cache bench-work

reindex: $(STAMP)
	$(BIN)/python -m search reindex --documents $(DOCUMENTS) --index $(INDEX) --engine $(ENGINE)

# Production server (gunicorn). The incremental reindex first is a no-op when nothing changed,
# picks up new pages, and rebuilds an index left by an older version.
serve: $(STAMP)
	$(MAKE) --no-print-directory reindex
	@echo "Recherche OIM : http://$(HOST):$(PORT)/"
	SEARCH_ENGINE=$(ENGINE) SEARCH_INDEX_DIR=$(INDEX) $(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) 'web:create_app()'

# Development server with reload.
serve-dev: $(STAMP)
	$(MAKE) --no-print-directory reindex
	SEARCH_ENGINE=$(ENGINE) SEARCH_INDEX_DIR=$(INDEX) $(BIN)/flask --app 'web:create_app()' run --debug --host $(HOST) --port $(PORT)

# HTTP load on gunicorn (2 workers, 127.0.0.1): requests/s, p50/p95/p99, status counts; fails on any error.
loadtest: $(STAMP)
	test -f $(INDEX)/CURRENT || $(MAKE) reindex
	$(BIN)/python -m search.tools.loadtest --clients $(CLIENTS) --seconds $(SECONDS) --index $(INDEX)

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# Scale benchmark side by side with stock Whoosh, tantivy and bm25s; writes bench-results.json.
# ENGINE=opensearch: ours beside the OpenSearch engine at $$OPENSEARCH_URL instead, without the
# gunicorn and make-reindex parts (both time the embedded engine alone, as the default run does).
# SIZES=100000 (comma-separated) replaces the default sizes 10000,100000.
SIZES ?=
COMMA := ,
BENCH_OPTIONS = $(if $(SIZES),--sizes $(SIZES)) \
	$(if $(filter opensearch,$(ENGINE)),--engines ours$(COMMA)opensearch --no-http --reindex-pages 0)
bench: $(BENCH_STAMP)
	$(BIN)/python -m search.tools.bench --source $(EVAL)/cdtn/corpus.jsonl --workdir bench-work --out bench-results.json \
		$(BENCH_OPTIONS)

# A real 3-node OpenSearch cluster on loopback, built from Maven Central jars (search/opensearch/launcher):
# builds the launcher if needed, waits until green, prints its address. Data and logs: index_data/opensearch/.
# Standard library only: runs with the system python3, before any venv exists.
OPENSEARCH_NODES ?= 3
OPENSEARCH_HTTP_PORT ?= 9250
OPENSEARCH_TRANSPORT_PORT ?= 9350
.PHONY: opensearch opensearch-stop
opensearch:
	$(PYTHON) -m search.opensearch.cluster start --nodes $(OPENSEARCH_NODES) \
		--http-port $(OPENSEARCH_HTTP_PORT) --transport-port $(OPENSEARCH_TRANSPORT_PORT)

# Stops exactly the nodes `make opensearch` started (by the pids in index_data/opensearch/*.pid).
opensearch-stop:
	$(PYTHON) -m search.opensearch.cluster stop
