"""The benchmark harness: deterministic corpora and the shape of bench-results.json.

A tiny run (a couple of hundred documents, a dozen queries) over whichever engines are
installed; no figure is asserted, only that every engine reports every figure it can.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from search.ingest import Document, parse_text
from search.tools.bench.corpus import FACETS, generate, load_source, make_queries
from search.tools.bench.pages import measure_reindex, sheet_text
from search.tools.bench.registry import ENGINES, available
from search.tools.bench.runner import Options, report, run


@pytest.fixture(scope="module")
def source_path(tmp_path_factory: pytest.TempPathFactory, seed_documents: list[Document]) -> Path:
    """A small CDTN-shaped source (id, title, text) made of the seed pages, so the test is self-contained."""
    path = tmp_path_factory.mktemp("bench-source") / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for doc in seed_documents:
            handle.write(json.dumps({"id": doc.id, "title": doc.title, "text": doc.body}, ensure_ascii=False) + "\n")
    return path


def test_corpus_is_deterministic_and_prefix_stable(source_path: Path) -> None:
    source = load_source(source_path)
    first = [d.to_dict() for d in generate(40, seed=7, source=source)]
    again = [d.to_dict() for d in generate(40, seed=7, source=source)]
    shorter = [d.to_dict() for d in generate(15, seed=7, source=source)]
    other = [d.to_dict() for d in generate(40, seed=8, source=source)]
    assert first == again
    assert shorter == first[:15]
    assert other != first
    assert len({d["id"] for d in first}) == 40
    for doc in first:
        assert doc["title"] and len(doc["body"].split()) >= 120
        assert doc["status"] in ("Actif", "Achevé") and 2000 <= doc["year"] <= 2025


def test_queries_are_deterministic(source_path: Path) -> None:
    source = load_source(source_path)
    queries = make_queries(30, seed=7, source=source)
    assert queries == make_queries(30, seed=7, source=source)
    assert all(1 <= len(q.text.split()) <= 3 for q in queries)
    assert [q.facet for q in queries[:4]] == list(FACETS)


def test_tiny_run_writes_every_figure(tmp_path: Path, source_path: Path) -> None:
    # The OpenSearch engine needs a cluster: it has its own test (test_opensearch_bench.py).
    engines = tuple(name for name in ENGINES if available(name) and name != "opensearch")
    out = tmp_path / "bench-results.json"
    options = Options(
        sizes=(80,),
        queries=8,
        engines=engines,
        out=out,
        workdir=tmp_path / "work",
        budget_s=5.0,
        procs=(1,),
        http=False,
        source=source_path,
        reindex_pages=0,
    )
    results = run(options, log=lambda message: None)
    written = json.loads(out.read_text("utf-8"))
    assert written == results
    assert list(written) == ["80"]
    for name in engines:
        figures = written["80"][name]
        for key in ("index_docs_per_s", "index_size_mb", "search_peak_rss_mb", "top_p50_ms", "top_p95_ms"):
            assert figures[key] > 0, (name, key)
        if name != "bm25s":
            for key in ("facets_p95_ms", "full_p50_ms", "full_p95_ms", "full_p99_ms"):
                assert figures[key] > 0, (name, key)
            assert figures["full_queries"] == 8
    assert "full page p95" in report(written)


def test_a_two_process_only_run_searches_the_index_it_built(tmp_path: Path, source_path: Path) -> None:
    options = Options(
        sizes=(80,),
        queries=4,
        engines=("ours",),
        out=tmp_path / "bench-results.json",
        workdir=tmp_path / "work",
        budget_s=5.0,
        procs=(2,),  # it used to look for the one-process index and fail
        http=False,
        source=source_path,
        reindex_pages=0,
    )
    figures = run(options, log=lambda message: None)["80"]["ours"]
    assert figures["index_docs_per_s_2proc"] > 0 and figures["full_p95_ms"] > 0
    assert not (tmp_path / "work" / "index-80" / "ours-p2").exists()  # removed after the run


def test_bench_pages_read_back_as_the_sheets_they_were_made_from(source_path: Path) -> None:
    for doc in generate(12, seed=7, source=load_source(source_path)):
        parsed = parse_text(sheet_text(doc), doc.id)
        assert (parsed.title, parsed.kind, parsed.status, parsed.type) == (doc.title, "project", doc.status, doc.type)
        assert (parsed.start_year, parsed.end_year, parsed.year) == (doc.start_year, doc.end_year, doc.year)
        assert [c.code for c in parsed.countries] == [c.code for c in doc.countries]
        assert parsed.body.split() == doc.body.split()


def test_reindex_timing_builds_then_reruns_with_nothing_changed(tmp_path: Path, source_path: Path) -> None:
    figures = measure_reindex(tmp_path, 30, seed=7, source=source_path)
    assert figures["pages"] == 30 and len(figures["unchanged_runs_s"]) == 3
    assert 0 < figures["unchanged_s"] and figures["first_build_s"] > 0 and figures["one_changed_s"] > 0
    pages = tmp_path / "pages-30-7"
    assert len(list(pages.glob("*.txt"))) == 30  # kept for the next run, unchanged by the one-page edit
    assert not (tmp_path / "pages-index-30").exists()


@pytest.fixture
def bench_cluster(opensearch_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test cluster as the bench engine finds it (``OPENSEARCH_*``), replicas only if it can hold them."""
    from search.opensearch.connection import Settings, connect

    nodes = int(connect(Settings(url=opensearch_url)).cluster.health()["number_of_data_nodes"])
    monkeypatch.setenv("OPENSEARCH_URL", opensearch_url)
    monkeypatch.setenv("OPENSEARCH_REPLICAS", "1" if nodes > 1 else "0")
    monkeypatch.setenv("OPENSEARCH_TIMEOUT", "30")
    return opensearch_url


def _free_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _bench_indexes(url: str) -> set[str]:
    from search.opensearch.connection import Settings, connect
    from search.tools.bench.opensearch import ALIAS_PREFIX

    found = connect(Settings(url=url)).indices.get(index=f"{ALIAS_PREFIX}-*", params={"expand_wildcards": "all"})
    return set(found or {})


def test_opensearch_finds_what_ours_finds_and_deletes_its_indexes(
    tmp_path: Path, source_path: Path, bench_cluster: str
) -> None:
    from search.opensearch.connection import Settings, connect
    from search.opensearch.indexing import builds
    from search.tools.bench.engines import Ours
    from search.tools.bench.opensearch import OpenSearchBench, read_target

    source = load_source(source_path)
    docs = list(generate(200, seed=7, source=source))
    queries = make_queries(24, seed=7, source=source)
    ours, remote = Ours(), OpenSearchBench()
    assert remote.unreachable() is None
    ours.build(docs, tmp_path / "ours", 1)
    try:
        assert remote.build(docs, tmp_path / "opensearch", 1) == 200
        target = read_target(tmp_path / "opensearch")
        assert target is not None and target[1].startswith("oimbench-")
        client = connect(Settings(url=target[0]))
        assert builds(client, target[1])
        mine, theirs = ours.open(tmp_path / "ours"), remote.open(tmp_path / "opensearch")
        assert theirs.modes == ("full",)
        # The same page request (words as given, one facet ticked): the same number of matches.
        assert [theirs.full(q) for q in queries] == [mine.full(q) for q in queries]
        assert remote.index_mb(tmp_path / "opensearch") > 0
        mine.close()
        theirs.close()
    finally:
        remote.discard(tmp_path / "opensearch")
    assert builds(client, target[1]) == [] and not client.indices.exists_alias(name=target[1])


def test_a_run_with_opensearch_reports_it_beside_ours_and_leaves_no_index(
    tmp_path: Path, source_path: Path, bench_cluster: str
) -> None:
    before = _bench_indexes(bench_cluster)
    results = run(_tiny_with_opensearch(tmp_path, source_path, size=80, queries=8), log=lambda message: None)
    figures = results["80"]["opensearch"]
    assert figures["index_docs_per_s"] > 0 and figures["index_size_mb"] > 0
    assert figures["full_p50_ms"] > 0 and figures["full_p95_ms"] > 0 and figures["full_queries"] == 8
    assert figures["full_mean_total"] == results["80"]["ours"]["full_mean_total"]
    assert "search_peak_rss_mb" not in figures and figures["client_search_peak_rss_mb"] > 0  # not the cluster's
    printed = report(results)
    assert "engine / ours" in printed and "| ours | opensearch |" in printed
    assert _bench_indexes(bench_cluster) <= before


def _tiny_with_opensearch(tmp_path: Path, source_path: Path, size: int = 40, queries: int = 4) -> Options:
    """A tiny run of ours beside opensearch, nothing else (no HTTP, no reindex part)."""
    return Options(
        sizes=(size,),
        queries=queries,
        engines=("ours", "opensearch"),
        out=tmp_path / "bench-results.json",
        workdir=tmp_path / "work",
        budget_s=5.0,
        procs=(1,),
        http=False,
        source=source_path,
        reindex_pages=0,
    )


def test_an_unreachable_cluster_skips_the_engine_with_the_reason(
    tmp_path: Path, source_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _free_port()
    monkeypatch.setenv("OPENSEARCH_URL", f"http://127.0.0.1:{port}")
    logged: list[str] = []
    results = run(_tiny_with_opensearch(tmp_path, source_path), log=logged.append)
    assert list(results["40"]) == ["ours"]
    assert any(f"skipping opensearch: the cluster at OPENSEARCH_URL=http://127.0.0.1:{port} does not answer" in m
               for m in logged)  # fmt: skip


def test_an_engine_failing_mid_run_is_left_out_and_the_others_kept(
    tmp_path: Path, source_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from search.tools.bench.opensearch import OpenSearchBench

    # The check passes, then the cluster is gone when the build runs (the worker finds no one).
    monkeypatch.setattr(OpenSearchBench, "unreachable", lambda self: None)
    monkeypatch.setenv("OPENSEARCH_URL", f"http://127.0.0.1:{_free_port()}")
    logged: list[str] = []
    results = run(_tiny_with_opensearch(tmp_path, source_path), log=logged.append)
    assert results["40"]["ours"]["full_p95_ms"] > 0
    assert "failed" in results["40"]["opensearch"]["error"]
    assert "opensearch at 40 documents failed" in report(results)
    assert any(m.startswith("opensearch: could not delete oimbench-") for m in logged)
