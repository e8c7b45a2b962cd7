"""The connection settings and the client's failover, without a cluster: a dead port and a fake node."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from search.opensearch.connection import Settings, connect


def test_several_node_urls_are_read_from_the_environment():
    settings = Settings.from_env({"OPENSEARCH_URL": " http://127.0.0.1:9290/, http://127.0.0.1:9291 ,,"})
    assert settings.url == "http://127.0.0.1:9290,http://127.0.0.1:9291"
    assert settings.urls == ["http://127.0.0.1:9290", "http://127.0.0.1:9291"]


def test_one_url_is_still_one_node():
    settings = Settings.from_env({"OPENSEARCH_URL": "http://127.0.0.1:9250/"})
    assert settings.urls == ["http://127.0.0.1:9250"]
    assert Settings().urls == ["http://127.0.0.1:9250"]


def test_the_client_gets_every_node_and_a_retry_per_node():
    client = connect(Settings(url="http://127.0.0.1:9290,http://127.0.0.1:9291,http://127.0.0.1:9292"))
    assert sorted(c.host for c in client.transport.connection_pool.connections) == [
        "http://127.0.0.1:9290",
        "http://127.0.0.1:9291",
        "http://127.0.0.1:9292",
    ]
    assert client.transport.max_retries == 3


class _FakeNode(BaseHTTPRequestHandler):
    """Answers every search with one hit, as a live node would."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"hits": {"total": {"value": 1}, "hits": [{"_id": "a"}]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def live_node() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeNode)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _dead_url() -> str:
    """An address where nothing listens (a node that was killed): the connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_search_sent_to_a_dead_node_is_answered_by_another(live_node):
    client = connect(Settings(url=f"{_dead_url()},{live_node}", timeout=5.0))
    for _ in range(4):  # whichever node the pool picks first
        assert client.search(index="x", body={"query": {"match_all": {}}})["hits"]["total"]["value"] == 1
