"""A real OpenSearch cluster for development and tests, started from the project's own files.

No tarball or image: the Maven module in ``launcher/`` pulls OpenSearch's jars from Maven Central
and starts one node per JVM with the modules it needs as classpath plugins. This module builds it
when needed, starts N nodes on loopback (data, logs and pid files under ``index_data/opensearch/``),
waits for a green cluster and stops exactly the processes it started.

    python -m search.opensearch.cluster start [--nodes 3] [--http-port 9250] [--transport-port 9350]
    python -m search.opensearch.cluster status
    python -m search.opensearch.cluster stop

Standard library only, so it runs before any package is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).resolve().parent / "launcher"
JAR = LAUNCHER / "target" / "opensearch-launcher.jar"
LIB = LAUNCHER / "target" / "lib"
MAIN_CLASS = "org.oim.search.opensearch.Launcher"
DEFAULT_DIR = ROOT / "index_data" / "opensearch"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_NODES = 3
DEFAULT_HTTP_PORT = 9250
DEFAULT_TRANSPORT_PORT = 9350
DEFAULT_HEAP = "512m"
DEFAULT_CLUSTER_NAME = "oim-search"
LOG_TAIL_LINES = 40


class ClusterError(RuntimeError):
    """The cluster could not be built, started or stopped; the message says why."""


@dataclass(frozen=True)
class ClusterConfig:
    nodes: int = DEFAULT_NODES
    http_port: int = DEFAULT_HTTP_PORT
    transport_port: int = DEFAULT_TRANSPORT_PORT
    host: str = DEFAULT_HOST
    heap: str = DEFAULT_HEAP
    cluster_name: str = DEFAULT_CLUSTER_NAME
    directory: Path = DEFAULT_DIR
    # Thread pools are sized from this: three JVMs share two cores, so each sizes for one.
    processors: int = 1

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def urls(self) -> list[str]:
        """Every node's HTTP address: a client given them all survives losing the one it talks to."""
        return [f"http://{self.host}:{self.http_port + i}" for i in range(self.nodes)]

    def node_names(self) -> list[str]:
        return [f"node-{i + 1}" for i in range(self.nodes)]


# Build -------------------------------------------------------------------------------------------


def launcher_is_built() -> bool:
    if not JAR.is_file() or not LIB.is_dir() or not any(LIB.glob("opensearch-*.jar")):
        return False
    built = JAR.stat().st_mtime
    sources = [LAUNCHER / "pom.xml", *(p for p in (LAUNCHER / "src").rglob("*") if p.is_file())]
    return all(p.stat().st_mtime <= built for p in sources)


def build(force: bool = False) -> None:
    """`mvn package`: the launcher jar, and every dependency copied into target/lib/."""
    if launcher_is_built() and not force:
        return
    mvn = shutil.which("mvn")
    if not mvn:
        raise ClusterError("Maven (mvn) is needed to build the OpenSearch launcher and was not found on PATH")
    print("building the OpenSearch launcher (mvn package) ...", flush=True)
    result = subprocess.run([mvn, "-q", "-B", "-f", str(LAUNCHER / "pom.xml"), "package"], check=False)
    if result.returncode != 0 or not JAR.is_file():
        raise ClusterError(f"mvn package failed (exit {result.returncode}); see its output above")


def java_available() -> bool:
    return shutil.which("java") is not None


def tools_available() -> bool:
    """Java to run the nodes, and either a built launcher or Maven to build it."""
    return java_available() and (launcher_is_built() or shutil.which("mvn") is not None)


# Nodes -------------------------------------------------------------------------------------------


def _node_settings(config: ClusterConfig, index: int) -> dict[str, str]:
    name = config.node_names()[index]
    folder = config.directory / name
    settings = {
        "cluster.name": config.cluster_name,
        "node.name": name,
        # Loopback only unless told otherwise: a development cluster is never reachable from outside.
        "network.host": config.host,
        "http.port": str(config.http_port + index),
        "transport.port": str(config.transport_port + index),
        "path.home": str(folder / "home"),
        "path.data": str(folder / "data"),
        "path.logs": str(folder / "logs"),
        "node.processors": str(config.processors),
        # A development disk that is 85% full would otherwise leave replicas unassigned (yellow).
        "cluster.routing.allocation.disk.threshold_enabled": "false",
    }
    if config.nodes == 1:
        settings["discovery.type"] = "single-node"
    else:
        seeds = ",".join(f"{config.host}:{config.transport_port + i}" for i in range(config.nodes))
        settings["discovery.seed_hosts"] = seeds
        # Read only when the cluster forms for the first time; ignored once it has a state on disk.
        settings["cluster.initial_cluster_manager_nodes"] = ",".join(config.node_names())
    return settings


def _java_command(config: ClusterConfig, index: int) -> list[str]:
    java = shutil.which("java")
    if not java:
        raise ClusterError("Java (java) is needed to run OpenSearch and was not found on PATH")
    settings = _node_settings(config, index)
    return [
        java,
        f"-Xms{min_heap(config.heap)}",
        f"-Xmx{config.heap}",
        # As the distribution's jvm.options: log4j must not stop before the node has logged its
        # shutdown, and needs no JMX.
        "-Dlog4j.shutdownHookEnabled=false",
        "-Dlog4j2.disable.jmx=true",
        # A node out of memory dies (and says so in its log) instead of hanging the cluster.
        "-XX:+ExitOnOutOfMemoryError",
        f"-Djava.io.tmpdir={config.directory / settings['node.name'] / 'tmp'}",
        "-cp",
        f"{JAR}{os.pathsep}{LIB}{os.sep}*",
        MAIN_CLASS,
        *(f"{key}={value}" for key, value in settings.items()),
    ]


def min_heap(heap: str) -> str:
    """Half the maximum heap as the initial one (256m for 512m): small until a node needs more."""
    digits, unit = heap[:-1], heap[-1]
    if digits.isdigit() and unit.lower() in "mg":
        return f"{max(int(digits) // 2, 1)}{unit}"
    return heap


def _pid_file(config: ClusterConfig, name: str) -> Path:
    return config.directory / f"{name}.pid"


def log_file(config: ClusterConfig, name: str) -> Path:
    return config.directory / f"{name}.log"


def _is_our_node(pid: int, name: str) -> bool:
    """The pid is alive and is still one of our launchers for that node (not a recycled pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # no /proc (not Linux): trust the pid file
    return MAIN_CLASS.encode() in cmdline and f"node.name={name}".encode() in cmdline


def running_pids(config: ClusterConfig) -> dict[str, int]:
    """Node name -> pid, for the pid files under the cluster folder whose process is still ours."""
    found = {}
    for pid_path in sorted(config.directory.glob("*.pid")):
        name = pid_path.stem
        try:
            pid = int(pid_path.read_text().strip())
        except (OSError, ValueError):
            continue
        if _is_our_node(pid, name):
            found[name] = pid
    return found


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text[-lines:])


def health(url: str, timeout: float = 5.0, params: str = "") -> dict | None:
    """`_cluster/health` as a dict, or None when the cluster does not answer; ``url`` may list
    several nodes, comma-separated (as ``OPENSEARCH_URL`` may): the first that answers is asked."""
    if "," in url:
        nodes = (part.strip().rstrip("/") for part in url.split(",") if part.strip())
        return next((state for node in nodes if (state := health(node, timeout, params)) is not None), None)
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health{params}", timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:  # 408 when wait_for_status times out: still a health body
        try:
            return json.load(error)
        except ValueError:
            return None
    except (OSError, ValueError):
        return None


def start(config: ClusterConfig | None = None, timeout: float = 240.0) -> str:
    """Build if needed, start the nodes, wait for green; the cluster's URL.

    A cluster already running from the same folder is reused. On failure, the nodes this call
    started are stopped and the error carries the tail of the failing node's log.
    """
    config = config or ClusterConfig()
    already = running_pids(config)
    if already:
        if len(already) == config.nodes and _wait_green(config, timeout=min(timeout, 60.0), pids=already):
            return config.url
        raise ClusterError(
            f"nodes {sorted(already)} from {config.directory} are already running but the cluster is not green "
            f"with {config.nodes} nodes: run `python -m search.opensearch.cluster stop` first"
        )
    build()
    busy = [
        port
        for i in range(config.nodes)
        for port in (config.http_port + i, config.transport_port + i)
        if not _port_free(config.host, port)
    ]
    if busy:
        raise ClusterError(
            f"ports already in use on {config.host}: {busy} (choose others with --http-port/--transport-port)"
        )
    config.directory.mkdir(parents=True, exist_ok=True)
    started: dict[str, int] = {}
    began = time.monotonic()
    try:
        for name in config.node_names():
            started[name] = _spawn(config, name)
        if not _wait_green(config, timeout=timeout, pids=started):
            raise ClusterError(
                f"the cluster at {config.url} was not green after {timeout:.0f}s "
                f"(last health: {any_health(config)})\n" + _log_tails(config)
            )
    except BaseException:
        _stop_pids(config, started)
        raise
    print(f"OpenSearch: {config.nodes} node(s) green in {time.monotonic() - began:.0f}s at {config.url}", flush=True)
    return config.url


def _spawn(config: ClusterConfig, name: str) -> int:
    """Start one node's JVM in the background and write its pid file; its pid."""
    index = config.node_names().index(name)
    (config.directory / name / "tmp").mkdir(parents=True, exist_ok=True)
    with open(log_file(config, name), "ab") as log:
        process = subprocess.Popen(
            _java_command(config, index),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=config.directory / name,
            # Its own session: a Ctrl-C meant for `make` does not kill the nodes halfway.
            start_new_session=True,
        )
    _pid_file(config, name).write_text(f"{process.pid}\n")
    return process.pid


def _log_tails(config: ClusterConfig, names: list[str] | None = None) -> str:
    return "\n".join(
        f"--- last lines of {log_file(config, name)} ---\n{_tail(log_file(config, name))}"
        for name in (names or config.node_names())
    )


def _wait_green(config: ClusterConfig, timeout: float, pids: dict[str, int]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = [name for name, pid in pids.items() if not _alive(pid)]
        if dead:
            raise ClusterError(f"node(s) {dead} exited while starting\n" + _log_tails(config, dead))
        state = any_health(config, params=f"?wait_for_status=green&wait_for_nodes={config.nodes}&timeout=5s")
        if state and state.get("status") == "green" and state.get("number_of_nodes") == config.nodes:
            return True
        time.sleep(1.0)
    return False


def any_health(config: ClusterConfig, timeout: float = 10.0, params: str = "") -> dict | None:
    """`health` from the first node that answers: node-1 may be the one that is down."""
    for url in config.urls:
        state = health(url, timeout=timeout, params=params)
        if state is not None:
            return state
    return None


def wait_green(config: ClusterConfig, timeout: float = 240.0) -> bool:
    """Whether every node of a running cluster is back and every shard assigned within ``timeout``.

    Raises `ClusterError` when one of its nodes has exited meanwhile (waiting longer is pointless).
    """
    return _wait_green(config, timeout, running_pids(config))


def elected_manager(config: ClusterConfig, timeout: float = 10.0) -> str | None:
    """The name of the elected cluster-manager node, as any live node sees it (None if none answers)."""
    for url in config.urls:
        try:
            with urllib.request.urlopen(f"{url}/_cat/cluster_manager?h=node", timeout=timeout) as response:
                return response.read().decode("utf-8").strip() or None
        except (OSError, ValueError):
            continue
    return None


def kill_node(config: ClusterConfig, name: str, timeout: float = 30.0) -> int:
    """SIGKILL one node (a crash: no clean shutdown, no goodbye to the cluster); its pid once dead.

    Only a pid that is still one of our launchers for ``name`` is killed; the pid file is removed.
    """
    pid = running_pids(config).get(name)
    if pid is None:
        raise ClusterError(f"{name} is not running from {config.directory}")
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            raise ClusterError(f"{name} (pid {pid}) still alive {timeout:.0f}s after SIGKILL")
        time.sleep(0.05)
    _pid_file(config, name).unlink(missing_ok=True)
    return pid


def start_node(config: ClusterConfig, name: str) -> int:
    """Start one node of an existing cluster again (same command and settings); its new pid.

    Does not wait: the node rejoins and recovers its shards from its own disk; `wait_green` waits.
    """
    if name not in config.node_names():
        raise ClusterError(f"{name} is not a node of this cluster ({', '.join(config.node_names())})")
    if name in running_pids(config):
        raise ClusterError(f"{name} is already running from {config.directory}")
    index = config.node_names().index(name)
    ports = (config.http_port + index, config.transport_port + index)
    busy = [port for port in ports if not _port_free(config.host, port)]
    if busy:
        raise ClusterError(f"cannot restart {name}: ports {busy} still in use on {config.host}")
    return _spawn(config, name)


def _alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)  # reap our own child if it has exited
        if finished == pid:
            return False
    except ChildProcessError:
        pass  # not our child (started by an earlier command): fall back to the signal probe
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def stop(config: ClusterConfig | None = None, timeout: float = 60.0) -> list[str]:
    """Stop the nodes whose pid files are in the cluster folder; the names of those stopped."""
    config = config or ClusterConfig()
    if not config.directory.is_dir():
        return []
    pids = running_pids(config)
    _stop_pids(config, pids, timeout)
    for pid_path in config.directory.glob("*.pid"):
        pid_path.unlink(missing_ok=True)
    return sorted(pids)


def _stop_pids(config: ClusterConfig, pids: dict[str, int], timeout: float = 60.0) -> None:
    """SIGTERM (the launcher closes its node cleanly), then SIGKILL after ``timeout``; waits for exit."""
    for pid in pids.values():
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    remaining = dict(pids)
    while remaining and time.monotonic() < deadline:
        remaining = {name: pid for name, pid in remaining.items() if _alive(pid)}
        if remaining:
            time.sleep(0.2)
    for name, pid in remaining.items():
        print(f"{name} (pid {pid}) did not stop within {timeout:.0f}s: killing it", file=sys.stderr)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        while _alive(pid):
            time.sleep(0.1)
    for name in pids:
        _pid_file(config, name).unlink(missing_ok=True)


def status(config: ClusterConfig | None = None) -> dict:
    config = config or ClusterConfig()
    return {"url": config.url, "pids": running_pids(config), "health": any_health(config)}


# Command line ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m search.opensearch.cluster", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["build", "start", "stop", "status"])
    parser.add_argument("--nodes", type=int, default=DEFAULT_NODES)
    parser.add_argument("--http-port", type=int, default=DEFAULT_HTTP_PORT, help="first node's; the next ones follow")
    parser.add_argument("--transport-port", type=int, default=DEFAULT_TRANSPORT_PORT)
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default: loopback only)")
    parser.add_argument("--heap", default=DEFAULT_HEAP, help="maximum JVM heap per node (default: %(default)s)")
    parser.add_argument("--cluster-name", default=DEFAULT_CLUSTER_NAME)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="data, logs and pid files")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for green")
    args = parser.parse_args(argv)
    config = ClusterConfig(
        nodes=args.nodes,
        http_port=args.http_port,
        transport_port=args.transport_port,
        host=args.host,
        heap=args.heap,
        cluster_name=args.cluster_name,
        directory=args.dir.resolve(),
    )
    try:
        if args.command == "build":
            build(force=True)
        elif args.command == "start":
            start(config, timeout=args.timeout)
            print(",".join(config.urls))  # every node: OPENSEARCH_URL=<this> fails over between them
        elif args.command == "stop":
            stopped = stop(config)
            print(f"stopped: {', '.join(stopped)}" if stopped else "no node was running")
        else:
            print(json.dumps(status(config), indent=2))
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
