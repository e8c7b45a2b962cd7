"""The OpenSearch engine answers as the embedded one, on a real cluster (see tests/opensearch_fixtures.py).

Without a cluster these tests are skipped with the reason (the 503 ones run anyway: they need no
cluster). Every index and alias made here is named ``oimtest-<random>`` and deleted at the end.
"""

from __future__ import annotations

import re
import socket
import threading
import uuid

import pytest
from opensearch_fixtures import opensearch_url  # noqa: F401  (fixture)

from search import SearchRequest, SearchService
from search.analysis import tokens
from search.errors import EngineUnavailableError
from search.opensearch import indexing
from search.opensearch.connection import Settings, connect
from search.opensearch.engine import OpenSearchEngine

MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
ELIDED = re.compile(r"^\w{1,6}['’]", re.U)

# (request, same order?) — relevance orders may differ between BM25F and Lucene's per-field BM25
# where scores are close; totals, facets, the set of hits and the sorts must not.
QUERIES = [
    (SearchRequest(q="sante migrants"), False),
    (SearchRequest(q="pollution"), True),
    (SearchRequest(q='"pollution atmosphérique"'), True),
    (SearchRequest(q="migrants -conflit"), False),
    (SearchRequest(q="conflit OR guerre"), True),
    (SearchRequest(q="migra*"), False),
    (SearchRequest(q="OIM"), True),
    (SearchRequest(q="Bichkek 2021"), True),
    (SearchRequest(q="santé Bichkek 2020 projets achevés"), True),
    (SearchRequest(q="cohesion sociale"), True),
    (SearchRequest(q="migrnts"), False),
    (SearchRequest(q=""), True),
    (SearchRequest(q="pays:guinee"), True),
    (SearchRequest(q="", country=("KG",)), True),
    (SearchRequest(q="migrants", country=("KG", "GN")), False),
    (SearchRequest(q="migrants", year=(2022,), kind=("project",)), True),
    (SearchRequest(q="migrants", status=("acheve",)), True),
    (SearchRequest(q="", active_year=(2023,)), True),
    (SearchRequest(q="migrants", sort="newest"), True),
    (SearchRequest(q="", sort="budget"), True),
    (SearchRequest(q="", per_page=2, page=2), True),
    (SearchRequest(q="migrants", understand=False), False),
]


@pytest.fixture(scope="module")
def settings(opensearch_url):  # noqa: F811
    client = connect(Settings(url=opensearch_url))
    nodes = int(client.cluster.health()["number_of_data_nodes"])
    alias = f"oimtest-{uuid.uuid4().hex[:8]}"
    yield Settings(url=opensearch_url, alias=alias, shards=2, replicas=1 if nodes > 1 else 0, timeout=30.0)
    client.indices.delete(index=f"{alias}-*", params={"ignore_unavailable": "true"})


@pytest.fixture(scope="module")
def engine(settings, seed_documents):
    report = indexing.feed(settings, docs=seed_documents, full=True)
    assert report.ok, report.format()
    found = OpenSearchEngine(settings)
    yield found
    found.close()


@pytest.fixture(scope="module")
def embedded(seed_index_with_meaning):
    # The OpenSearch engine re-ranks by meaning by default: compare it with the embedded engine doing so.
    service = SearchService(seed_index_with_meaning)
    yield service
    service.close()


def _marks(html: str) -> list[str]:
    return sorted({ELIDED.sub("", m.replace("&#x27;", "'")) for m in MARK.findall(html)})


@pytest.mark.parametrize(("request_", "ordered"), QUERIES, ids=[repr(q[0].q or "browse") for q in QUERIES])
def test_same_results_as_the_embedded_engine(engine, embedded, request_, ordered):
    ours, theirs = embedded.search(request_), engine.search(request_)
    assert theirs.total == ours.total
    assert theirs.facets == ours.facets
    assert [u.facet for u in theirs.understood] == [u.facet for u in ours.understood]
    assert theirs.suggestion == ours.suggestion
    if ordered:
        assert [h.id for h in theirs.hits] == [h.id for h in ours.hits]
    else:
        assert sorted(h.id for h in theirs.hits) == sorted(h.id for h in ours.hits)
    by_id = {h.id: h for h in ours.hits}
    for hit in theirs.hits:
        mine = by_id[hit.id]
        assert _marks(hit.title_html) == _marks(mine.title_html)
        assert (hit.score is None) == (mine.score is None)
        # Snippets are different passages of the body; every word marked in either is a query word.
        wanted = {t for m in _marks(mine.title_html + mine.snippet_html) for t in tokens(m)}
        for marked in _marks(hit.snippet_html):
            assert set(tokens(marked)) & (wanted | set(tokens(request_.q))), (hit.id, marked)


def test_document_status_similar_explain(engine, embedded):
    doc_id = "000_eb28a1afceb4708e"
    assert engine.document(doc_id) == embedded.document(doc_id)
    assert engine.document("nope") is None
    status = engine.status()
    assert status.documents == 5 and status.generation.startswith(engine.settings.alias)
    related = engine.similar(doc_id)
    assert related and doc_id not in [r.id for r in related]
    shown = engine.explain(SearchRequest(q="pollution"), doc_id)
    assert shown.verdict == "shown" and shown.rank == 1 and shown.matches_query
    assert engine.explain(SearchRequest(q="pollution"), "001_cb2261dd374509e4").verdict == "no_match"
    assert engine.explain(SearchRequest(q="migrants", country=("GN",)), doc_id).verdict == "filtered_out"
    assert engine.explain(SearchRequest(q="x"), "nope").verdict == "not_found"


def test_the_alias_moves_atomically_during_a_rebuild(engine, settings, seed_documents):
    totals: list[int] = []
    errors: list[Exception] = []
    done = threading.Event()

    def loop() -> None:
        while not done.is_set():
            try:
                totals.append(engine.search(SearchRequest(q="")).total)
            except Exception as exc:  # counted, not raised in the thread
                errors.append(exc)

    before = engine.status().generation
    thread = threading.Thread(target=loop)
    thread.start()
    try:
        report = indexing.feed(settings, docs=seed_documents, full=True)
    finally:
        done.set()
        thread.join()
    assert report.ok, report.format()
    assert not errors
    assert totals and set(totals) == {5}
    assert engine.search(SearchRequest(q="")).total == 5
    assert report.index != before
    assert indexing.aliased(connect(settings), settings.alias) == [report.index]


def test_incremental_update_sends_only_changes(engine, settings, seed_documents):
    report = indexing.feed(settings, docs=seed_documents)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 0, 0, 5)
    report = indexing.feed(settings, docs=seed_documents[:4])
    assert (report.deleted, report.count) == (1, 4)
    report = indexing.feed(settings, docs=seed_documents)
    assert (report.added, report.count) == (1, 5) and report.ok


class _FlakyClient:
    """A client whose bulk answers report the first item failed ``failures`` times."""

    def __init__(self, client, failures: int):
        self._client, self.failures = client, failures

    def __getattr__(self, name):
        return getattr(self._client, name)

    def bulk(self, **kwargs):
        answer = self._client.bulk(**kwargs)
        if self.failures > 0:
            self.failures -= 1
            item = answer["items"][0]
            op = next(iter(item))
            item[op] = {**item[op], "status": 429, "error": {"type": "es_rejected_execution_exception"}}
        return answer


def test_a_failed_bulk_item_is_retried_and_reported(settings, seed_documents, monkeypatch):
    monkeypatch.setattr(indexing, "RETRY_PAUSE_S", 0.0)
    client = _FlakyClient(connect(settings), failures=1)
    report = indexing.feed(settings, docs=seed_documents, full=True, client=client)  # type: ignore[arg-type]
    assert report.ok and report.retried == 1 and not report.failed
    before = indexing.aliased(connect(settings), settings.alias)
    client = _FlakyClient(connect(settings), failures=indexing.BULK_ATTEMPTS)
    with pytest.raises(EngineUnavailableError):
        indexing.feed(settings, docs=seed_documents, full=True, client=client)  # type: ignore[arg-type]
    assert indexing.aliased(connect(settings), settings.alias) == before  # the old build still serves


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Forwarder:
    """A TCP relay to the cluster that can be switched off and on: the cluster "goes down"."""

    def __init__(self, port: int, target: tuple[str, int]):
        self.port, self.target = port, target
        self.server: socket.socket | None = None
        self.open: list[socket.socket] = []

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self.server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.open += [conn, upstream]
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        if self.server is not None:
            try:
                self.server.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            self.server.close()
            self.server = None
        for conn in self.open:  # kept-alive connections die with the "cluster"
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        self.open = []


def test_reconnects_when_the_cluster_comes_back(engine, settings):
    host, port = settings.urls[0].split("://")[1].split(":")
    relay = _Forwarder(_free_port(), (host, int(port)))
    relay.start()
    remote = OpenSearchEngine(Settings(url=f"http://127.0.0.1:{relay.port}", alias=settings.alias, timeout=5.0))
    assert remote.search(SearchRequest(q="migrants")).total == 4
    relay.stop()
    remote._build = None  # noqa: SLF001  (forget the resolved alias: the next call must reach the cluster)
    with pytest.raises(EngineUnavailableError) as failure:
        remote.search(SearchRequest(q="migrants"))
    assert failure.value.code in ("unreachable", "timeout")
    relay.start()
    assert remote.search(SearchRequest(q="migrants")).total == 4
    relay.stop()


@pytest.fixture
def unreachable_app():
    from web import create_app

    config = {"TESTING": True, "ENGINE": "opensearch", "OPENSEARCH_URL": f"http://127.0.0.1:{_free_port()}"}
    return create_app(config)


def test_cluster_down_is_a_503_in_our_json_shape(unreachable_app):
    response = unreachable_app.test_client().get("/api/search?q=migrants")
    assert response.status_code == 503
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == "engine_unavailable"
    assert "does not answer" in body["error"]["message"]


def test_cluster_down_is_a_french_page(unreachable_app):
    response = unreachable_app.test_client().get("/?q=migrants")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Recherche momentanément indisponible" in page and "Traceback" not in page


def test_prefetched_vocabulary_answers_as_one_lookup_at_a_time(engine, settings):
    from search.opensearch.vocabulary import RemoteVocabulary

    index = indexing.aliased(connect(settings), settings.alias)[0]
    text = "santé des migrants l'OIM Bichkek migrnts zzzyx"
    one_by_one = RemoteVocabulary(connect(settings), index)
    batched = RemoteVocabulary(connect(settings), index)
    batched.prefetch(text)
    assert batched._cache  # noqa: SLF001  (the batch filled the answers in)
    for term in tokens(text):
        assert batched.has_term(term) == one_by_one.has_term(term), term
    for word in tokens(text, stem_words=False):
        assert batched.is_word(word) == one_by_one.is_word(word), word
    assert batched.has_term(tokens("migrants")[0]) and not batched.has_term("zzzyx")


# Past the ranked window (never smaller than the meaning re-ranking's, so by relevance only the
# words score there) a rank is counted: by a sort's keys, or by a higher word score.
@pytest.mark.parametrize(
    ("sort", "window"), [("relevance", 1000), ("newest", 1000), ("budget", 1000), ("newest", 1), ("budget", 1)]
)
def test_explained_ranks_are_the_result_order(engine, embedded, monkeypatch, sort, window):
    from search.opensearch import explaining

    monkeypatch.setattr(explaining, "window", lambda ranking, request: window)
    for query in ("", "migrants", "pollution santé"):
        request = SearchRequest(q=query, sort=sort, understand=False)
        order = [h.id for h in engine.search(request).hits]
        for rank, doc_id in enumerate(order, start=1):
            theirs = engine.explain(request, doc_id)
            assert theirs.rank == rank, (query, doc_id)
            assert theirs.rank == embedded.explain(request, doc_id).rank or sort == "relevance", (query, doc_id)


def test_a_remembered_best_score_ranks_as_a_fresh_one(engine):
    # The meaning re-ranking scales with the query's best score, remembered per build: the second
    # asking (next page, facet click back, « pourquoi ») must rank exactly as the first.
    request = SearchRequest(q="santé des migrants", per_page=2)
    first, again = engine.search(request), engine.search(request)
    assert [(h.id, h.score) for h in again.hits] == [(h.id, h.score) for h in first.hits]
    assert engine.search(SearchRequest(q="santé des migrants", per_page=2, page=2)).hits[0].id not in {
        h.id for h in first.hits
    }
