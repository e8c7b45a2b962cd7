"""Related documents (search/service/similar.py) on the seed corpus."""

from __future__ import annotations

import pytest

from search.service import SearchService
from search.service.similar import COUNTRY_BONUS, distinctive_words

KG_HEALTH = "000_eb28a1afceb4708e"
KG_COHESION = "001_cb2261dd374509e4"
GUINEA = "002_51041fb97fa8d595"
IDS = [KG_HEALTH, KG_COHESION, GUINEA, "003_3ddd9c1bccf19f9a", "004_2514276ad0820bc7"]


@pytest.fixture(scope="module")
def service(seed_index):
    service = SearchService(seed_index)
    yield service
    service.close()


@pytest.mark.parametrize("doc_id", IDS)
def test_never_the_document_itself_best_first_and_limited(service, doc_id):
    related = service.similar(doc_id, limit=3)
    assert 0 < len(related) <= 3
    assert doc_id not in [r.id for r in related]
    assert [r.score for r in related] == sorted((r.score for r in related), reverse=True)


def test_a_shared_country_comes_first(service):
    first = service.similar(KG_HEALTH)[0]
    assert first.id == KG_COHESION and first.shared_countries == ["KG"]
    assert first.score >= COUNTRY_BONUS and first.title.startswith("Promotion de la cohésion sociale")


def test_text_relates_across_kinds_and_countries(service):
    related = service.similar(GUINEA)
    assert {r.kind for r in related} >= {"project", "news"}
    assert related[0].id in (KG_HEALTH, KG_COHESION) and related[0].text_score > 0  # health and migrants


def test_unknown_ids_have_no_related_documents(service):
    assert service.similar("nope") == [] and service.similar("") == [] and service.similar(GUINEA, limit=0) == []


def test_distinctive_words_are_shared_words_of_the_page(service, seed_documents):
    guinea = next(d for d in seed_documents if d.id == GUINEA)
    with service.lease() as current:
        words = distinctive_words(current.searcher, guinea.body)
    assert "santé" in words and len(words) <= 12
    assert "Siguiri" not in words  # only this page has it: it cannot relate anything
