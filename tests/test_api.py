"""The HTTP API on the five seed pages, through Flask's test client, checked against openapi.json."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import jsonschema
import pytest
from helpers import build_test_index

from search.ingest import Document
from web import create_app

ROOT = Path(__file__).resolve().parents[1]
OPENAPI = json.loads((ROOT / "web" / "openapi.json").read_text("utf-8"))

GUINEA = "002_51041fb97fa8d595"
BICHKEK_AIR = "000_eb28a1afceb4708e"
COHESION = "001_cb2261dd374509e4"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def response_schema(path: str, status: int) -> dict:
    """The schema openapi.json gives for a response, resolvable on its own (refs into components)."""
    operation = OPENAPI["paths"][path]["get"]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    return {**schema, "components": OPENAPI["components"]}


def check(response, path: str, status: int) -> dict:
    """Assert the status, the security headers and that the body matches the documented schema."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    data = response.get_json()
    jsonschema.validate(data, response_schema(path, status), cls=jsonschema.Draft202012Validator)
    return data


def search(client, status: int = 200, **params) -> dict:
    return check(client.get("/api/search", query_string=params), "/api/search", status)


def ids(data: dict) -> list[str]:
    return [hit["id"] for hit in data["hits"]]


@pytest.mark.parametrize(
    ("query", "first"),
    [("sante migrants guinee", GUINEA), ("pollution atmospherique bichkek", BICHKEK_AIR), ("xenophobie", COHESION)],
)
def test_queries_rank_the_right_page_first(client, query, first):
    data = search(client, q=query)
    assert ids(data)[0] == first
    assert data["query"] == query and data["total"] >= 1 and data["took_ms"] > 0


def test_country_filter_keeps_other_countries_in_the_facet(client):
    data = search(client, country="KG")
    assert data["total"] == 2 and set(ids(data)) == {BICHKEK_AIR, COHESION}
    countries = {v["value"]: (v["count"], v["selected"]) for v in data["facets"]["country"]}
    assert countries == {"KG": (2, True), "GN": (1, False), "BY": (1, False), "UA": (1, False)}


def test_year_facet_counts(client):
    years = {v["value"]: v["count"] for v in search(client)["facets"]["year"]}
    assert years == {"2021": 1, "2022": 2}


def test_country_by_name_or_code(client):
    assert ids(search(client, country="guinee")) == ids(search(client, country="Guinée")) == [GUINEA]
    assert ids(search(client, country="GN")) == [GUINEA]


def test_repeated_country_parameter_is_or(client):
    data = client.get("/api/search?country=GN&country=UA").get_json()
    assert data["total"] == 2


def test_elided_acronym_spellings_agree(client):
    results = [set(ids(search(client, q=q, per_page=100))) for q in ("l'OIM", "L’OIM", "OIM")]
    assert results[0] == results[1] == results[2] and results[0]


def test_snippets_mark_original_words(client):
    data = search(client, q="guinee", understand="0")  # else "guinee" is the country filter alone
    hit = data["hits"][0]
    assert hit["id"] == GUINEA
    assert "<mark>Guinée</mark>" in hit["title_html"] + hit["snippet_html"]


def test_script_in_query_is_never_echoed_as_html(client):
    for query in ("<script>alert(1)</script> OIM", "OIM <script", '"><script>x</script>'):
        data = search(client, q=query)
        assert data["query"] == query
        for hit in data["hits"]:
            for name in ("title_html", "snippet_html"):
                assert "<script" not in hit[name].lower()


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": "100000"},
        {"per_page": "0"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "2000", "per_page": "100"},
        {"sort": "popular"},
        {"year": "abc"},
        {"year_from": "x"},
        {"year_from": "2023", "year_to": "2020"},
        {"country": "Atlantide"},
        {"q": "x" * 501},
        {"page": "99999999999999999999999"},
    ],
)
def test_bad_parameters_get_the_error_shape(client, params):
    data = search(client, 400, **params)
    assert data["error"]["code"] == "bad_request" and data["error"]["message"]


@pytest.mark.parametrize(
    "query_string",
    ["q=%00%ff", "q=%E9t%E9", "q=" + "%F0%9F%98%80" * 10, "q=-", "q=*", 'q="', "q=((", "page=1.5", "year=1e9"],
)
def test_odd_input_never_fails_the_server(client, query_string):
    response = client.get("/api/search?" + query_string)
    assert response.status_code in (200, 400)
    assert "error" in response.get_json() or "hits" in response.get_json()


def test_document_returns_every_parser_field(client, seed_documents):
    data = check(client.get(f"/api/documents/{GUINEA}"), "/api/documents/{id}", 200)
    assert set(data) == {f.name for f in fields(Document)}
    expected = next(d for d in seed_documents if d.id == GUINEA).to_dict()
    assert data == json.loads(json.dumps(expected))


@pytest.mark.parametrize("doc_id", ["nope", "..%2F..%2Fetc%2Fpasswd", "../../etc/passwd", "a/b/c"])
def test_unknown_document_is_404(client, doc_id):
    data = check(client.get(f"/api/documents/{doc_id}"), "/api/documents/{id}", 404)
    assert data["error"]["code"] == "not_found"


def test_unknown_routes_and_methods_answer_json(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.post("/api/search")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


def test_healthz(client, engine_name):
    data = check(client.get("/healthz"), "/healthz", 200)
    assert data["status"] == "ok" and data["documents"] == 5
    # The build being served: a generation folder here, the index behind the alias on OpenSearch.
    assert data["generation"].startswith("gen-" if engine_name == "embedded" else "oimtest-app-") and data["built_at"]


def test_missing_index_is_503_with_instructions(tmp_path: Path):
    client = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True}).test_client()
    for url, path in [("/healthz", "/healthz"), ("/api/search?q=oim", "/api/search"), ("/api/documents/x", None)]:
        response = client.get(url)
        assert response.status_code == 503
        error = response.get_json()["error"]
        assert error["code"] == "index_missing" and "make reindex" in error["message"]
        if path:
            check(response, path, 503)


def test_index_built_after_startup_is_picked_up(tmp_path: Path, seed_documents):

    client = create_app({"INDEX_DIR": str(tmp_path), "TESTING": True}).test_client()
    assert client.get("/healthz").status_code == 503
    build_test_index(seed_documents, tmp_path)
    assert client.get("/healthz").get_json()["documents"] == 5


def test_openapi_document_is_served_and_describes_both_endpoints(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document == OPENAPI
    assert document["openapi"].startswith("3.")
    assert {"/api/search", "/api/documents/{id}"} <= set(document["paths"])
    names = {p["name"] for p in document["paths"]["/api/search"]["get"]["parameters"]}
    assert names == {
        "q",
        "country",
        "year",
        "year_from",
        "year_to",
        "active_year",
        "active_from",
        "active_to",
        "kind",
        "type",
        "status",
        "sort",
        "page",
        "per_page",
        "understand",
        "ignore",
        "explain",
    }
    jsonschema.Draft202012Validator.check_schema(document["components"]["schemas"]["SearchResult"])


def test_analyze_endpoint_shows_the_chain_stage_by_stage(client):
    body = client.get("/api/analyze", query_string={"text": "L’OIM et les réfugiées"}).get_json()
    assert [(t["typed"], t["term"]) for t in body["tokens"]] == [
        ("OIM", "oim"),
        ("et", None),
        ("les", None),
        ("réfugiées", "refug"),
    ]
    too_long = client.get("/api/analyze", query_string={"text": "a" * 2001})
    assert too_long.status_code == 400 and too_long.get_json()["error"]["code"] == "bad_request"
