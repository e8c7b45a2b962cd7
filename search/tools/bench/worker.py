"""One engine, one phase, in its own process: ``python -m search.tools.bench.worker SPEC.json``.

Running each engine's build and its searches in a fresh interpreter keeps the engines from
sharing caches or memory, so each peak RSS figure belongs to one engine and one phase. The
spec and the result are small JSON files; latencies travel back as lists of milliseconds.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from search.tools.bench.corpus import BenchQuery, read_corpus
from search.tools.bench.engines import Session
from search.tools.bench.registry import get_engine


def _status_mb(key: str) -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def rss_mb() -> float:
    """Current resident set size of this process (VmRSS), in MB."""
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    """Peak RSS of this process since its exec (VmHWM).

    Not ``ru_maxrss``: Linux carries it across exec, so a worker would report its parent's size.
    """
    return _status_mb("VmHWM")


def children_peak_rss_mb() -> float:
    """Peak RSS of the largest finished child (Whoosh's multiprocess writer forks its helpers)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def build(spec: dict[str, Any]) -> dict[str, Any]:
    """Index the corpus. Records are loaded before the clock starts: docs/s is indexing alone."""
    docs = list(read_corpus(spec["corpus"]))
    before = rss_mb()
    engine = get_engine(spec["engine"])
    started = time.perf_counter()
    count = engine.build(docs, Path(spec["index"]), int(spec["procs"]))
    seconds = time.perf_counter() - started
    return {
        "docs": count,
        "seconds": seconds,
        "docs_per_s": count / seconds,
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
        "children_peak_rss_mb": children_peak_rss_mb(),
    }


def search(spec: dict[str, Any]) -> dict[str, Any]:
    """Open the index, run a timed first pass of the richest mode over every query (it also
    warms caches), then time each mode over the same queries within ``budget_s`` per mode."""
    queries = [BenchQuery(**q) for q in json.loads(Path(spec["queries"]).read_text("utf-8"))]
    started = time.perf_counter()
    session = get_engine(spec["engine"]).open(Path(spec["index"]))
    open_s = time.perf_counter() - started
    rss_open = rss_mb()
    richest = session.modes[-1]
    budget = float(spec["budget_s"])
    result: dict[str, Any] = {"open_s": open_s, "rss_after_open_mb": rss_open, "modes": list(session.modes)}
    result["first_pass_ms"], _ = _timed(session, richest, queries, budget)
    for mode in session.modes:
        result[f"{mode}_ms"], totals = _timed(session, mode, queries, budget)
        result[f"{mode}_mean_total"] = sum(totals) / max(len(totals), 1)
    session.close()
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def _timed(session: Session, mode: str, queries: list[BenchQuery], budget_s: float) -> tuple[list[float], list[int]]:
    """Latency in ms of each query, in order, stopping once ``budget_s`` seconds are spent."""
    run = getattr(session, mode)
    latencies: list[float] = []
    totals: list[int] = []
    deadline = time.perf_counter() + budget_s
    for query in queries:
        started = time.perf_counter()
        totals.append(run(query))
        ended = time.perf_counter()
        latencies.append((ended - started) * 1000)
        if ended > deadline:
            break
    return latencies, totals


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text("utf-8"))
    phases = {"build": build, "search": search}
    result = phases[spec["phase"]](spec)
    Path(spec["out"]).write_text(json.dumps(result), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
