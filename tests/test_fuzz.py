"""Property tests: whatever a user or a tool sends, the answer is a valid result or a clear 400."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.errors import BadQueryError
from search.service import SearchRequest, SearchService

SYNTAX = st.sampled_from(['"', "(", ")", "-", ":", "*", "?", " OR ", "pays:", "annee:", "statut:", "type:", "..", "’"])
WORDS = st.sampled_from(["santé", "migrants", "guinee", "OIM", "l'OIM", "Bichkek", "2021", "pollution", "xénophobie"])
QUERY = st.lists(st.one_of(st.text(max_size=12), SYNTAX, WORDS), max_size=12).map(" ".join)
PARAM_VALUE = st.one_of(st.text(max_size=20), st.integers(-(10**12), 10**12).map(str), WORDS)
PARAMS = st.lists(
    st.tuples(
        st.sampled_from(["q", "country", "year", "year_from", "year_to", "type", "status", "sort", "page", "per_page"]),
        PARAM_VALUE,
    ),
    max_size=8,
)
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
TIME_BOUND_S = 2.0


@pytest.fixture(scope="module")
def service(seed_index):
    service = SearchService(seed_index)
    yield service
    service.close()


@FUZZ
@given(q=QUERY, page=st.integers(-5, 10**6), per_page=st.integers(-5, 10**6))
def test_search_function_answers_or_refuses_clearly(service, q, page, per_page):
    started = time.perf_counter()
    try:
        result = service.search(SearchRequest(q=q, page=page, per_page=per_page))
    except BadQueryError as exc:
        assert str(exc)
        return
    assert time.perf_counter() - started < TIME_BOUND_S
    assert 0 <= len(result.hits) <= result.per_page <= 100
    assert result.total >= len(result.hits)
    for hit in result.hits:
        assert "<script" not in hit.title_html and "<script" not in hit.snippet_html


@FUZZ
@given(params=PARAMS)
def test_api_never_answers_500(client, params):
    started = time.perf_counter()
    response = client.get("/api/search", query_string=params)
    assert time.perf_counter() - started < TIME_BOUND_S
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    body = response.get_json()
    if response.status_code == 400:
        assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    else:
        assert {"query", "total", "hits", "facets", "warnings"} <= set(body)


def test_a_very_long_query_is_refused_with_a_clear_message(client):
    response = client.get("/api/search", query_string={"q": "migrants " * 500})
    assert response.status_code == 400
    assert "500" in response.get_json()["error"]["message"]
