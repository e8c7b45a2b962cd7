"""Ranking quality on a test collection, with a maintained metrics library (ir-measures).

Queries are ``qid<TAB>query`` lines, judgments ``qid<TAB>docid<TAB>grade`` lines; metrics are
nDCG@10 (graded), MRR@10 and Recall@100 over the top 100 of each query.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ir_measures
from ir_measures import RR, R, nDCG

from search.index import build_index, open_index
from search.ingest import read_jsonl
from search.query import DEFAULT_RANKING, Ranking
from search.rank import PostingStore, rank
from search.tools.stats import percentile

METRICS = {"nDCG@10": nDCG @ 10, "MRR@10": RR @ 10, "R@100": R @ 100}
DEPTH = 100


@dataclass
class Evaluation:
    metrics: dict[str, float]
    queries: int
    p50_ms: float
    p95_ms: float
    index_docs_per_s: float | None = None

    def row(self) -> str:
        m = self.metrics
        return f"{m['nDCG@10']:.3f} | {m['MRR@10']:.3f} | {m['R@100']:.3f}"


def read_queries(path: str | Path) -> dict[str, str]:
    queries = {}
    for line in Path(path).read_text("utf-8").splitlines():
        if line.strip():
            qid, _, text = line.partition("\t")
            queries[qid] = text
    return queries


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for line in Path(path).read_text("utf-8").splitlines():
        if line.strip():
            qid, docid, grade = line.split("\t")
            qrels.setdefault(qid, {})[docid] = int(grade)
    return qrels


def run_queries(ix, queries: dict[str, str], ranking: Ranking = DEFAULT_RANKING, depth: int = DEPTH):
    """Top ``depth`` of every query as ``{qid: {docid: score}}``, and the latency of each in ms."""
    run: dict[str, dict[str, float]] = {}
    latencies = []
    with ix.searcher() as searcher:
        store = PostingStore(searcher, folder=ix.storage.folder)
        for qid, text in queries.items():
            start = time.perf_counter()
            page = rank(store, text, limit=depth, ranking=ranking)
            latencies.append((time.perf_counter() - start) * 1000)
            # Ties are broken by rank so every metric tool orders the run the same way.
            run[qid] = {hit.id: float(depth - i) for i, hit in enumerate(page.hits)}
    return run, latencies


def measure(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]) -> dict[str, float]:
    """Mean of each metric over the judged queries; a query with no result counts as zero.

    ir-measures already averages over every query of ``qrels``, scoring one missing from the run
    (or answered with nothing) as zero: no rescaling here, or such queries would count twice.
    """
    judged = {qid: docs for qid, docs in run.items() if qid in qrels}
    scores = ir_measures.calc_aggregate(list(METRICS.values()), qrels, judged)
    return {name: scores[measure] for name, measure in METRICS.items()}


def evaluate(
    ix,
    queries: dict[str, str],
    qrels: dict[str, dict[str, int]],
    ranking: Ranking = DEFAULT_RANKING,
) -> tuple[Evaluation, dict[str, dict[str, float]]]:
    queries = {qid: text for qid, text in queries.items() if qid in qrels}
    run, latencies = run_queries(ix, queries, ranking)
    evaluation = Evaluation(
        metrics=measure(qrels, run),
        queries=len(queries),
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
    )
    return evaluation, run


def index_corpus(corpus: str | Path, index_dir: str | Path | None) -> tuple[Any, float, Any]:
    """Build an index of a JSONL corpus; returns (open index, documents/s, temp dir to keep alive)."""
    holder = None
    if index_dir is None:
        holder = tempfile.TemporaryDirectory(prefix="search-eval-")
        index_dir = holder.name
    start = time.perf_counter()
    count = build_index(read_jsonl(corpus), index_dir)
    speed = count / (time.perf_counter() - start)
    return open_index(index_dir), speed, holder


def write_run(run: dict[str, dict[str, float]], path: str | Path, tag: str = "ours") -> None:
    with open(path, "w", encoding="utf-8") as out:
        for qid, docs in run.items():
            ordered = sorted(docs.items(), key=lambda item: -item[1])
            for rank_, (docid, score) in enumerate(ordered, start=1):
                out.write(f"{qid} Q0 {docid} {rank_} {score:.4f} {tag}\n")
