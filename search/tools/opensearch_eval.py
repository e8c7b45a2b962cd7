"""``python -m search.tools eval --engine opensearch``: the same queries and judgments on the cluster.

The corpus is fed to the alias ``oimeval-<corpus name>`` (kept: a second run with the same number
of documents reuses it), each query is a `SearchRequest` of its raw text (syntax read, no filters
understood from words: what `rank()` gets in the embedded evaluation), the top 100 are judged.
"""

from __future__ import annotations

import time
from pathlib import Path

from search import SearchRequest
from search.ingest import read_jsonl
from search.opensearch import indexing
from search.opensearch.connection import Settings, connect
from search.opensearch.engine import OpenSearchEngine
from search.tools.evaluate import DEPTH, Evaluation, measure
from search.tools.stats import percentile


def prepare(corpus: str | Path, meaning: bool) -> tuple[OpenSearchEngine, str]:
    docs = list(read_jsonl(corpus))
    name = Path(corpus).parent.name or "corpus"
    settings = Settings.from_env(alias=f"oimeval-{name}{'' if meaning else '-words'}", meaning=meaning)
    client = connect(settings)
    current = indexing.aliased(client, settings.alias)
    if current and int(client.count(index=settings.alias)["count"]) == len(docs):
        note = f"reused {current[0]} ({len(docs)} documents)"
    else:
        started = time.perf_counter()
        report = indexing.feed(settings, docs=docs, full=True)
        elapsed = time.perf_counter() - started
        if not report.ok:
            raise SystemExit(report.format())
        note = f"indexed {report.count} documents into {report.index} at {report.count / elapsed:.0f} docs/s"
    return OpenSearchEngine(settings), note


def evaluate(
    engine: OpenSearchEngine, queries: dict[str, str], qrels: dict[str, dict[str, int]]
) -> tuple[Evaluation, dict[str, dict[str, float]]]:
    queries = {qid: text for qid, text in queries.items() if qid in qrels}
    run: dict[str, dict[str, float]] = {}
    latencies = []
    for qid, text in queries.items():
        started = time.perf_counter()
        result = engine.search(SearchRequest(q=text[:500], per_page=DEPTH, understand=False))
        latencies.append((time.perf_counter() - started) * 1000)
        run[qid] = {hit.id: float(DEPTH - i) for i, hit in enumerate(result.hits)}
    evaluation = Evaluation(
        metrics=measure(qrels, run),
        queries=len(queries),
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
    )
    return evaluation, run
