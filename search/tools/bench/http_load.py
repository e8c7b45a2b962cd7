"""The same full-page query set over HTTP: gunicorn with two workers, sixteen concurrent clients.

The server runs exactly as `make serve` runs it (``gunicorn --workers 2 'web:create_app()'`` with
``SEARCH_INDEX_DIR``) on a free port of 127.0.0.1 only. Clients are threads with keep-alive
`http.client` connections; each loops over the queries from its own offset for a fixed time,
after a warm-up during which nothing is recorded (each worker has its own posting cache).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from search.tools.bench.corpus import BenchQuery

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def search_path(query: BenchQuery) -> str:
    return "/api/search?" + urlencode({"q": query.text, query.facet: query.value, "understand": "0"})


def start_server(index_dir: Path, port: int, workers: int = 2) -> subprocess.Popen:
    env = {**os.environ, "SEARCH_INDEX_DIR": str(index_dir)}
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{HOST}:{port}",
        "--log-level", "warning", "web:create_app()",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(port: int, server: subprocess.Popen, timeout_s: float = 120.0) -> None:
    """Until /healthz answers 200 (workers open the index at startup)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stderr.read().decode(errors="replace") if server.stderr else ""
            raise RuntimeError(f"gunicorn exited: {output[-2000:]}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not become ready")


def process_tree_hwm_mb(pid: int) -> dict[str, float]:
    """Peak RSS (VmHWM) of the gunicorn master and of each of its workers, from /proc."""
    found: dict[str, float] = {}
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for name, proc in [("master", pid), *((f"worker{i}", int(c)) for i, c in enumerate(children, 1))]:
        for line in Path(f"/proc/{proc}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                found[name] = int(line.split()[1]) / 1024
    return found


def _client(port: int, paths: list[str], start: int, stop_at: float, record: bool, out: dict[str, Any]) -> None:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    i = start
    while time.perf_counter() < stop_at:
        path = paths[i % len(paths)]
        i += 1
        began = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
        elapsed = (time.perf_counter() - began) * 1000
        if record and ok:
            out["latencies"].append(elapsed)
        elif record:
            out["errors"] += 1
    connection.close()


def drive(port: int, queries: list[BenchQuery], clients: int, seconds: float, record: bool) -> dict[str, Any]:
    paths = [search_path(q) for q in queries]
    outs: list[dict[str, Any]] = [{"latencies": [], "errors": 0} for _ in range(clients)]
    stop_at = time.perf_counter() + seconds
    threads = [
        threading.Thread(target=_client, args=(port, paths, i * len(paths) // clients, stop_at, record, outs[i]))
        for i in range(clients)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies = [ms for out in outs for ms in out["latencies"]]
    return {"latencies": latencies, "errors": sum(o["errors"] for o in outs), "seconds": elapsed}


def http_run(
    index_dir: Path,
    queries: list[BenchQuery],
    clients: int = 16,
    seconds: float = 20.0,
    warmup_s: float = 5.0,
    workers: int = 2,
) -> dict[str, Any]:
    """Start gunicorn, warm it up, drive it for ``seconds``, read its memory, stop it.

    A second run with one client per worker (``unqueued``) shows what HTTP itself adds: with
    ``clients`` > ``workers`` most of a request's time is spent waiting for a free worker.
    """
    port = free_port()
    server = start_server(index_dir, port, workers)
    try:
        wait_ready(port, server)
        drive(port, queries, clients, warmup_s, record=False)
        measured = drive(port, queries, clients, seconds, record=True)
        measured["unqueued"] = drive(port, queries, workers, seconds / 2, record=True)
        memory = process_tree_hwm_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return {**measured, "clients": clients, "memory_hwm_mb": memory}
