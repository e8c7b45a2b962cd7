"""Queries understood as filters, and the "en cours en" facet, through the JSON API on the seed pages.

Seeds: two projects in Kirghizistan (2021–2023 Achevé; 2022–2024 Actif), an innovation sheet
in Guinée (2022), two press releases (Bélarus, Ukraine) without a year.
"""

from __future__ import annotations

from test_api import BICHKEK_AIR, COHESION, GUINEA, ids, search

MINSK = "003_3ddd9c1bccf19f9a"
KYIV = "004_2514276ad0820bc7"


def understood(data: dict) -> list[tuple[str, str, str]]:
    return [(u["facet"], u["value"], u["source_text"]) for u in data["understood"]]


def test_words_become_filters_shown_in_the_response(client):
    data = search(client, q="santé Bichkek 2021 projets achevés")
    assert understood(data) == [
        ("country", "KG", "Bichkek"),
        ("year", "2021", "2021"),
        ("kind", "project", "projets"),
        ("status", "Achevé", "achevés"),
    ]
    assert data["understood"][0]["label"] == "Kirghizistan"
    assert ids(data) == [BICHKEK_AIR]
    assert data["text_query"] == "santé Bichkek"  # the project sheet mentions Bichkek: kept as text
    selected = {(name, v["value"]) for name, values in data["facets"].items() for v in values if v["selected"]}
    assert selected == {("country", "KG"), ("year", "2021"), ("kind", "project"), ("status", "Achevé")}


def test_understand_0_searches_the_text_as_typed(client):
    data = search(client, q="santé Bichkek 2021 projets achevés", understand="0")
    assert data["understood"] == [] and data["text_query"] == "santé Bichkek 2021 projets achevés"
    assert len(ids(data)) > 1


def test_an_ignored_filter_is_searched_as_text(client):
    data = search(client, q="migrants Guinée", ignore="country:GN")
    assert data["understood"] == []
    assert data["text_query"] == "migrants Guinée"
    assert GUINEA in ids(data) and BICHKEK_AIR in ids(data)


def test_a_lone_place_ranks_the_pages_of_its_country_that_name_it(client):
    data = search(client, q="Bichkek")
    assert understood(data) == [("country", "KG", "Bichkek")]
    assert data["text_query"] == "Bichkek"
    assert ids(data)[0] == BICHKEK_AIR
    assert "<mark>Bichkek</mark>" in data["hits"][0]["title_html"] + data["hits"][0]["snippet_html"]


def test_filters_alone_list_their_pages_newest_first(client):
    data = search(client, q="projets kirghizistan", ignore="country:KG")
    assert understood(data) == [("kind", "project", "projets")]
    data = search(client, q="projets achevés")
    assert data["text_query"] == "" and ids(data) == [BICHKEK_AIR]


def test_projects_current_in_a_year(client):
    assert sorted(ids(search(client, q="projets en cours en 2023"))) == sorted([BICHKEK_AIR, COHESION])
    assert ids(search(client, q="projets en cours en 2024")) == [COHESION]
    assert ids(search(client, q="projets en cours en 2020")) == []
    assert ids(search(client, active_year="2024")) == [COHESION]
    assert sorted(ids(search(client, active_from="2023", kind="project"))) == sorted([BICHKEK_AIR, COHESION])


def test_active_year_facet_counts_every_year_a_project_ran(client):
    facet = {v["value"]: v["count"] for v in search(client)["facets"]["active_year"]}
    assert facet == {"2021": 1, "2022": 3, "2023": 2, "2024": 1}  # the innovation sheet counts for 2022


def test_kind_filter_and_words(client):
    assert sorted(ids(search(client, kind="news"))) == sorted([MINSK, KYIV])
    data = search(client, q="communiqués")
    assert understood(data) == [("kind", "news", "communiqués")]
    assert sorted(ids(data)) == sorted([MINSK, KYIV])
    assert {v["value"]: v["label"] for v in data["facets"]["kind"]}["news"] == "Communiqué"


def test_words_that_must_stay_text(client):
    for query in ["Agenda 2030", "population active", "accord de Paris", "Haute-Guinée", '"Bichkek 2021"']:
        assert search(client, q=query)["understood"] == [], query


def test_bad_understanding_parameters_are_clear_errors(client):
    error = search(client, 400, q="santé", understand="peut-être")["error"]
    assert "understand must be 1 or 0" in error["message"]
    assert "active_from" in search(client, 400, active_from="2024", active_to="2020")["error"]["message"]
    assert "active_year" in search(client, 400, active_year="vingt")["error"]["message"]


def test_why_not_names_the_understood_filter_that_excluded_a_page(client):
    query = "santé Bichkek 2021 projets achevés"
    response = client.get("/api/explain", query_string={"q": query, "id": COHESION})
    data = response.get_json()
    assert response.status_code == 200 and data["verdict"] == "filtered_out"
    failed = {f["name"]: f["document"] for f in data["filters"] if not f["passed"]}
    assert failed == {"year": ["2022"], "status": ["Actif"]}
    kept = client.get("/api/explain", query_string={"q": query, "id": BICHKEK_AIR}).get_json()
    assert kept["verdict"] == "shown" and all(f["passed"] for f in kept["filters"])
