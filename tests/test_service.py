"""`SearchService` on a small designed corpus whose facet counts are uneven.

Twelve documents: Kirghizistan 4 (one shared with Ukraine), Guinée 3, Bélarus 2, Ukraine 2,
two without country; years 2019–2023 plus two without; budgets with gaps. Every body but two
mentions *migrants*, so the query ``migrants`` matches ten documents.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from pathlib import Path

import pytest
from helpers import build_test_index

from search.errors import BadQueryError, IndexMissingError
from search.ingest import Country, Document
from search.results import FacetValue
from search.service import MAX_DEPTH, SearchRequest, SearchResult, SearchService

KG, GN, BY, UA = (
    Country("KG", "Kirghizistan"),
    Country("GN", "Guinée"),
    Country("BY", "Bélarus"),
    Country("UA", "Ukraine"),
)


def doc(
    n: int, countries, year, end_year, type_, status, budget, title: str, body: str = "Aide aux migrants."
) -> Document:
    return Document(
        id=f"d{n:02d}",
        title=title,
        body=body,
        kind="project",
        countries=list(countries),
        year=year,
        end_year=end_year,
        type=type_,
        status=status,
        budget_usd=budget,
    )


CORPUS = [
    doc(1, [KG], 2021, 2023, "Santé", "Achevé", 300_000, "Santé des migrants à Bichkek"),
    doc(2, [KG], 2022, 2024, "Cohésion", "Actif", 150_000, "Cohésion sociale au Kirghizistan"),
    doc(3, [KG], 2020, 2021, "Retour", "Achevé", 500_000, "Retour volontaire depuis Bichkek"),
    doc(4, [KG, UA], 2022, 2025, "Santé", "Actif", None, "Migration de travail en Asie centrale"),
    doc(5, [GN], 2022, 2023, "Santé", "Actif", 100_000, "Santé communautaire à Siguiri"),
    doc(6, [GN], 2019, 2020, "Retour", "Achevé", 80_000, "Réintégration à Conakry"),
    doc(7, [GN], 2023, None, "Cohésion", "Actif", None, "Cohésion en Haute-Guinée"),
    doc(8, [BY], None, None, None, None, None, "Nouvelles de Minsk"),
    doc(9, [BY], 2021, 2022, "Santé", "Achevé", 50_000, "Santé au Bélarus"),
    doc(10, [UA], 2023, None, None, None, None, "Reconstruction à Kharkiv"),
    doc(11, [], 2020, None, "Retour", "Achevé", 20_000, "Programme global", body="Rapport annuel."),
    doc(12, [], None, None, None, None, None, "Page sans date", body="Contact et adresses."),
]
MIGRANTS = {d.id for d in CORPUS if "migrants" in (d.title + d.body).lower()}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    folder = tmp_path_factory.mktemp("designed")
    build_test_index(CORPUS, folder)
    return SearchService(folder)


def ids(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


def counts(result: SearchResult, facet: str) -> dict[str, int]:
    return {v.value: v.count for v in result.facets[facet]}


def selected(result: SearchResult, facet: str) -> list[str]:
    return [v.value for v in result.facets[facet] if v.selected]


def search(service: SearchService, **params) -> SearchResult:
    return service.search(SearchRequest(**{"per_page": 100, **params}))


def test_query_matches_and_counts(service):
    result = search(service, q="migrants")
    assert set(ids(result)) == MIGRANTS and result.total == len(MIGRANTS) == 10
    assert counts(result, "country") == {"KG": 4, "GN": 3, "BY": 2, "UA": 2}
    assert counts(result, "status") == {"Actif": 4, "Achevé": 4}


def test_ticking_a_country_keeps_the_others_with_what_they_would_add(service):
    result = search(service, q="migrants", country=["KG"])
    assert set(ids(result)) == {"d01", "d02", "d03", "d04"}
    assert counts(result, "country") == {"KG": 4, "GN": 3, "BY": 2, "UA": 2}
    assert selected(result, "country") == ["KG"]
    # Other facets are counted on the filtered set.
    assert counts(result, "type") == {"Santé": 2, "Cohésion": 1, "Retour": 1}


def test_several_countries_combine_with_or(service):
    result = search(service, q="migrants", country=["KG", "UA"])
    assert set(ids(result)) == {"d01", "d02", "d03", "d04", "d10"}
    assert result.total == 5  # d04 is in both and counted once
    assert sorted(selected(result, "country")) == ["KG", "UA"]


def test_different_facets_combine_with_and(service):
    result = search(service, q="migrants", country=["KG"], status=["Actif"])
    assert set(ids(result)) == {"d02", "d04"}
    assert counts(result, "status") == {"Actif": 2, "Achevé": 2}  # KG documents, status filter left out
    assert counts(result, "country") == {"GN": 2, "KG": 2, "UA": 1}  # Actif documents, country filter left out


def test_selected_value_without_documents_is_still_listed(service):
    result = search(service, q="migrants", country=["BY"], type=["Retour"])
    assert result.total == 0 and result.hits == []
    assert FacetValue("BY", "Bélarus", 0, True) in result.facets["country"]
    assert counts(result, "country") == {"KG": 1, "GN": 1, "BY": 0}  # what each would give with type=Retour
    assert FacetValue("Retour", "Retour", 0, True) in result.facets["type"]


def test_country_names_and_codes_agree(service):
    by_code = ids(search(service, q="migrants", country=["GN"]))
    assert by_code == ids(search(service, q="migrants", country=["guinee"]))
    assert by_code == ids(search(service, q="migrants", country=["Guinée"]))
    assert set(by_code) == {"d05", "d06", "d07"}


def test_unknown_country_is_a_bad_query(service):
    with pytest.raises(BadQueryError, match="unknown country"):
        search(service, q="migrants", country=["Atlantide"])


def test_year_values_and_range(service):
    assert set(ids(search(service, year=[2022]))) == {"d02", "d04", "d05"}
    assert set(ids(search(service, year=[2019, 2023]))) == {"d06", "d07", "d10"}
    ranged = search(service, q="migrants", year_from=2021, year_to=2022)
    assert set(ids(ranged)) == {"d01", "d02", "d04", "d05", "d09"}
    assert counts(ranged, "year") == {"2019": 1, "2020": 1, "2021": 2, "2022": 3, "2023": 2}  # own range left out


def test_sort_newest(service):
    result = search(service, q="migrants", sort="newest")
    assert ids(result) == ["d07", "d10", "d04", "d02", "d05", "d01", "d09", "d03", "d06", "d08"]
    assert all(hit.score is None for hit in result.hits)


def test_sort_budget_puts_unknown_last(service):
    result = search(service, q="migrants", sort="budget")
    assert ids(result)[:6] == ["d03", "d01", "d02", "d05", "d06", "d09"]
    assert set(ids(result)[6:]) == {"d04", "d07", "d08", "d10"}


def test_relevance_has_scores_best_first(service):
    result = search(service, q="santé migrants")
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True) and all(s is not None and s > 0 for s in scores)
    assert result.hits[0].id in {"d01", "d05", "d09"}


@pytest.mark.parametrize("sort", ["relevance", "newest", "budget"])
def test_pages_cover_the_matches_once_with_exact_total(service, sort):
    seen: list[str] = []
    for page in (1, 2, 3, 4):
        result = service.search(SearchRequest(q="migrants", sort=sort, page=page, per_page=3))
        assert result.total == 10 and result.page == page and result.per_page == 3
        seen.extend(ids(result))
    assert len(seen) == 10 and set(seen) == MIGRANTS


def test_empty_query_browses_everything_newest_first(service):
    result = search(service, q="  ")
    assert result.total == 12
    assert ids(result)[:3] == ["d07", "d10", "d04"] and set(ids(result)[-2:]) == {"d08", "d12"}
    assert counts(result, "country") == {"KG": 4, "GN": 3, "BY": 2, "UA": 2}
    assert counts(result, "year") == {"2022": 3, "2020": 2, "2021": 2, "2023": 2, "2019": 1}
    assert result.hits[0].snippet_html == "Aide aux migrants."
    filtered = search(service, status=["Achevé"])
    assert filtered.total == 5 and counts(filtered, "status") == {"Achevé": 5, "Actif": 4}


def test_hits_carry_display_fields(service):
    hit = search(service, q="bichkek santé").hits[0]
    assert hit.id == "d01"
    assert hit.title_html == "<mark>Santé</mark> des migrants à <mark>Bichkek</mark>"
    assert [(c.code, c.name) for c in hit.countries] == [("KG", "Kirghizistan")]
    assert (hit.year, hit.type, hit.status, hit.kind) == (2021, "Santé", "Achevé", "project")


def test_result_serialises_to_the_api_shape(service):
    data = search(service, q="migrants", per_page=2).to_dict()
    assert list(data) == [
        "query",
        "total",
        "page",
        "per_page",
        "took_ms",
        "hits",
        "facets",
        "suggestion",
        "expansions",
        "warnings",
        "understood",
        "text_query",
    ]
    assert list(data["facets"]) == ["country", "year", "active_year", "kind", "type", "status"]
    assert set(data["hits"][0]) == {
        "id",
        "title",
        "title_html",
        "snippet_html",
        "score",
        "kind",
        "countries",
        "year",
        "type",
        "status",
        "url",
        "explanation",
    }
    assert data["took_ms"] > 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"per_page": 0}, "per_page"),
        ({"per_page": 101}, "per_page"),
        ({"page": 0}, "page"),
        ({"page": MAX_DEPTH, "per_page": 10}, "too deep"),
        ({"sort": "popular"}, "unknown sort"),
        ({"q": "x" * 501}, "too long"),
        ({"year_from": 2023, "year_to": 2020}, "after"),
    ],
)
def test_bad_requests_explain_themselves(service, params, message):
    with pytest.raises(BadQueryError, match=message):
        service.search(SearchRequest(**params))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": ["abc"]}, "year must be a whole number"),
        ({"page": ["-1"]}, "page must be 1 or more"),
        ({"page": ["abc"]}, "page must be a whole number"),
        ({"per_page": ["100000"]}, "per_page must be between"),
        ({"year_from": ["20x"]}, "year_from"),
    ],
)
def test_text_parameters_are_checked(service, params, message):
    with pytest.raises(BadQueryError, match=message):
        service.search(SearchRequest.from_params(params))


def test_text_parameters_parse():
    request = SearchRequest.from_params(
        {"q": ["santé"], "country": ["GN", " ", "KG"], "year": ["2021"], "page": [""], "sort": ["newest"]}
    )
    assert request == SearchRequest(q="santé", country=("GN", "KG"), year=(2021,), sort="newest")


def test_documents_by_id(service):
    record = service.document("d05")
    assert record["title"] == "Santé communautaire à Siguiri" and record["budget_usd"] == 100_000
    assert service.document("d99") is None
    assert service.document("../../etc/passwd") is None


def test_missing_index_says_how_to_build_one(tmp_path: Path):
    with pytest.raises(IndexMissingError, match="make reindex"):
        SearchService(tmp_path / "nothing")


def test_switches_to_a_newly_published_generation(tmp_path: Path):
    build_test_index(CORPUS[:3], tmp_path)
    service = SearchService(tmp_path, check_interval=0)
    before = service.status()
    assert before.documents == 3 and search(service).total == 3
    build_test_index(CORPUS, tmp_path)
    after = service.status()
    assert after.documents == 12 and after.generation != before.generation
    assert search(service).total == 12
    service.close()


def test_a_new_generation_opens_in_the_background_while_the_current_one_answers(tmp_path: Path):
    build_test_index(CORPUS[:3], tmp_path)
    service = SearchService(tmp_path, check_interval=0, switch_in_background=True)
    build_test_index(CORPUS, tmp_path)
    opened = threading.Event()
    original_load = service._load

    def slow_load():
        opened.wait(10)  # hold the opening until the request below has been answered
        return original_load()

    service._load = slow_load
    assert search(service).total == 3  # answered at once from the generation already open
    opened.set()
    deadline = time.monotonic() + 10
    while service.status().documents != 12 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert service.status().documents == 12 and search(service).total == 12
    service.close()


def test_markup_in_documents_is_escaped(tmp_path: Path):
    hostile = Document(
        id="x1",
        title="<img src=x onerror=alert(1)> OIM",
        body='Avant <script>alert("OIM")</script> après & <b>OIM</b>',
    )
    build_test_index([hostile], tmp_path)
    hit = SearchService(tmp_path).search(SearchRequest(q="OIM script")).hits[0]
    for html_text in (hit.title_html, hit.snippet_html):
        assert "<script" not in html_text and "<img" not in html_text and "<b>" not in html_text
    assert "&lt;<mark>script</mark>&gt;" in hit.snippet_html
    assert hit.title == "<img src=x onerror=alert(1)> OIM"  # the plain field stays plain text


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest(q="migrants guinée 2021", explain=True),
        SearchRequest(q="santé", country=("GN",), sort="newest", per_page=3),
        SearchRequest(q="OIM"),
        SearchRequest(),
    ],
)
def test_to_dict_is_what_asdict_gives(service: SearchService, request_: SearchRequest):
    result = service.search(request_)
    assert result.to_dict() == asdict(result)
    assert list(result.to_dict()) == list(asdict(result))
