"""``python -m search.loadtest``: a bounded HTTP load on the production server, then a report.

    python -m search.tools.loadtest [--clients 16] [--seconds 60] [--index DIR] [--port P]   # = make loadtest

It starts gunicorn exactly as ``make serve`` does (2 workers, ``SEARCH_INDEX_DIR``,
``'web:create_app()'``) on 127.0.0.1 only, waits for ``/healthz``, then runs ``--clients``
threads for ``--seconds``, each on one keep-alive `http.client` connection. The requests are a
deterministic mix built from a first ``/api/search`` answer: queries of 1–3 words taken from the
index's own titles and snippets (half of them with their accents removed), facet filters with the
country, year and status values of its facets, every sort, pages 1–3, and the HTML page ``/`` for
about one request in five. It prints requests/s, p50/p95/p99 latency and the count of each
status, stops the server, and exits 1 if any request failed (a status >= 500 or a connection
error). An HTTP client only: it holds no search logic.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from search.tools.stats import percentile

HOST = "127.0.0.1"
DEFAULT_INDEX = "index_data/index"
WORKERS = 2
SEED = 20240611
MIX_SIZE = 4000
HTML_SHARE = 0.2
READY_TIMEOUT_S = 120.0
REQUEST_TIMEOUT_S = 30.0


@dataclass
class Report:
    clients: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)  # connection errors by exception type

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500) + sum(self.failures.values())

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        return percentile(self.latencies_ms, p)

    def format(self) -> str:
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(self.statuses.items())) or "none"
        lines = [
            f"{self.requests} requests in {self.seconds:.1f} s from {self.clients} clients: "
            f"{self.requests / max(self.seconds, 1e-9):.1f} requests/s",
            f"latency p50 {self.percentile(50):.1f} ms, p95 {self.percentile(95):.1f} ms, "
            f"p99 {self.percentile(99):.1f} ms, max {max(self.latencies_ms, default=0.0):.1f} ms",
            f"status codes: {statuses}",
        ]
        failures = ", ".join(f"{name}: {count}" for name, count in sorted(self.failures.items()))
        lines.append(f"errors: {self.errors}" + (f" (connection failures: {failures})" if failures else ""))
        return "\n".join(lines)


# -- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn as `make serve` runs it, on 127.0.0.1:port, in its own process group."""

    def __init__(self, index_dir: Path, port: int, workers: int = WORKERS):
        self.port = port
        self.log = tempfile.TemporaryFile()
        env = {**os.environ, "SEARCH_INDEX_DIR": str(index_dir)}
        command = [
            sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{HOST}:{port}",
            "--log-level", "warning", "web:create_app()",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True
        )

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        """Until /healthz answers 200 (the workers open the index at startup)."""
        deadline = time.monotonic() + timeout_s
        status = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.output()[-3000:]}")
            try:
                status, _ = fetch(self.port, "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"/healthz did not answer 200 within {timeout_s:.0f} s (last status {status})")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # gunicorn: quick shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def fetch(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# -- the request mix --------------------------------------------------------------------------


def strip_accents(text: str) -> str:
    """``santé`` → ``sante``: the way people type without accents."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def request_mix(first_answer: dict, size: int = MIX_SIZE, seed: int = SEED) -> list[str]:
    """``size`` request paths drawn with a fixed seed from the words and facets of one search answer."""
    rng = random.Random(seed)
    text = " ".join(f"{hit.get('title', '')} {hit.get('snippet_html', '')}" for hit in first_answer.get("hits", []))
    text = re.sub(r"<[^>]*>", " ", text)
    words = sorted({w.lower() for w in re.findall(r"[^\W\d_]{4,}", text)}) or ["migrants", "santé", "retour"]
    facets = {
        name: [value["value"] for value in first_answer.get("facets", {}).get(name, [])]
        for name in ("country", "year", "status")
    }
    facets = {name: values for name, values in facets.items() if values}
    paths = []
    for _ in range(size):
        query = " ".join(rng.sample(words, k=min(len(words), rng.choice((1, 1, 2, 2, 3)))))
        if rng.random() < 0.5:
            query = strip_accents(query)
        params: list[tuple[str, str]] = [("q", query)]
        if facets and rng.random() < 0.4:
            name = rng.choice(sorted(facets))
            params.append((name, rng.choice(facets[name])))
        sort = rng.choices(("relevance", "newest", "budget"), weights=(70, 20, 10))[0]
        if sort != "relevance":
            params.append(("sort", sort))
        page = rng.choices((1, 2, 3), weights=(70, 20, 10))[0]
        if page > 1:
            params.append(("page", str(page)))
        base = "/" if rng.random() < HTML_SHARE else "/api/search"
        paths.append(f"{base}?{urlencode(params)}")
    return paths


# -- the load ---------------------------------------------------------------------------------


def _client(port: int, paths: list[str], offset: int, deadline: float, report: Report, lock: threading.Lock) -> None:
    """One keep-alive connection sending the mix from ``offset`` until ``deadline``."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    failures: Counter = Counter()
    connection = None
    position = offset
    while time.monotonic() < deadline:
        path = paths[position % len(paths)]
        position += 1
        if connection is None:
            connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            failures[type(exc).__name__] += 1
            connection.close()
            connection = None
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[response.status] += 1
        if response.will_close:
            connection.close()
            connection = None
    if connection is not None:
        connection.close()
    with lock:
        report.latencies_ms.extend(latencies)
        report.statuses.update(statuses)
        report.failures.update(failures)


def run_load(port: int, paths: list[str], clients: int, seconds: float) -> Report:
    report = Report(clients=clients, seconds=seconds)
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + seconds
    stride = max(1, len(paths) // max(clients, 1))
    threads = [
        threading.Thread(target=_client, args=(port, paths, n * stride, deadline, report, lock), daemon=True)
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + REQUEST_TIMEOUT_S + 5)
    report.seconds = time.monotonic() - started
    return report


def loadtest(index_dir: Path, clients: int, seconds: float, port: int | None = None) -> Report:
    """Start the server, load it, stop it; the report of the load."""
    server = Server(index_dir, port or free_port())
    try:
        server.wait_ready()
        status, body = fetch(server.port, "/api/search?per_page=100")
        if status != 200:
            raise RuntimeError(f"the first /api/search answered {status}: {body[:500]!r}")
        paths = request_mix(json.loads(body))
        report = run_load(server.port, paths, clients, seconds)
    finally:
        server.stop()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m search.tools.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent keep-alive clients (default: 16)")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of the load (default: 60)")
    parser.add_argument("--index", default=DEFAULT_INDEX, help=f"index folder (default: {DEFAULT_INDEX})")
    parser.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0:
        parser.error("--clients and --seconds must be positive")
    index_dir = Path(args.index)
    if not (index_dir / "CURRENT").exists():
        print(f"error: no index in {index_dir}: build one with `make reindex`", file=sys.stderr)
        return 2
    print(f"loadtest: gunicorn ({WORKERS} workers) on {index_dir}, {args.clients} clients for {args.seconds:g} s")
    try:
        report = loadtest(index_dir, args.clients, args.seconds, args.port)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.format())
    return 1 if report.errors or not report.requests else 0


if __name__ == "__main__":
    sys.exit(main())
