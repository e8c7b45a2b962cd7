"""Orchestration: corpora, per-engine subprocesses, figures, the table and the targets.

Every engine's build and search run in their own worker process (`search.tools.bench.worker`), one
after the other, never side by side, so timings and peak memory are the engine's own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from search.tools.bench.corpus import DEFAULT_SEED, DEFAULT_SOURCE, BenchQuery, load_source, make_queries, write_corpus
from search.tools.bench.engines import Remote
from search.tools.bench.registry import DEFAULT_ENGINES, ENGINES, get_engine, unusable
from search.tools.stats import percentiles

BASELINE = "tantivy"
FALLBACK_BASELINE = "ours"  # a run without tantivy (``make bench ENGINE=opensearch``) compares with ours
REINDEX_KEY = "reindex"
PERCENTILES = (50, 95, 99)
MODE_LABELS = {
    "top": "top 10 + total",
    "facets": "+ 4 facets",
    "full": "full page",
    "first_pass": "1st pass (full page; bm25s: top)",
}


@dataclass(frozen=True)
class Options:
    sizes: tuple[int, ...] = (10_000, 100_000)
    queries: int = 300
    engines: tuple[str, ...] = DEFAULT_ENGINES
    out: Path = Path("bench-results.json")
    workdir: Path = Path("bench-work")
    budget_s: float = 120.0
    procs: tuple[int, ...] = (1, 2)
    http: bool = True
    http_seconds: float = 20.0
    http_clients: int = 16
    seed: int = DEFAULT_SEED
    source: Path = DEFAULT_SOURCE
    keep_indexes: bool = False
    reindex_pages: int = 20_000


Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(options: Options, log: Log = _stderr) -> dict[str, Any]:
    """Measure every size and engine, write the JSON file, and return the figures."""
    options.workdir.mkdir(parents=True, exist_ok=True)
    engines = [name for name in options.engines if _usable(name, log)]
    results: dict[str, Any] = {}
    for size in options.sizes:
        results[str(size)] = measure_size(size, engines, options, log)
        options.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), "utf-8")  # partial results survive
    if options.reindex_pages and "ours" in engines:
        results[REINDEX_KEY] = measure_pages(options, log)
        options.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), "utf-8")
    return results


def measure_pages(options: Options, log: Log) -> dict[str, Any]:
    from search.tools.bench.pages import measure_reindex

    log(f"reindex: {options.reindex_pages:,} page files, first build then runs with nothing changed")
    try:
        figures = measure_reindex(options.workdir, options.reindex_pages, options.seed, options.source)
    except (RuntimeError, OSError) as exc:
        log(f"reindex run failed: {exc}")
        return {"pages": options.reindex_pages, "error": str(exc)}
    log(f"reindex: nothing changed {figures['unchanged_s']:.2f} s, one page changed {figures['one_changed_s']:.2f} s")
    return figures


def _sizes(results: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The per-size parts of the results (the reindex part has its own key)."""
    return [(size, figures) for size, figures in results.items() if size.isdigit()]


def _usable(name: str, log: Log) -> bool:
    reason = unusable(name)
    if reason is None:
        return True
    log(f"skipping {name}: {reason}")
    return False


def measure_size(size: int, engines: list[str], options: Options, log: Log) -> dict[str, Any]:
    started = time.perf_counter()
    corpus = write_corpus(options.workdir / f"corpus-{size}-{options.seed}.jsonl", size, options.seed, options.source)
    queries = make_queries(options.queries, options.seed, load_source(options.source))
    queries_path = options.workdir / f"queries-{options.queries}-{options.seed}.json"
    queries_path.write_text(json.dumps([asdict(q) for q in queries], ensure_ascii=False), "utf-8")
    log(f"[{size}] corpus ready in {time.perf_counter() - started:.1f} s: {corpus}")
    figures: dict[str, Any] = {}
    for name in engines:
        searched = _index_dir(options, size, name, _searched_procs(name, options))
        try:
            figures[name] = measure_engine(name, size, corpus, queries_path, options, log)
            if name == "ours" and options.http:
                figures[name].update(measure_http(searched, queries, figures[name], options, log))
        except RuntimeError as exc:  # its worker failed (a cluster gone away): keep the others' figures
            log(f"[{size}] {name} failed, left out: {exc}")
            figures[name] = {"docs": size, "error": str(exc)}
        finally:  # a failed run too: a cluster's indexes must not outlive it
            if not options.keep_indexes:
                _discard(name, searched, log)
    log(f"[{size}] done in {time.perf_counter() - started:.0f} s")
    return figures


def _index_dir(options: Options, size: int, engine: str, procs: int) -> Path:
    return options.workdir / f"index-{size}" / f"{engine}-p{procs}"


def _searched_procs(name: str, options: Options) -> int:
    """The build whose index is searched: the fewest processes asked for (``--procs 2`` alone: 2)."""
    return min((p for p in options.procs if p <= get_engine(name).max_procs), default=1)


def measure_engine(
    name: str, size: int, corpus: Path, queries_path: Path, options: Options, log: Log
) -> dict[str, Any]:
    """Build with one process (and two when the engine can), then time the searches."""
    figures: dict[str, Any] = {"docs": size}
    kept = _searched_procs(name, options)
    for procs in options.procs:
        if procs > get_engine(name).max_procs:
            continue
        index_dir = _index_dir(options, size, name, procs)
        _remove(index_dir)
        spec = {"phase": "build", "engine": name, "corpus": str(corpus), "index": str(index_dir), "procs": procs}
        built = run_worker(spec, options.workdir, log)
        suffix = "" if procs == 1 else f"_{procs}proc"
        figures[f"index_docs_per_s{suffix}"] = round(built["docs_per_s"], 1)
        figures[f"index_seconds{suffix}"] = round(built["seconds"], 2)
        figures[f"build_peak_rss_mb{suffix}"] = round(max(built["peak_rss_mb"], built["children_peak_rss_mb"]), 1)
        log(f"[{size}] {name}: built with {procs} process(es) at {built['docs_per_s']:.0f} docs/s")
        if procs == kept:
            figures["corpus_rss_mb"] = round(built["rss_before_mb"], 1)
            figures["index_size_mb"] = round(index_mb(name, index_dir), 1)
        else:
            figures[f"index_size_mb{suffix}"] = round(index_mb(name, index_dir), 1)
            _discard(name, index_dir, log)
    spec = {
        "phase": "search",
        "engine": name,
        "index": str(_index_dir(options, size, name, kept)),
        "queries": str(queries_path),
        "budget_s": options.budget_s,
    }
    searched = run_worker(spec, options.workdir, log)
    figures["open_s"] = round(searched["open_s"], 2)
    figures["search_rss_after_open_mb"] = round(searched["rss_after_open_mb"], 1)
    figures["search_peak_rss_mb"] = round(searched["peak_rss_mb"], 1)
    for mode in [*searched["modes"], "first_pass"]:
        latencies = searched[f"{mode}_ms"]
        figures[f"{mode}_queries"] = len(latencies)
        for p, value in zip(PERCENTILES, percentiles(latencies, PERCENTILES), strict=True):
            figures[f"{mode}_p{p}_ms"] = round(float(value), 3)
        if mode != "first_pass":
            figures[f"{mode}_mean_total"] = round(searched[f"{mode}_mean_total"], 1)
    log(f"[{size}] {name}: searched, full/top p95 {figures.get('full_p95_ms', figures.get('top_p95_ms'))} ms")
    return _client_memory(name, figures) if isinstance(get_engine(name), Remote) else figures


#: The memory figures of the benchmark's own processes.
RSS_KEYS = ("build_peak_rss_mb", "corpus_rss_mb", "search_rss_after_open_mb", "search_peak_rss_mb")


def _client_memory(name: str, figures: dict[str, Any]) -> dict[str, Any]:
    """A cluster's memory is in its nodes, not in our processes: its RSS figures are kept as
    ``client_…`` so the table does not set a client's size beside an engine's."""
    return {(f"client_{key}" if re.sub(r"_\d+proc$", "", key) in RSS_KEYS else key): v for key, v in figures.items()}


def index_mb(name: str, index_dir: Path) -> float:
    """The size of the searched index: a cluster's as it reports it, else the folder's."""
    engine = get_engine(name)
    if isinstance(engine, Remote):
        return engine.index_mb(index_dir)
    return disk_mb(_searchable_dir(name, index_dir))


def _discard(name: str, index_dir: Path, log: Log) -> None:
    """Delete an index: a cluster's indexes first (the folder only says where they are); one that
    cannot be deleted is named in the log, and its folder kept, so it can be found again."""
    engine = get_engine(name)
    if isinstance(engine, Remote):
        try:
            engine.discard(index_dir)
        except RuntimeError as exc:
            log(f"{name}: {exc}")
            return
    _remove(index_dir)


def _searchable_dir(name: str, index_dir: Path) -> Path:
    """Ours keeps generations: count the current one only (the others are pruned copies)."""
    if name.startswith("ours"):
        from search.index import current_generation

        return current_generation(index_dir).path
    return index_dir


def measure_http(index_dir: Path, queries: list[BenchQuery], figures: dict, options: Options, log: Log) -> dict:
    from search.tools.bench.http_load import http_run

    log(f"HTTP: gunicorn 2 workers, {options.http_clients} clients, {options.http_seconds:.0f} s")
    try:
        measured = http_run(index_dir, queries, options.http_clients, options.http_seconds)
    except (RuntimeError, OSError) as exc:
        log(f"HTTP run failed: {exc}")
        return {"http_error": str(exc)}
    latencies = measured["latencies"] or [float("nan")]
    values = percentiles(latencies, PERCENTILES)
    result: dict[str, Any] = {f"http_p{p}_ms": round(float(v), 3) for p, v in zip(PERCENTILES, values, strict=True)}
    result["http_requests_per_s"] = round(len(measured["latencies"]) / measured["seconds"], 1)
    result["http_errors"] = measured["errors"]
    result["http_clients"] = measured["clients"]
    result["http_p95_minus_inprocess_ms"] = round(result["http_p95_ms"] - figures["full_p95_ms"], 3)
    unqueued = measured["unqueued"]["latencies"] or [float("nan")]
    for p, v in zip(PERCENTILES, percentiles(unqueued, PERCENTILES), strict=True):
        result[f"http_unqueued_p{p}_ms"] = round(float(v), 3)
    result["http_unqueued_errors"] = measured["unqueued"]["errors"]
    result["http_unqueued_p95_minus_inprocess_ms"] = round(result["http_unqueued_p95_ms"] - figures["full_p95_ms"], 3)
    result["http_server_peak_rss_mb"] = round(sum(measured["memory_hwm_mb"].values()), 1)
    result["http_worker_peak_rss_mb"] = round(
        max(v for k, v in measured["memory_hwm_mb"].items() if k.startswith("worker")), 1
    )
    return result


def run_worker(spec: dict[str, Any], workdir: Path, log: Log) -> dict[str, Any]:
    """Run one phase in a fresh interpreter; its peak RSS comes back in its result."""
    name = f"{spec['phase']}-{spec['engine']}-{os.getpid()}"
    spec_path = workdir / f"{name}.spec.json"
    out_path = workdir / f"{name}.out.json"
    spec_path.write_text(json.dumps({**spec, "out": str(out_path)}), "utf-8")
    completed = subprocess.run([sys.executable, "-m", "search.tools.bench.worker", str(spec_path)], check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{spec['engine']} {spec['phase']} failed (exit {completed.returncode})")
    result = json.loads(out_path.read_text("utf-8"))
    spec_path.unlink()
    out_path.unlink()
    return result


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def _remove(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


# -- report ------------------------------------------------------------------------------------

ROWS = (
    ("index docs/s, 1 process (opensearch: 1 client, until green)", "index_docs_per_s", "higher"),
    ("index docs/s, 2 processes", "index_docs_per_s_2proc", "higher"),
    ("index size MB", "index_size_mb", "lower"),
    ("build peak RSS MB, largest process (incl. corpus)", "build_peak_rss_mb", "lower"),
    ("search peak RSS MB", "search_peak_rss_mb", "lower"),
    *(
        (f"{MODE_LABELS[mode]} p{p} ms", f"{mode}_p{p}_ms", "lower")
        for mode in ("top", "facets", "full", "first_pass")
        for p in PERCENTILES
    ),
    ("full page mean total (matches found)", "full_mean_total", "same"),
)


def table(results: dict[str, Any]) -> str:
    """One Markdown table: a row per size and figure, a column per engine, ratio to the baseline."""
    engines = [e for e in ENGINES if any(e in figures for _, figures in _sizes(results))]
    against = baseline(results)
    lines = [
        "| docs | figure | " + " | ".join(engines) + " |",
        "|---|---|" + "---|" * len(engines),
    ]
    for size, figures in _sizes(results):
        base = figures.get(against, {}) if against else {}
        for label, key, _better in ROWS:
            if not any(key in figures.get(e, {}) for e in engines):
                continue
            cells = [_cell(figures.get(e, {}).get(key), base.get(key)) for e in engines]
            lines.append(f"| {int(size):,} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def baseline(results: dict[str, Any]) -> str | None:
    """The engine the ratios are to: tantivy when it ran, else ours, else none."""
    measured = {name for _, figures in _sizes(results) for name in figures}
    return next((name for name in (BASELINE, FALLBACK_BASELINE) if name in measured), None)


def _cell(value: float | None, base: float | None) -> str:
    if value is None:
        return "–"
    text = f"{value:,.1f}" if value >= 10 else f"{value:.2f}"
    if base:
        text += f" ({value / base:.2f}×)"
    return text


def http_table(results: dict[str, Any]) -> str:
    rows = []
    for size, figures in _sizes(results):
        ours = figures.get("ours", {})
        if "http_p95_ms" not in ours:
            continue
        rows.append(
            f"| {int(size):,} | {ours['http_p50_ms']:.1f} | {ours['http_p95_ms']:.1f} | {ours['http_p99_ms']:.1f} "
            f"| {ours['http_requests_per_s']:.1f} | {ours['http_errors']} | {ours['full_p95_ms']:.1f} "
            f"| {ours['http_p95_minus_inprocess_ms']:+.1f} | {ours['http_server_peak_rss_mb']:.0f} "
            f"| {ours.get('http_unqueued_p95_ms', float('nan')):.1f} "
            f"| {ours.get('http_unqueued_p95_minus_inprocess_ms', float('nan')):+.1f} |"
        )
    if not rows:
        return ""
    header = (
        "| docs | HTTP p50 ms | p95 ms | p99 ms | req/s | errors | in-process full p95 ms | p95 Δ ms "
        "| gunicorn RSS MB (master+2 workers) | 1 client per worker: p95 ms | p95 Δ ms |"
        "\n|---|---|---|---|---|---|---|---|---|---|---|"
    )
    return header + "\n" + "\n".join(rows)


@dataclass(frozen=True)
class Target:
    label: str
    value: float | None
    limit: float
    at_most: bool

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "not measured"
        met = self.value <= self.limit if self.at_most else self.value >= self.limit
        return "met" if met else "not met"


def targets(results: dict[str, Any]) -> list[Target]:
    """The issue's targets, each judged on what this run measured."""

    def figure(size: int, engine: str, key: str) -> float | None:
        return results.get(str(size), {}).get(engine, {}).get(key)

    def ratio(size: int) -> float | None:
        ours, base = figure(size, "ours", "full_p95_ms"), figure(size, BASELINE, "full_p95_ms")
        return ours / base if ours is not None and base else None

    speeds = [figure(100_000, "ours", k) for k in ("index_docs_per_s", "index_docs_per_s_2proc")]
    speed = max((s for s in speeds if s is not None), default=None)
    return [
        Target("full page p95 ≤ 3× tantivy at 10k (ratio)", ratio(10_000), 3.0, True),
        Target("full page p95 ≤ 5× tantivy at 100k (ratio)", ratio(100_000), 5.0, True),
        Target("reindex from scratch ≥ 1,500 docs/s on 2 cores at 100k (best of 1/2 processes)", speed, 1500, False),
        Target("peak server memory at 100k < 1.5 GB, one process (MB)", figure(100_000, "ours", "search_peak_rss_mb"),
               1536, True),
        Target("peak server memory at 100k < 1.5 GB, gunicorn master + 2 workers (MB)",
               figure(100_000, "ours", "http_server_peak_rss_mb"), 1536, True),
        Target("reindex with nothing changed on 20,000 pages < 2 s (s)", _unchanged_reindex(results), 2.0, True),
        *(Target(f"HTTP p95 ≤ in-process full page p95 + 5 ms at {size:,}, {clients} (ms above)",
                 figure(size, "ours", key), 5.0, True)
          for size in (10_000, 100_000)
          for clients, key in (("16 clients", "http_p95_minus_inprocess_ms"),
                               ("1 client per worker", "http_unqueued_p95_minus_inprocess_ms"))),
    ]  # fmt: skip


def _unchanged_reindex(results: dict[str, Any]) -> float | None:
    part = results.get(REINDEX_KEY, {})
    return part.get("unchanged_s") if part.get("pages", 0) >= 20_000 else None


def reindex_lines(results: dict[str, Any]) -> list[str]:
    part = results.get(REINDEX_KEY)
    if not part or "unchanged_s" not in part:
        return []
    return [
        "",
        f"make reindex on {part['pages']:,} page files: first build {part['first_build_s']:.1f} s "
        f"({part['first_build_pages_per_s']:,.0f} pages/s), nothing changed {part['unchanged_s']:.2f} s "
        f"(runs {', '.join(f'{s:.2f}' for s in part['unchanged_runs_s'])}), "
        f"one page changed {part['one_changed_s']:.2f} s",
    ]


def report(results: dict[str, Any]) -> str:
    against = baseline(results)
    parts = [f"Ratios in parentheses are engine / {against}." if against else "No baseline measured.", table(results)]
    parts += [
        f"{name} at {int(size):,} documents failed: {engine['error']}"
        for size, figures in _sizes(results)
        for name, engine in figures.items()
        if "error" in engine
    ]
    http = http_table(results)
    if http:
        parts += ["", "HTTP (gunicorn --workers 2, full page with one filter):", http]
    parts += reindex_lines(results)
    judged = targets(results)
    if all(target.value is None for target in judged):
        return "\n".join(parts)  # a run without the figures they judge (ENGINE=opensearch): no list of "–"
    parts += ["", "Targets:"]
    for target in judged:
        shown = "–" if target.value is None else f"{target.value:,.2f}"
        parts.append(f"- {target.label}: {shown} → {target.verdict}")
    return "\n".join(parts)
