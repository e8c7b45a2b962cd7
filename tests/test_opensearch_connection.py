"""The connection settings, the client's failover and the feed's retries, without a cluster: a dead
port, a fake node and a client whose node dies."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opensearchpy import exceptions as os_errors

from search.opensearch import indexing
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


class _FlakyCluster:
    """A client whose first bulk requests meet a dying node, then one that answers."""

    def __init__(self, failures: list[Exception]):
        self.failures = failures
        self.sent: list[int] = []

    def bulk(self, body, params, request_timeout):
        if self.failures:
            raise self.failures.pop(0)
        items = [line for line in body if "index" in line and "_id" in line["index"]]
        self.sent.append(len(items))
        return {"items": [{"index": {"status": 201}} for _ in items]}


def _actions(count: int):
    return ({"_op": "index", "_id": f"d{i}", "doc": {"id": f"d{i}"}} for i in range(count))


def test_a_bulk_request_cut_by_a_dying_node_is_sent_again(monkeypatch):
    monkeypatch.setattr(indexing, "RETRY_PAUSE_S", 0.0)
    client = _FlakyCluster(
        [os_errors.ConnectionError("N/A", "reset", None), os_errors.TransportError(503, "no cluster manager", {})]
    )
    report = indexing.FeedReport(alias="x")
    indexing.send(client, "x-1", _actions(3), report)  # type: ignore[arg-type]
    assert client.sent == [3] and report.failed == []


def test_a_bulk_request_refused_for_good_is_not_retried(monkeypatch):
    monkeypatch.setattr(indexing, "RETRY_PAUSE_S", 0.0)
    client = _FlakyCluster([os_errors.TransportError(400, "mapper_parsing_exception", {})])
    with pytest.raises(os_errors.TransportError):
        indexing.send(client, "x-1", _actions(3), indexing.FeedReport(alias="x"))  # type: ignore[arg-type]
    assert client.sent == []
