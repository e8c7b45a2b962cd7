"""« Pourquoi ce résultat ? »: `search.explain` through `SearchService`, on designed documents and the seed pages.

Each designed document isolates one way a word can match (accent, elision, stem, acronym long
form, typo, prefix) or one reason a document is left out (filter, missing word, excluded word,
missing phrase, rank past the page).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers import build_test_index

from search.ingest import Country, Document
from search.query import DEFAULT_RANKING, parse
from search.rank import rank
from search.results import FACETS, Explainer, Explanation, Filters
from search.service import SearchRequest, SearchService

GN, KG = Country("GN", "Guinée"), Country("KG", "Kirghizistan")


def doc(id_: str, title: str, body: str, countries=(GN,), year=2021, type_="Santé", status="Actif") -> Document:
    return Document(
        id=id_,
        title=title,
        body=body,
        kind="project",
        countries=list(countries),
        year=year,
        type=type_,
        status=status,
    )


CORPUS = [
    doc("guinee", "Santé des migrants en Guinée", "Un centre de santé pour les migrants à Siguiri."),
    doc("elision", "Rapport annuel", "L'OIM soutient l’éducation des enfants de migrants."),
    doc("stem", "Migrations saisonnières", "Les migrations de travail et les migrants.", countries=(KG,), year=2019),
    doc("longform", "Partenariat", "L'Organisation internationale pour les migrations ouvre un bureau."),
    doc("excluded", "Pollution de l'air", "La pollution de l'air touche les migrants de Bichkek.", countries=(KG,)),
    doc("question", "Comment aider", "Aider les migrants, comment faire ?", year=2023, status="Achevé"),
    doc("other", "Conakry", "Un port et une ville.", year=2022),
    *[
        doc(f"filler{n:02d}", f"Migrants {n}", "Des migrants. " * (n + 1), year=2000 + n, status="Achevé")
        for n in range(12)
    ],
]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    folder = tmp_path_factory.mktemp("explain")
    build_test_index(CORPUS, folder, meaning=True)  # the explanations show the part of meaning
    return SearchService(folder)


def explain(service: SearchService, doc_id: str, **params) -> Explanation:
    return service.explain(SearchRequest(**params), doc_id)


def word(explanation: Explanation, query: str):
    return next(w for w in explanation.words if w.query == query)


def forms(explanation: Explanation, query: str) -> dict[tuple[str, str], list[str]]:
    """(field, form as written) → transformations, for one query word."""
    return {(f.field, f.text): f.steps for f in word(explanation, query).forms}


# -- how a word matched ---------------------------------------------------------------------------


def test_same_word_is_exact_and_counts_title_and_body(service):
    found = explain(service, "guinee", q="migrants")
    migrants = word(found, "migrants")
    assert (migrants.title_tf, migrants.body_tf, migrants.found) == (1, 1, True)
    assert forms(found, "migrants") == {("title", "migrants"): ["exact"], ("body", "migrants"): ["exact"]}
    assert "« migrants » trouvé dans le titre (×1) et le texte (×1)" in " ".join(found.sentences)


def test_accents_and_case_are_reported_as_accent(service):
    found = explain(service, "guinee", q="guinee sante")
    assert forms(found, "guinee") == {("title", "Guinée"): ["accent"]}
    assert forms(found, "sante") == {("title", "Santé"): ["accent"], ("body", "santé"): ["accent"]}
    assert any("« Guinée » (accents et majuscules ignorés)" in s for s in found.sentences)


def test_an_elided_article_is_reported_with_the_word_as_written(service):
    found = explain(service, "elision", q="OIM education")
    assert forms(found, "OIM") == {("body", "L'OIM"): ["elision"]}
    assert forms(found, "education") == {("body", "l’éducation"): ["elision", "accent"]}
    assert word(found, "education").forms[0].how == "elision"


def test_another_word_with_the_same_stem(service):
    found = explain(service, "stem", q="migration")
    assert forms(found, "migration") == {("title", "Migrations"): ["stem"], ("body", "migrations"): ["stem"]}
    assert any("même racine" in s for s in found.sentences)


def test_an_acronym_found_through_its_long_form(service):
    found = explain(service, "longform", q="OIM")
    oim = word(found, "OIM")
    assert oim.found and oim.via_long_form and (oim.title_tf, oim.body_tf) == (0, 0)
    assert ["organis", "international", "migrat"] in oim.long_forms
    assert {f.text: f.how for f in oim.forms} == {
        "L'Organisation": "acronym",
        "internationale": "acronym",
        "migrations": "acronym",
    }
    assert found.verdict == "shown" and found.score.total > 0
    assert oim.score + found.score.meaning == pytest.approx(found.score.total, abs=1e-4) and oim.title_score == 0


def test_a_typo_is_reported_with_the_word_read_instead(service):
    found = explain(service, "guinee", q="migrnts")
    typo = word(found, "migrnts")
    assert typo.correction == "migrants" and typo.found
    assert {f.how for f in typo.forms} == {"typo"}
    assert any("faute de frappe lue « migrants »" in s for s in found.sentences)


def test_a_prefix(service):
    found = explain(service, "stem", q="migra*")
    prefix = word(found, "migra*")
    assert prefix.prefix and {f.how for f in prefix.forms} == {"prefix"}
    assert ("title", "Migrations") in forms(found, "migra*")


def test_question_words_say_they_count_less(service):
    found = explain(service, "question", q="comment aider les migrants")
    comment = word(found, "comment")
    assert comment.question_word and comment.weight == pytest.approx(0.2)
    assert not word(found, "aider").question_word
    assert "les" in found.ignored
    assert any("« comment » est un mot interrogatif : il compte pour 20 %" in s for s in found.sentences)


# -- the score --------------------------------------------------------------------------------------


QUERIES = [
    "migrants",
    "sante migrants guinee",
    "OIM",
    "comment aider les migrants",
    "migra*",
    "migrnts",
    "guinee OR bichkek",
]


@pytest.mark.parametrize("query", QUERIES)
def test_score_parts_add_up_to_the_ranking_score(service, query):
    with service.lease() as current:
        ranked = rank(current.store, query, limit=50)
    assert ranked.hits
    # understand=False: rank() sees the raw text, so the service must not read "guinee" as a filter
    result = service.search(SearchRequest(q=query, per_page=50, explain=True, understand=False))
    for position, (hit, ranked_hit) in enumerate(zip(result.hits, ranked.hits, strict=True), start=1):
        parts = Explanation(**{**hit.explanation, "score": None}), hit.explanation["score"]
        assert hit.id == ranked_hit.id
        assert parts[1]["total"] == pytest.approx(ranked_hit.score, abs=1e-4)
        added = parts[1]["words"] + parts[1]["proximity"] + parts[1]["meaning"]
        assert added == pytest.approx(ranked_hit.score, abs=1e-4)
        assert parts[1]["meaning_used"] and parts[1]["meaning"] >= 0
        for explained in hit.explanation["words"]:
            assert explained["title_score"] + explained["body_score"] == pytest.approx(explained["score"], abs=1e-6)
            assert explained["title_score"] >= -1e-6 and explained["body_score"] >= -1e-6
        assert hit.explanation["rank"] == position and hit.explanation["verdict"] == "shown"
        assert not parts[1]["proximity_used"] and parts[1]["proximity"] == 0


def test_proximity_and_coordination_are_mirrored_when_a_ranking_uses_them(service):
    ranking = DEFAULT_RANKING.changed(proximity=1.5, coord=1.0)
    explained = []
    for query in ("sante migrants guinee", "OIM migrants", "pollution air migrants"):
        parsed = parse(query)
        with service.lease() as current:
            ranked = rank(current.store, parsed, limit=20, ranking=ranking)
            explainer = Explainer(current.searcher, current.store, current.facets, parsed, Filters(), ranking)
            found = [explainer.explain(h.docnum, h.id) for h in ranked.hits]
        assert ranked.hits
        for position, (hit, one) in enumerate(zip(ranked.hits, found, strict=True), start=1):
            assert one.score.total == pytest.approx(hit.score, abs=1e-4)
            assert one.score.words + one.score.proximity + one.score.meaning == pytest.approx(hit.score, abs=1e-4)
            assert one.score.proximity_used and one.rank == position
        explained += found
    assert any(f.score.coordination < 1 for f in explained)
    assert any(f.score.proximity > 0 for f in explained)
    assert any("proximité" in s for f in explained for s in f.sentences if s.startswith("Score"))


def test_the_title_and_body_split_follows_the_weighted_frequencies(service):
    found = explain(service, "guinee", q="guinee")
    guinee = word(found, "guinee")
    assert guinee.body_tf == 0 and guinee.title_score == pytest.approx(guinee.score) and guinee.body_score == 0
    assert found.score.split.startswith("Each word's part is split between title and body")


# -- filters ----------------------------------------------------------------------------------------


def test_the_filters_that_kept_it(service):
    found = explain(service, "guinee", q="migrants", country=["guinée"], status=["actif"], year_from=2020)
    assert found.verdict == "shown" and found.passes_filters
    checks = {c.name: (c.wanted, c.document, c.passed, c.low, c.high) for c in found.filters}
    assert checks == {
        "country": (["Guinée"], ["Guinée"], True, None, None),
        "year": ([], ["2021"], True, 2020, None),
        "status": (["Actif"], ["Actif"], True, None, None),
    }
    assert "Gardé par le filtre pays (« Guinée ») : le document a Guinée." in found.sentences
    assert "Gardé par le filtre année (2020 ou après) : le document a 2021." in found.sentences


def test_filters_are_read_generically_from_every_facet(service):
    wanted = {"country": ("GN",), "year": ("2021",), "type": ("Santé",), "status": ("Actif",)}
    filters = Filters(**{name: wanted.get(name, ()) for name in FACETS})
    with service.lease() as current:
        explainer = Explainer(current.searcher, current.store, current.facets, parse("migrants"), filters)
        found = explainer.explain(current.searcher.document_number(id="guinee"), "guinee")
    assert [c.name for c in found.filters] == [name for name in FACETS if filters.values(name)]
    assert all(c.passed for c in found.filters)


def test_query_filters_typed_in_the_box_are_explained_too(service):
    found = explain(service, "stem", q="migrants pays:guinee")
    assert found.verdict == "filtered_out"
    assert [(c.name, c.wanted, c.document, c.passed) for c in found.filters] == [
        ("country", ["Guinée"], ["Kirghizistan"], False)
    ]


# -- why not --------------------------------------------------------------------------------------------


def test_why_not_a_filter(service):
    found = explain(service, "guinee", q="migrants", country=["KG"])
    assert found.verdict == "filtered_out" and found.matches_query and not found.in_results
    assert found.rank is None and found.score is not None  # it would have matched
    assert "Écarté par le filtre pays : il faut « Kirghizistan », le document a Guinée." in found.sentences


def test_why_not_a_year_range(service):
    found = explain(service, "guinee", q="migrants", year_from=2022)
    assert found.verdict == "filtered_out"
    assert "Écarté par le filtre année : il faut 2022 ou après, le document a 2021." in found.sentences
    both = explain(service, "guinee", q="migrants", year=[2021, 2023], year_from=2022, year_to=2024)
    assert both.verdict == "filtered_out"
    assert (
        "Écarté par le filtre année : il faut l’une des valeurs « 2021 » et « 2023 », de 2022 à 2024,"
        " le document a 2021." in both.sentences
    )


def test_why_not_no_query_word(service):
    found = explain(service, "other", q="migrants santé")
    assert found.verdict == "no_match" and not found.matches_query and found.score is None
    assert found.sentences[0] == "Ce document ne contient aucun des mots de la recherche."
    assert "« migrants » n’apparaît pas dans ce document." in found.sentences


def test_why_not_an_excluded_word(service):
    found = explain(service, "excluded", q="migrants -pollution")
    assert found.verdict == "excluded_word"
    assert [(c.kind, c.text, c.present, c.passed) for c in found.conditions] == [("excluded", "pollution", True, False)]
    assert found.sentences[0] == "Ce document contient « pollution », que la recherche exclut (-)."
    kept = explain(service, "guinee", q="migrants -pollution", per_page=50)
    assert kept.verdict == "shown" and kept.conditions[0].passed


def test_why_not_a_required_phrase(service):
    found = explain(service, "guinee", q='"pollution de l\'air" migrants')
    assert found.verdict == "missing_phrase"
    assert found.sentences[0] == "Ce document ne contient pas l’expression exacte « pollution de l'air »."
    kept = explain(service, "excluded", q='"pollution de l\'air" migrants')
    assert kept.verdict == "shown" and kept.conditions[0].present


def test_why_not_a_document_that_does_not_exist(service):
    for doc_id in ("nope", "x" * 5000, ""):
        found = explain(service, doc_id, q="migrants")
        assert not found.exists and found.verdict == "not_found" and found.words == []
        assert found.sentences[0].startswith("Aucun document n’a l’identifiant")
        assert len(found.id) <= 200


def test_why_not_ranked_past_the_page(service):
    with service.lease() as current:
        ranked = rank(current.store, "migrants", limit=100)
    third = ranked.hits[2]
    found = explain(service, third.id, q="migrants", per_page=2)
    assert found.verdict == "beyond_page" and found.in_results and not found.shown
    assert (found.rank, found.page, found.total) == (3, 2, ranked.total)
    assert found.last_shown == {"id": ranked.hits[1].id, "rank": 2, "score": pytest.approx(ranked.hits[1].score)}
    assert found.sentences[0].startswith(
        f"Ce document est dans les résultats mais pas sur cette page : classé 3e sur {ranked.total} (page 2)"
    )
    assert explain(service, third.id, q="migrants", per_page=2, page=2).verdict == "shown"


def test_rank_follows_the_asked_sort(service):
    newest = service.search(SearchRequest(q="migrants", sort="newest", per_page=100))
    for position, hit in enumerate(newest.hits, start=1):
        found = explain(service, hit.id, q="migrants", sort="newest", per_page=100)
        assert found.rank == position and found.sort == "newest"
    browse = service.search(SearchRequest(per_page=3, status=["Achevé"]))
    found = explain(service, browse.hits[2].id, per_page=3, status=["Achevé"])
    assert (found.rank, found.verdict, found.score) == (3, "shown", None)
    assert any("Recherche sans mots" in s for s in found.sentences)


def test_explain_on_search_is_optional_and_validated(service):
    plain = service.search(SearchRequest(q="migrants"))
    assert all(hit.explanation is None for hit in plain.hits)
    explained = service.search(SearchRequest(q="migrants", per_page=3, page=2, explain=True))
    assert [h.explanation["rank"] for h in explained.hits] == [4, 5, 6]
    assert all(h.explanation["shown"] for h in explained.hits)
    assert SearchRequest.from_params({"explain": ["1"]}).explain is True
    assert SearchRequest.from_params({"explain": ["0"]}).explain is False
    with pytest.raises(Exception, match="explain must be 1 or 0"):
        SearchRequest.from_params({"explain": ["peut-être"]})


def test_an_explanation_serialises_to_plain_json_types(service):
    import json

    found = explain(service, "guinee", q="migrants", country=["GN"], year_from=2020)
    assert json.loads(json.dumps(found.to_dict()))["id"] == "guinee"


# -- the seed pages -------------------------------------------------------------------------------------


def test_seed_pages_explanations_match_the_ranking(seed_index_with_meaning: Path):
    service = SearchService(seed_index_with_meaning)  # the totals include the part of meaning
    started = time.perf_counter()
    for query in ("sante migrants guinee", "OIM", "pollution atmospherique bichkek", "xenophobie", "l'OIM PNUD"):
        result = service.search(SearchRequest(q=query, explain=True, per_page=5))
        for hit in result.hits:
            assert hit.explanation["score"]["total"] == pytest.approx(hit.score, abs=1e-4)
            assert hit.explanation["sentences"][0].startswith("Ce document est dans les résultats")
    assert time.perf_counter() - started < 10
    found = service.explain(SearchRequest(q="sante migrants guinee"), "002_51041fb97fa8d595")
    assert forms(found, "guinee")[("title", "Guinée")] == ["accent"]
    assert forms(found, "sante")[("body", "santé")] == ["accent"]
