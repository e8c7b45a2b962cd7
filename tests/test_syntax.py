"""The search box's query syntax, through the search function a user's query reaches."""

import pytest
from helpers import build_test_index

from search.ingest import Country, Document
from search.query import parse
from search.service import SearchRequest, SearchService

KG = Country("KG", "Kirghizistan")
GN = Country("GN", "Guinée")
DOCS = [
    Document(
        id="air",
        title="Pollution de l'air à Bichkek",
        body="La pollution de l'air touche les migrants.",
        countries=[KG],
        year=2021,
        status="Achevé",
    ),
    Document(
        id="eau", title="Pollution de l'eau", body="L'air et l'eau: pollution des rivières.", countries=[GN], year=2022
    ),
    Document(
        id="sante",
        title="Santé des migrants",
        body="Un modèle de services de santé communautaire.",
        countries=[GN],
        year=2022,
        status="Actif",
    ),
    Document(
        id="conflit", title="Migrants et conflit", body="Le conflit déplace les migrants.", countries=[KG], year=2019
    ),
    Document(id="migration", title="Migration de travail", body="La migration de main-d'œuvre.", year=2020),
]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("index")
    build_test_index(DOCS, folder)
    service = SearchService(folder)
    yield service
    service.close()


def ids(service, q, **params):
    return {hit.id for hit in service.search(SearchRequest(q=q, **params)).hits}


def test_quoted_phrase_needs_the_words_together(service):
    assert ids(service, '"pollution de l\'air"') == {"air"}
    assert ids(service, "pollution air") == {"air", "eau"}


def test_minus_excludes_a_word_or_a_phrase(service):
    assert ids(service, "migrants -conflit") == {"air", "sante"}
    assert ids(service, 'pollution -"de l\'eau"') == {"air"}
    assert ids(service, "-conflit") == {"air", "eau", "sante", "migration"}


def test_or_joins_alternatives(service):
    assert ids(service, "conflit OR santé") == {"conflit", "sante"}


def test_prefix_matches_whole_words_that_start_with_it(service):
    assert ids(service, "migra*") == {"air", "sante", "conflit", "migration"}


def test_field_filters_use_the_facet_normalisation(service):
    for q in ("pays:guinee migrants", "pays:Guinée migrants", "pays:GN migrants"):
        assert ids(service, q) == {"sante"}
    assert ids(service, "annee:2021") == {"air"}
    assert ids(service, "année:2019..2020") == {"conflit", "migration"}
    assert ids(service, "statut:acheve") == {"air"}
    result = service.search(SearchRequest(q="pays:guinee"))
    assert [v.value for v in result.facets["country"] if v.selected] == ["GN"]


@pytest.mark.parametrize("q", ['"pollution de', "((pollution", "-", ":", "*", "pays:", "annee:20x1", "a*", '"', "OR"])
def test_malformed_syntax_degrades_with_a_warning_and_never_raises(service, q):
    result = service.search(SearchRequest(q=q))
    assert result.warnings
    assert result.total >= 0


def test_unknown_country_in_the_query_is_a_warning_not_an_error(service):
    result = service.search(SearchRequest(q="pays:atlantide pollution"))
    assert result.total == 2
    assert any("atlantide" in w for w in result.warnings)


def test_did_you_mean_proposes_whole_words_from_the_index(service):
    result = service.search(SearchRequest(q="polution comunautaire"))
    assert result.suggestion == "pollution communautaire"


def test_did_you_mean_never_touches_numbers_or_short_words(service):
    assert service.search(SearchRequest(q="pollutoin 2024 abc")).suggestion == "pollution 2024 abc"
    assert parse("air 2023").clauses[0].text == "air"


def test_a_search_out_of_time_answers_with_partial_results_and_says_so(service, monkeypatch):
    import search.service.pipeline as service_module

    monkeypatch.setattr(service_module, "TIME_BUDGET_S", -1.0)
    result = service.search(SearchRequest(q='"pollution de l\'air"'))
    assert any("partiels" in w for w in result.warnings)
    assert result.suggestion is None
