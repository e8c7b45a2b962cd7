"""Queries read as filters: a table of what must become a filter, and of what must stay text."""

from __future__ import annotations

import pytest

from search.query import understand

#: What a small index holds: understanding never makes a filter the index cannot satisfy.
INDEX = {
    "country": {"KG", "GN", "GQ", "SN", "BY", "ML", "FR", "CD", "UA"},
    "year": {"2019", "2020", "2021", "2022"},
    "kind": {"project", "news", "innovation"},
    "status": {"Actif", "Achevé"},
}


def known(facet: str, value: str) -> bool:
    return value in INDEX.get(facet, set())


# query → (text left when filtered pages mention places, [(facet, value, source_text)])
CASES = [
    (
        "santé Bichkek 2020 projets achevés",
        "santé Bichkek",
        [
            ("country", "KG", "Bichkek"),
            ("year", "2020", "2020"),
            ("kind", "project", "projets"),
            ("status", "Achevé", "achevés"),
        ],
    ),
    (
        "retour volontaire Sénégal depuis 2019",
        "retour volontaire Sénégal",
        [("country", "SN", "Sénégal"), ("year", "2019..", "depuis 2019")],
    ),
    ("projets en cours en 2019", "", [("kind", "project", "projets"), ("active_year", "2019", "en cours en 2019")]),
    ("santé entre 2018 et 2021", "santé", [("year", "2018..2021", "entre 2018 et 2021")]),
    ("migrants de 2015 à 2018", "migrants", [("year", "2015..2018", "de 2015 à 2018")]),
    ("migrants 2018-2021", "migrants", [("year", "2018..2021", "2018-2021")]),
    ("avant 2015 migrants", "migrants", [("year", "..2014", "avant 2015")]),
    ("après 2019 santé", "santé", [("year", "2020..", "après 2019")]),
    ("jusqu’en 2016 santé", "santé", [("year", "..2016", "jusqu’en 2016")]),
    ("à partir de 2020 santé", "santé", [("year", "2020..", "à partir de 2020")]),
    ("santé en 2021", "santé", [("year", "2021", "en 2021")]),
    (
        "projets actifs Guinée",
        "Guinée",
        [("country", "GN", "Guinée"), ("kind", "project", "projets"), ("status", "Actif", "actifs")],
    ),
    (
        "projets actifs entre 2018 et 2020",
        "",
        [("kind", "project", "projets"), ("active_year", "2018..2020", "actifs entre 2018 et 2020")],
    ),
    ("communiqués de presse Minsk", "Minsk", [("country", "BY", "Minsk"), ("kind", "news", "communiqués de presse")]),
    ("Guinée équatoriale pêche", "Guinée équatoriale pêche", [("country", "GQ", "Guinée équatoriale")]),
    ("migrants Kinshasa", "migrants Kinshasa", [("country", "CD", "Kinshasa")]),
    ("santé GUINEE 2022", "santé GUINEE", [("country", "GN", "GUINEE"), ("year", "2022", "2022")]),
    ("santé 2019..2021", "santé", [("year", "2019..2021", "2019..2021")]),
]

# Queries that must reach the engine as typed, without any filter.
UNTOUCHED = [
    "Agenda 2030",  # no page is dated 2030: a name, not a date
    "population active",  # "active" alone is an adjective
    "vie active",
    "rôle actif des femmes",  # no kind word: "actif" is not a status here
    "accord de Paris",  # a city after "de" names something else
    "Haute-Guinée",  # a region, not Guinea as a whole
    "Afrique de l'Est",
    "projet de loi",  # kinds are read in the plural only
    "réunion des partenaires",  # a country name that is a common word
    "le sucre au Brésil",  # Sucre is a capital, and a word; Brasil is not in this index
    '"santé Bichkek 2020"',  # a quoted phrase is searched as typed
    "santé -Guinée",  # an exclusion stays an exclusion
    "Guinée OR Mali",  # operands of OR stay text
    "pays:guinée",  # field syntax is the syntax module's
]


@pytest.mark.parametrize(("query", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_filters_read_from_the_query(query, text, expected):
    reading = understand(query, known)
    assert [(u.facet, u.value, u.source_text) for u in reading.understood] == expected
    assert reading.text(keep_place=lambda item: True) == text


@pytest.mark.parametrize("query", UNTOUCHED)
def test_queries_that_must_not_become_filters(query):
    reading = understand(query, known)
    assert reading.understood == []
    assert reading.text() == " ".join(query.split())


def test_a_place_stays_text_only_where_filtered_pages_mention_it():
    reading = understand("santé Bichkek 2020", known)
    assert reading.text(keep_place=lambda item: False) == "santé"
    assert reading.text(keep_place=lambda item: True) == "santé Bichkek"
    lone = understand("Paris", known)
    assert [(u.facet, u.value) for u in lone.understood] == [("country", "FR")]
    assert lone.text(keep_place=lambda item: True) == "Paris"  # ranked and highlighted within France
    assert lone.text(keep_place=lambda item: False) == ""  # no French page names Paris: browse them


def test_values_the_index_lacks_stay_text():
    reading = understand("santé Tchad 2031 récits", known)  # TD, 2031 and stories are not in INDEX
    assert reading.understood == []


def test_ignored_filters_stay_text():
    reading = understand("santé Bichkek 2020 projets", known, ignore=["country:KG", "kind:project"])
    assert [u.key for u in reading.understood] == ["year:2020"]
    assert reading.text() == "santé Bichkek projets"


def test_labels_are_french():
    reading = understand("Bichkek depuis 2019 projets en cours en 2021 achevés", known)
    assert [u.label for u in reading.understood] == [
        "Kirghizistan",
        "depuis 2019",
        "Projet",
        "en cours en 2021",
        "Achevé",
    ]


def test_odd_input_never_raises():
    for query in ["", "   ", '"', "-", "OR", "( 2020", "entre 2021 et 2019", "de à", "’’", "2020-", "9999 0000"]:
        reading = understand(query, known)
        assert isinstance(reading.text(), str)
    assert [u.value for u in understand("entre 2021 et 2019", known).understood] == ["2019..2021"]
