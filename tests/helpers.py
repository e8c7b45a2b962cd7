"""What several test files need: an index built for a test, parsed HTML, a real server in a subprocess.

Imported as ``from helpers import ...`` (pytest's default ``prepend`` import mode puts ``tests/`` on
``sys.path``, for ``tests/e2e`` too).
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

from search.index import build_index
from search.ingest import Document

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"

# -- indexes ----------------------------------------------------------------------------------


def build_test_index(docs: Iterable[Document], folder: str | Path, *, meaning: bool = False, procs: int = 1) -> int:
    """`build_index` for a test: words alone unless the test is about meaning.

    Encoding a sentence vector per document runs at about 50 documents/s; a test that never reads
    the vectors (scores, ``meaning``, « sens proche », ``vectors.*`` files) does not pay for them.
    Returns the document count, as `build_index` does.
    """
    return build_index(docs, folder, procs=procs, meaning=meaning)


# -- HTML -------------------------------------------------------------------------------------


class Html(HTMLParser):
    """A parsed page or fragment, as a browser reads it: every start tag with its attributes, and its text.

    ``tags`` lists ``(tag, attributes)`` in document order (an attribute without a value is ``""``);
    ``text`` is the text content with runs of whitespace (no-break spaces included) made one space.
    """

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text_parts: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value if value is not None else "" for name, value in attrs}))

    def handle_data(self, data):
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        """Attributes of each ``<tag>`` having these attribute values (``aria_label`` means ``aria-label``,
        ``class_`` means ``class``)."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted.items())]

    def one(self, tag: str, **attrs: str) -> dict[str, str]:
        found = self.find(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    def links(self) -> list[str]:
        """The ``href`` of every ``<a>`` that has one, in document order."""
        return [a["href"] for t, a in self.tags if t == "a" and "href" in a]


# -- a real server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def http_get(port: int, path: str, timeout: float = 30) -> tuple[int, str]:
    """(status, body) of ``GET path`` on this machine's ``port``; OSError when nothing answers."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


class Server:
    """A server started as a subprocess, its output in a log file; stopped by its pid.

    Use it as a context manager (or call `stop`) so that it is stopped whatever happens.
    """

    def __init__(self, command: list[str], port: int, log_path: Path):
        self.command = command
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.log_path = log_path
        self._log = log_path.open("wb")
        try:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT)
        except BaseException:
            self._log.close()
            raise

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def get(self, path: str, timeout: float = 30) -> tuple[int, str]:
        return http_get(self.port, path, timeout)

    def wait_ready(self, timeout: float = 60, status: int | None = None) -> int:
        """Wait until ``/healthz`` answers (with `status` if given); returns the status it answered.

        Fails at once, with the end of the log, if the process exits; fails after `timeout` s too.
        """
        deadline = time.monotonic() + timeout
        answered = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                answered, _ = self.get("/healthz", timeout=5)
            except OSError:
                answered = None
            if answered is not None and (status is None or answered == status):
                return answered
            time.sleep(0.1)
        wanted = "" if status is None else f" {status}"
        raise AssertionError(
            f"the server did not answer /healthz{wanted} in {timeout} s (last: {answered}):\n{self.log_tail()}"
        )

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def web_server(index: Path, log_path: Path) -> Server:
    """``python -m web`` (Flask's threaded server) on this machine, a free port, serving `index`."""
    port = free_port()
    command = [sys.executable, "-m", "web", "--host", HOST, "--port", str(port), "--index", str(index)]
    return Server(command, port, log_path)
