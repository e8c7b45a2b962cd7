"""``python -m search.tools fault``: a data node killed hard under load, and nothing lost.

On its own three-node cluster (2 shards, 1 replica; never the shared development ports), with
the bench pages fed by words alone:

1. searches run in a loop while one node is killed with SIGKILL, kept down, then restarted:
   they must keep answering (each failed attempt is counted, the longest run of failures is
   timed), every answer must give the total it gave before the kill (a partial answer would
   not), no document may be lost (count and digest of ids and record checksums) and the
   cluster must come back green;
2. a full rebuild runs while a node (by default the elected cluster-manager) is killed halfway
   through the feed: it either completes (alias on the new build, every document there) or
   fails and leaves the alias on the previous build; searches answer throughout.

The report gives the figures and every broken condition; the exit status is nonzero if any.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from opensearchpy import OpenSearch

from search import SearchRequest
from search.ingest import Document
from search.opensearch import cluster, indexing
from search.opensearch.cluster import ClusterConfig
from search.opensearch.connection import Settings, connect, guarded
from search.opensearch.engine import OpenSearchEngine
from search.tools.bench.corpus import DEFAULT_SEED, generate, load_source, make_queries

ALIAS = "oimfault"
DEFAULT_HTTP_PORT = 9290
DEFAULT_TRANSPORT_PORT = 9390
#: The kill target that means "whichever node is the elected cluster-manager at that moment".
MANAGER = "manager"

Log = Callable[[str], None]


@dataclass(frozen=True)
class FaultOptions:
    pages: int = 20_000
    http_port: int = DEFAULT_HTTP_PORT
    transport_port: int = DEFAULT_TRANSPORT_PORT
    workdir: Path | None = None  # None: a temporary folder, removed at the end
    kill: str = "node-2"  # phase 1 target: a node name, or MANAGER
    rebuild_kill: str = MANAGER  # phase 2 target
    down_s: float = 10.0  # how long the killed node stays down while searches run
    threads: int = 2
    pause_s: float = 0.05  # between one thread's searches: visitors' traffic, not a load test
    queries: int = 100
    max_error_window_s: float = 5.0
    green_timeout_s: float = 240.0
    seed: int = DEFAULT_SEED


@dataclass
class LoopFigures:
    """What a search loop saw: attempts, failures, answers with a wrong total, longest failing run."""

    searches: int = 0
    errors: int = 0
    wrong: int = 0
    failed_over: int = 0  # requests that met a dead node and were sent again to another (invisible above)
    longest_error_window_s: float = 0.0
    unclosed_window: bool = False  # failures until the loop stopped: searches never came back
    kinds: Counter[str] = field(default_factory=Counter)

    def format(self) -> str:
        text = (
            f"{self.searches} searches, {self.errors} errors, {self.wrong} wrong totals, "
            f"longest error window {self.longest_error_window_s:.2f} s, "
            f"failed over to another node: {self.failed_over} requests"
        )
        if self.unclosed_window:
            text += " (still failing at the end)"
        for kind, count in self.kinds.most_common(5):
            text += f"\n      {count} x {kind}"
        return text


@dataclass
class FaultReport:
    pages: int = 0
    index_s: float = 0.0
    green_after_feed_s: float = 0.0
    count: int = 0
    digest: str = ""
    killed: list[str] = field(default_factory=list)  # "node-2 (pid 123, not the cluster-manager)"
    search: LoopFigures = field(default_factory=LoopFigures)
    green_after_restart_s: float = 0.0
    rebuild_outcome: str = ""
    rebuild_search: LoopFigures = field(default_factory=LoopFigures)
    rebuild_green_after_restart_s: float = 0.0
    rebuild_green_at_end_s: float = 0.0  # from the rebuild's end: its replicas are copied last
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def format(self) -> str:
        rate = self.pages / self.index_s if self.index_s else 0.0
        lines = [
            f"fault test: {self.pages:,} bench pages on 3 nodes, 2 shards, 1 replica",
            f"  indexed in {self.index_s:.1f} s ({rate:,.0f} docs/s), green {self.green_after_feed_s:.1f} s later; "
            f"{self.count:,} documents, digest {self.digest[:16]}",
            f"  killed: {'; '.join(self.killed) or 'nothing'}",
            f"  phase 1, searches while a node is killed and restarted: {self.search.format()}",
            f"    green {self.green_after_restart_s:.1f} s after the restart",
            f"  phase 2, rebuild while a node is killed: {self.rebuild_outcome}",
            f"    searches: {self.rebuild_search.format()}",
            f"    green {self.rebuild_green_after_restart_s:.1f} s after the restart, "
            f"and {self.rebuild_green_at_end_s:.1f} s after the rebuild ended",
        ]
        lines += [f"  FAILED: {failure}" for failure in self.failures] or ["  every condition held"]
        return "\n".join(lines)


# Documents ---------------------------------------------------------------------------------------


def digest(pairs: dict[str, str]) -> str:
    """sha256 of every ``id<TAB>record checksum``, sorted: same documents, same contents, same digest."""
    lines = "\n".join(f"{doc_id}\t{pairs[doc_id]}" for doc_id in sorted(pairs))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def expected_digest(docs: list[Document]) -> str:
    return digest({doc.id: indexing.checksum(doc) for doc in docs})


def snapshot(settings: Settings, client: OpenSearch) -> tuple[int, str]:
    """(count, digest) of what the alias serves, read by id order over every document."""
    count = guarded(settings, lambda: int(client.count(index=settings.alias)["count"]))
    return count, digest(guarded(settings, lambda: indexing.indexed_checksums(client, settings.alias)))


# Search loop -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    started: float
    ended: float
    ok: bool


class FailedAttempts(logging.Handler):
    """Counts the client's failed attempts (it logs each one, then retries on another node) instead
    of printing their tracebacks: the failover is a figure of the report, not noise."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "[status:" in record.getMessage():
            self.count += 1

    def __enter__(self) -> FailedAttempts:
        client_log = logging.getLogger("opensearch")
        self._saved = client_log.propagate
        client_log.addHandler(self)
        client_log.propagate = False
        return self

    def __exit__(self, *_: object) -> None:
        client_log = logging.getLogger("opensearch")
        client_log.removeHandler(self)
        client_log.propagate = self._saved


class SearchLoop:
    """Threads searching the engine without pause, each attempt recorded (a failure is retried by
    simply going on with the next query) and each total compared with the one given before."""

    def __init__(self, engine: OpenSearchEngine, workload: Workload, threads: int, pause_s: float = 0.0):
        self.engine = engine
        self.pause_s = pause_s
        self.requests = workload.requests
        self.totals = workload.totals
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._outcomes: list[_Outcome] = []
        self._figures = LoopFigures()

    def __enter__(self) -> SearchLoop:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self.threads:
            thread.join()

    def _run(self, offset: int) -> None:
        number = offset
        while not self._stop.is_set():
            position = number % len(self.requests)
            started = time.monotonic()
            kind = ""
            try:
                total = self.engine.search(self.requests[position]).total
                if total != self.totals[position]:
                    kind = f"wrong total {total} instead of {self.totals[position]}"
            # Any failure is what is being counted here, whatever its type: none may stop the loop.
            except Exception as exc:  # noqa: BLE001
                kind = f"{type(exc).__name__}: {' '.join(str(exc).split())[:140]}"
            with self._lock:
                self._outcomes.append(_Outcome(started, time.monotonic(), not kind))
                self._figures.searches += 1
                if kind:
                    self._figures.kinds[kind] += 1
                    if kind.startswith("wrong total"):
                        self._figures.wrong += 1
                    else:
                        self._figures.errors += 1
            # On two shared cores a search loop without pause would starve the rebuild it watches.
            self._stop.wait(self.pause_s)
            number += len(self.threads)

    def figures(self) -> LoopFigures:
        """The figures so far, with the longest time from a failure to the next search that worked."""
        with self._lock:
            outcomes = sorted(self._outcomes, key=lambda o: o.started)
            figures = self._figures
        longest, opened = 0.0, None
        for outcome in outcomes:
            if not outcome.ok and opened is None:
                opened = outcome.started
            elif outcome.ok and opened is not None and outcome.started >= opened:
                longest, opened = max(longest, outcome.ended - opened), None
        if opened is not None and outcomes:
            longest = max(longest, outcomes[-1].ended - opened)
        figures.longest_error_window_s = round(longest, 3)
        figures.unclosed_window = opened is not None
        return figures


@dataclass(frozen=True)
class Workload:
    """The searches of the loops and the total each gave on the healthy cluster."""

    requests: list[SearchRequest]
    totals: list[int]


def bench_requests(count: int, seed: int) -> list[SearchRequest]:
    """Real queries of the bench set, every second one with its facet filter (as a visitor refines)."""
    requests = []
    for number, query in enumerate(make_queries(count, seed, load_source())):
        params = {"q": [query.text]}
        if number % 2:
            params[query.facet] = [query.value]
        requests.append(SearchRequest.from_params(params))
    return requests


# Nodes -------------------------------------------------------------------------------------------


def kill(config: ClusterConfig, target: str, log: Log) -> tuple[str, str]:
    """SIGKILL ``target`` (a node name, or the elected cluster-manager); (name, description)."""
    manager = cluster.elected_manager(config)
    name = manager if target == MANAGER else target
    if name is None:
        raise cluster.ClusterError("no node answers which one is the cluster-manager")
    pid = cluster.kill_node(config, name)
    role = "the elected cluster-manager" if name == manager else f"not the cluster-manager ({manager})"
    log(f"killed {name} with SIGKILL (pid {pid}, {role})")
    return name, f"{name} (pid {pid}, {role})"


def restart(config: ClusterConfig, name: str, timeout: float, log: Log) -> float:
    """Start ``name`` again and wait for green; seconds from the restart to green (raises if never)."""
    started = time.monotonic()
    pid = cluster.start_node(config, name)
    log(f"restarted {name} (pid {pid}); waiting for green")
    return green(config, timeout, f"restarting {name}", log, started)


def green(config: ClusterConfig, timeout: float, after: str, log: Log, since: float | None = None) -> float:
    """Wait for a green cluster; seconds it took since ``since`` (now by default), raises if never."""
    since = time.monotonic() if since is None else since
    if not cluster.wait_green(config, timeout):
        raise cluster.ClusterError(f"not green {timeout:.0f} s after {after}: {cluster.any_health(config)}")
    seconds = time.monotonic() - since
    log(f"green {seconds:.1f} s after {after}")
    return seconds


# Phases ------------------------------------------------------------------------------------------


def check_loop(name: str, figures: LoopFigures, options: FaultOptions, report: FaultReport) -> None:
    if figures.wrong:
        report.failures.append(f"{name}: {figures.wrong} answers with a wrong total (partial results)")
    if figures.unclosed_window:
        report.failures.append(f"{name}: searches were still failing when the loop stopped")
    if figures.longest_error_window_s > options.max_error_window_s:
        report.failures.append(
            f"{name}: searches failed for {figures.longest_error_window_s:.1f} s in a row "
            f"(limit {options.max_error_window_s:.0f} s)"
        )
    if figures.searches - figures.errors - figures.wrong <= 0:
        report.failures.append(f"{name}: no search answered")


def check_documents(name: str, settings: Settings, client: OpenSearch, report: FaultReport) -> None:
    count, found = snapshot(settings, client)
    if (count, found) != (report.count, report.digest):
        report.failures.append(
            f"{name}: documents changed: {count:,} (digest {found[:16]}), "
            f"expected {report.count:,} (digest {report.digest[:16]})"
        )


def search_phase(
    config: ClusterConfig,
    engine: OpenSearchEngine,
    workload: Workload,
    options: FaultOptions,
    report: FaultReport,
    log: Log,
) -> None:
    """Phase 1: kill a node under searches, keep it down, restart it, wait for green."""
    with FailedAttempts() as failed, SearchLoop(engine, workload, options.threads, options.pause_s) as loop:
        time.sleep(2.0)  # searches answering before the kill
        name, described = kill(config, options.kill, log)
        report.killed.append(described)
        time.sleep(options.down_s)
        report.green_after_restart_s = restart(config, name, options.green_timeout_s, log)
        time.sleep(2.0)
    report.search = loop.figures()
    report.search.failed_over = failed.count
    log(f"phase 1 searches: {report.search.format()}")
    check_loop("phase 1", report.search, options, report)


def rebuild_phase(
    config: ClusterConfig,
    settings: Settings,
    engine: OpenSearchEngine,
    workload: Workload,
    docs: list[Document],
    options: FaultOptions,
    report: FaultReport,
    log: Log,
) -> None:
    """Phase 2: a full rebuild with a node killed halfway through the feed."""
    client = connect(settings)
    before = indexing.aliased(client, settings.alias)
    outcome = _Rebuild()
    feeder = threading.Thread(target=outcome.run, args=(settings, docs), daemon=True)
    with FailedAttempts() as failed, SearchLoop(engine, workload, options.threads, options.pause_s) as loop:
        feeder.start()
        fed = wait_for_feed(client, settings.alias, before, len(docs) // 2, feeder)
        name, described = kill(config, options.rebuild_kill, log)
        report.killed.append(described + f", {fed:,} documents into the rebuild")
        time.sleep(options.down_s)
        report.rebuild_green_after_restart_s = restart(config, name, options.green_timeout_s, log)
        feeder.join(timeout=600)
        # The completed build gets its replicas last: green again before the figures are final.
        report.rebuild_green_at_end_s = green(config, options.green_timeout_s, "the rebuild ended", log)
    report.rebuild_search = loop.figures()
    report.rebuild_search.failed_over = failed.count  # the rebuild's own bulk requests included
    log(f"phase 2 searches: {report.rebuild_search.format()}")
    check_loop("phase 2", report.rebuild_search, options, report)
    judge_rebuild(settings, client, before, outcome, feeder.is_alive(), report)


@dataclass
class _Rebuild:
    """The full rebuild of phase 2, run in a thread: its report, or the error it ended with."""

    report: indexing.FeedReport | None = None
    error: Exception | None = None

    def run(self, settings: Settings, docs: list[Document]) -> None:
        try:
            self.report = indexing.feed(settings, docs=docs, full=True)
        except Exception as exc:  # noqa: BLE001 (failing is an allowed outcome: kept, then judged)
            self.error = exc


def wait_for_feed(client: OpenSearch, alias: str, before: list[str], documents: int, feeder: threading.Thread) -> int:
    """Documents sent to the new build once it has ``documents`` (or the feed ended): kill time.

    The indexing counter of the build's primaries grows as bulk requests land, refresh or not.
    """
    while feeder.is_alive():
        fresh = [name for name in indexing.builds(client, alias) if name not in before]
        if fresh:
            stats = client.indices.stats(index=fresh[-1], metric="indexing")
            fed = int(stats["_all"]["primaries"].get("indexing", {}).get("index_total", 0))
            if fed >= documents:
                return fed
        time.sleep(0.2)
    return 0


def judge_rebuild(
    settings: Settings,
    client: OpenSearch,
    before: list[str],
    outcome: _Rebuild,
    running: bool,
    report: FaultReport,
) -> None:
    """Completed (alias on the new build, every document) or failed (alias where it was): else a failure."""
    now = indexing.aliased(client, settings.alias)
    if running:
        report.rebuild_outcome = "still running 10 minutes after the kill"
        report.failures.append("phase 2: the rebuild never ended")
    elif outcome.error is not None or outcome.report is None:
        error = outcome.error
        report.rebuild_outcome = f"failed ({type(error).__name__}: {error}); alias still on {now}, before {before}"
        if now != before:
            report.failures.append(f"phase 2: the failed rebuild moved the alias from {before} to {now}")
    else:
        feed = outcome.report
        report.rebuild_outcome = f"completed: {feed.count:,} documents in {feed.index} ({feed.elapsed_s:.1f} s)"
        if now != [feed.index]:
            report.failures.append(f"phase 2: the rebuild completed but the alias is on {now}, not {feed.index}")
        if not feed.ok:
            report.failures.append(f"phase 2: the rebuild reported success but is incomplete: {feed.format()}")
    check_documents("phase 2", settings, client, report)


# Run ---------------------------------------------------------------------------------------------


def run(options: FaultOptions, log: Log = print) -> FaultReport:
    """Both phases on a cluster of our own (started here and stopped at the end, unless it was running)."""
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="oim-fault-"))
    config = ClusterConfig(
        nodes=3, http_port=options.http_port, transport_port=options.transport_port, directory=workdir / "cluster"
    )
    ours = not cluster.running_pids(config)
    try:
        cluster.start(config)
        return scenario(config, options, log)
    finally:
        if ours:
            log(f"stopping the fault cluster: {', '.join(cluster.stop(config)) or 'no node left'}")
        if options.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def scenario(config: ClusterConfig, options: FaultOptions, log: Log) -> FaultReport:
    settings = Settings(url=",".join(config.urls), alias=ALIAS, shards=2, replicas=1, meaning=False)
    report = FaultReport(pages=options.pages)
    docs = list(generate(options.pages, options.seed))
    report.digest = expected_digest(docs)
    report.count = len(docs)
    fed = indexing.feed(settings, docs=docs, full=True)
    report.index_s = fed.elapsed_s
    log(fed.format())
    # The alias may move to a build whose replicas are still being copied: a node killed before
    # they are would take the only copy of a shard with it, which is not the fault under test.
    report.green_after_feed_s = green(config, options.green_timeout_s, "the first feed", log)
    client = connect(settings)
    check_documents("after the first feed", settings, client, report)
    engine = OpenSearchEngine(settings)
    try:
        requests = bench_requests(options.queries, options.seed)
        totals = [engine.search(request).total for request in requests]
        workload = Workload(requests, totals)
        search_phase(config, engine, workload, options, report, log)
        check_documents("phase 1", settings, client, report)
        rebuild_phase(config, settings, engine, workload, docs, options, report, log)
    finally:
        engine.close()
    return report
