"""The French chain inside OpenSearch gives the same index terms as our Python chain.

The settings are generated from the Python chain's data (search/opensearch/analysis.py); these
tests hold the hand-written parts (Java regular expressions, the ordinal rule) to it. The corpus
test needs a cluster (see tests/opensearch_fixtures.py) and prints the differences.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from opensearch_fixtures import opensearch_unavailable

from search.analysis import ELISION, load_stopwords, tokens
from search.opensearch import analysis
from search.opensearch.analysis import ORDINAL_SUFFIXES, SEARCH_ANALYZER, Steps

ROOT = Path(__file__).resolve().parents[1]
CDTN = ROOT.parent / "shared" / "eval" / "cdtn" / "corpus.jsonl"
REQUIRED_PARITY = 0.99

# Words each emulated step exists for: every one must come out exactly as in Python.
TRICKY = [
    "l’Organisation",
    "Jusqu'à",
    "c'est-à-dire",
    "socio-économique",
    "prud'hommes",
    "aujourd’hui",
    "d'aujourd'hui",
    "presqu'île",
    "O.I.M.",
    "COVID-19",
    "3,5",
    "300.000,50",
    "13ème",
    "1er",
    "2nd",
    "XXe",
    "réfugiées",
    "Réfugiée",
    "œuvre",
    "Sécurité",
    "été",
]


@pytest.mark.parametrize("suffix", sorted(ORDINAL_SUFFIXES))
def test_each_ordinal_suffix_is_one_the_python_chain_drops(suffix):
    assert tokens(f"13{suffix}") == ["13"]
    assert tokens(f"13 {suffix.upper()}") == ["13"]


def test_settings_come_from_the_python_chain():
    settings = analysis.analysis_settings()
    articles = settings["filter"]["fr_elision"]["articles"]
    assert all(ELISION.match(f"{article}'x") for article in articles)
    assert set(settings["filter"]["fr_stop"]["stopwords"]) <= load_stopwords()
    assert "ou" in settings["filter"]["fr_stop"]["stopwords"]  # où, folded
    rules = settings["filter"]["fr_acronyms"]["synonyms"]
    assert any({"oim", "iom", "organis international migrat"} <= set(rule.split(", ")) for rule in rules)


@pytest.fixture(scope="module")
def parity_index(opensearch_url):
    name = analysis.create_parity_index(opensearch_url, Steps(), name="oim-analysis-tests")
    yield name
    analysis._request(opensearch_url, "DELETE", f"/{name}")


def test_tricky_words_match_exactly(opensearch_url, parity_index):
    theirs = analysis.analyze(opensearch_url, TRICKY, parity_index)
    assert {w: sorted(t) for w, t in zip(TRICKY, theirs, strict=True)} == {w: sorted(tokens(w)) for w in TRICKY}


def test_acronym_pairs_expand_at_query_time(opensearch_url, parity_index):
    (terms,) = analysis.analyze(opensearch_url, ["l'OIM"], parity_index, analyzer=SEARCH_ANALYZER)
    assert {"oim", "iom", "organis", "migrat"} <= set(terms)
    (long_form,) = analysis.analyze(
        opensearch_url, ["Organisation internationale pour les migrations"], parity_index, analyzer=SEARCH_ANALYZER
    )
    assert {"oim", "iom"} <= set(long_form)  # and back, across the stop words' gaps
    (index_terms,) = analysis.analyze(opensearch_url, ["l'OIM"], parity_index)
    assert index_terms == ["oim"]  # never at index time


def test_token_parity_on_every_cdtn_word(opensearch_url, capsys):
    if not CDTN.is_file():
        opensearch_unavailable(f"the CDTN corpus is missing ({CDTN})")
    result = analysis.parity(opensearch_url, analysis.corpus_words(CDTN))
    with capsys.disabled():
        print(f"\nOpenSearch token parity on CDTN: {result.report(30)}")
    assert result.share >= REQUIRED_PARITY, result.report(30)
