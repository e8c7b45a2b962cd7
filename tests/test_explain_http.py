"""« Pourquoi ce résultat ? » over HTTP on the seed pages: ``/api/explain``, ``explain=1`` on
``/api/search`` (both checked against openapi.json) and the ``/pourquoi`` page."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import jsonschema
import pytest
from helpers import Html

from web.security import HEADERS

ROOT = Path(__file__).resolve().parents[1]
OPENAPI = json.loads((ROOT / "web" / "openapi.json").read_text("utf-8"))
GUINEA = "002_51041fb97fa8d595"
KG_HEALTH = "000_eb28a1afceb4708e"
BELARUS = "003_3ddd9c1bccf19f9a"


def check(response, path: str, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/json"
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    data = response.get_json()
    schema = OPENAPI["paths"][path]["get"]["responses"][str(status)]["content"]["application/json"]["schema"]
    jsonschema.validate(data, {**schema, "components": OPENAPI["components"]}, cls=jsonschema.Draft202012Validator)
    return data


def explain(client, status: int = 200, **params) -> dict:
    return check(client.get("/api/explain", query_string=params), "/api/explain", status)


def page(client, url: str, status: int = 200) -> Html:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == HEADERS["Content-Security-Policy"]
    return Html(response.get_data(as_text=True))


# -- /api/explain -------------------------------------------------------------------------------------


def test_explain_a_hit(client):
    data = explain(client, id=GUINEA, q="sante migrants guinee", country="GN")
    assert (data["id"], data["verdict"], data["rank"], data["shown"]) == (GUINEA, "shown", 1, True)
    hit = client.get("/api/search", query_string={"q": "sante migrants guinee", "country": "GN"}).get_json()["hits"][0]
    assert data["score"]["total"] == pytest.approx(hit["score"], abs=1e-4)
    guinee = next(w for w in data["words"] if w["query"] == "guinee")
    assert {"text": "Guinée", "field": "title", "how": "accent"}.items() <= guinee["forms"][0].items()
    assert data["filters"] == [
        {
            "name": "country",
            "label": "pays",
            "wanted": ["Guinée"],
            "document": ["Guinée"],
            "passed": True,
            "low": None,
            "high": None,
        }
    ]
    assert data["sentences"][0] == "Ce document est dans les résultats : classé 1er sur 1, page 1."


def test_explain_why_not(client):
    filtered = explain(client, id=KG_HEALTH, q="migrants", country="GN")
    assert filtered["verdict"] == "filtered_out" and filtered["rank"] is None
    missing = explain(client, id=GUINEA, q="xenophobie")
    assert missing["verdict"] == "no_match" and missing["score"] is None
    excluded = explain(client, id=KG_HEALTH, q="migrants -pollution")
    assert excluded["verdict"] == "excluded_word"
    later = explain(client, id=BELARUS, q="migrants", per_page=1)
    assert later["verdict"] == "beyond_page" and later["rank"] > 1 and later["last_shown"]["rank"] == 1


def test_explain_without_query_words(client):
    data = explain(client, id=GUINEA)
    assert data["verdict"] == "shown" and data["score"] is None and data["sort"] == "newest"


@pytest.mark.parametrize("doc_id", ["nope", "x" * 3000, "../../pyproject.toml", "<script>alert(1)</script>"])
def test_unknown_id_is_a_404_in_the_error_shape(client, doc_id):
    data = explain(client, 404, id=doc_id, q="migrants")
    assert data["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "params",
    [{}, {"id": " "}, {"id": GUINEA, "page": "0"}, {"id": GUINEA, "sort": "x"}, {"id": GUINEA, "country": "Atlantide"}],
)
def test_bad_parameters_are_400(client, params):
    assert explain(client, 400, **params)["error"]["code"] == "bad_request"


@pytest.mark.parametrize("query", ["", " ", "-", '"', "*", "((", "%00", "é" * 500, "OR", "pays:", "-migrants"])
def test_odd_queries_never_fail(client, query):
    response = client.get("/api/explain", query_string={"id": GUINEA, "q": query})
    assert response.status_code == 200, (query, response.get_data(as_text=True))
    check(response, "/api/explain", 200)


def test_search_with_explain(client):
    response = client.get("/api/search", query_string={"q": "migrants", "explain": "1", "per_page": "2", "page": "2"})
    data = check(response, "/api/search", 200)
    assert [h["explanation"]["rank"] for h in data["hits"]] == [3, 4]
    assert all(h["explanation"]["score"]["total"] == pytest.approx(h["score"], abs=1e-4) for h in data["hits"])
    plain = check(client.get("/api/search", query_string={"q": "migrants"}), "/api/search", 200)
    assert all(h["explanation"] is None for h in plain["hits"])
    assert (
        check(client.get("/api/search?q=migrants&explain=maybe"), "/api/search", 400)["error"]["code"] == "bad_request"
    )


def test_openapi_describes_explain(client):
    document = client.get("/api/openapi.json").get_json()
    names = {p["name"] for p in document["paths"]["/api/explain"]["get"]["parameters"]}
    search_names = {p["name"] for p in document["paths"]["/api/search"]["get"]["parameters"]}
    assert names == (search_names - {"explain"}) | {"id"}
    for name in ("Explanation", "ExplainedWord", "ScoreParts"):
        jsonschema.Draft202012Validator.check_schema(document["components"]["schemas"][name])


# -- /pourquoi -------------------------------------------------------------------------------------------


def test_each_hit_links_its_explanation_with_the_query_and_filters(client):
    search = page(client, "/?q=sante+migrants&country=GN&country=KG&per_page=5")
    links = [href for href in search.links() if href.startswith("/pourquoi?")]
    assert len(links) == 3 and "Pourquoi ce résultat ?" in search.text
    first = parse_qsl(urlsplit(links[0]).query)
    assert first[0][0] == "id" and ("q", "sante migrants") in first
    assert ("country", "GN") in first and ("country", "KG") in first and ("per_page", "5") in first


def test_explanation_page_shows_sentences_and_score_table(client):
    url = f"/pourquoi?id={GUINEA}&q=sante+migrants+guinee&country=GN"
    why = page(client, url)
    assert "Pourquoi ce résultat ?" in why.text
    assert "classé 1er sur 1, page 1" in why.text
    assert "« Guinée » (accents et majuscules ignorés)" in why.text
    assert "Détail du score" in why.text and "non utilisée par ce classement" in why.text
    alternate = next(a for t, a in why.tags if t == "link" and a.get("rel") == "alternate")
    assert alternate["type"] == "application/json"
    assert alternate["href"] == f"/api/explain?id={GUINEA}&q=sante+migrants+guinee&country=GN"
    assert alternate["href"] in why.links()  # the visible JSON link too
    assert client.get(alternate["href"]).get_json()["id"] == GUINEA
    assert "/?q=sante+migrants+guinee&country=GN" in why.links()  # back to the results
    form = next(a for t, a in why.tags if t == "form" and a.get("id") == "why-form")
    assert form["action"] == "/pourquoi"
    hidden = [(a["name"], a["value"]) for t, a in why.tags if t == "input" and a.get("type") == "hidden"]
    assert ("q", "sante migrants guinee") in hidden and ("country", "GN") in hidden


def test_why_not_page(client):
    why = page(client, f"/pourquoi?id={KG_HEALTH}&q=migrants&country=GN")
    assert "Écarté par le filtre pays : il faut « Guinée », le document a Kirghizistan." in why.text
    missing = page(client, "/pourquoi?id=inconnu&q=migrants", 404)
    assert "Aucun document n’a l’identifiant « inconnu »." in missing.text
    assert any(t == "form" and a.get("id") == "why-form" for t, a in missing.tags)  # ask about another one
    empty = page(client, "/pourquoi?q=migrants")
    assert any(t == "input" and a.get("name") == "id" for t, a in empty.tags)
    bad = page(client, f"/pourquoi?id={GUINEA}&page=0", 400)
    assert "Le numéro de page doit être 1 ou plus." in bad.text


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_the_page_escapes_the_id_and_the_query(client, text):
    for url_params in ({"id": text, "q": text}, {"id": GUINEA, "q": text, "type": text}):
        response = client.get("/pourquoi", query_string=url_params)
        assert response.status_code in (200, 404)
        body = response.get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body
        scripts = [a for t, a in Html(body).tags if t == "script"]
        assert all(a.get("src", "").startswith("/static/") for a in scripts)
        assert "style=" not in body and "<style" not in body
