"""The gazetteer: every spelling a page or a user types must land on one facet value."""

from __future__ import annotations

import pytest

from search.ingest import Country, all_countries, canonical_name, find_countries, name_key, resolve_country
from search.ingest.gazetteer import ALIASES
from search.ingest.places import country_of_place, dateline_places, split_countries

# Pairs of spellings seen in pages or typed by users: both sides must give the same country.
SPELLING_PAIRS = [
    ("GN", "gn", "GN"),
    ("guinee", "Guinée", "GN"),
    ("Egypte", "Égypte", "EG"),
    ("Equateur", "Équateur", "EC"),
    ("Viet Nam", "Vietnam", "VN"),
    ("Kirghizstan", "Kirghizistan", "KG"),
    ("Türkiye", "Turquie", "TR"),
    ("Côte-d’Ivoire", "Côte d'Ivoire", "CI"),
    ("République Démocratique du Congo", "République démocratique du Congo", "CD"),
    ("Papouasie Nouvelle-Guinée", "Papouasie-Nouvelle-Guinée", "PG"),
    ("Iran", "Iran (République islamique d’)", "IR"),
    ("Bélarus", "Biélorussie", "BY"),
    ("Kyrgyzstan", "République kirghize", "KG"),
    ("Moldavie", "République de Moldova", "MD"),
    ("Bolivie", "Bolivie (État plurinational de)", "BO"),
]


@pytest.mark.parametrize(("left", "right", "code"), SPELLING_PAIRS)
def test_spelling_variants_resolve_to_one_country(left: str, right: str, code: str) -> None:
    assert resolve_country(left) == resolve_country(right)
    country = resolve_country(left)
    assert country is not None and country.code == code


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("KG", "Kirghizistan"),
        ("GN", "Guinée"),
        ("BY", "Bélarus"),
        ("UA", "Ukraine"),
        ("IR", "Iran"),
        ("CI", "Côte d'Ivoire"),
        ("TR", "Turquie"),
        ("XK", "Kosovo"),
    ],
)
def test_canonical_label_is_fixed_per_code(code: str, label: str) -> None:
    assert canonical_name(code) == label
    assert canonical_name(code.lower()) == label
    assert resolve_country(code) == Country(code, label)


# Expected country of every alias entry, written independently of the table.
ALIAS_EXPECTATIONS = {
    "Federated States of Micronesia": "FM",
    "Micronésie (États fédérés de)": "FM",
    "République de Moldova": "MD",
    "Iran (République islamique d’)": "IR",
    "Bolivie (État plurinational de)": "BO",
    "Venezuela (République bolivarienne du)": "VE",
    "République-Unie de Tanzanie": "TZ",
    "République démocratique populaire lao": "LA",
    "République arabe syrienne": "SY",
    "Fédération de Russie": "RU",
    "République de Corée": "KR",
    "République populaire démocratique de Corée": "KP",
    "Türkiye": "TR",
    "kirghize": "KG",
    "Kirghizie": "KG",
    "Ivory Coast": "CI",
    "Philipines": "PH",
    "Phillipines": "PH",
    "Phillippines": "PH",
    "RDC": "CD",
    "RD Congo": "CD",
    "Congo (République démocratique du)": "CD",
    "Democratic Republic of Congo": "CD",
    "RCA": "CF",
    "Centrafrique": "CF",
    "Swaziland": "SZ",
    "Macédoine": "MK",
    "ex-République yougoslave de Macédoine": "MK",
    "Timor oriental": "TL",
    "Territoire palestinien occupé": "PS",
    "Kosovo (conformément à la résolution 1244 du Conseil de sécurité)": "XK",
}


def test_every_alias_entry_has_an_expectation() -> None:
    assert set(ALIASES) == set(ALIAS_EXPECTATIONS)


@pytest.mark.parametrize(("alias", "code"), sorted(ALIAS_EXPECTATIONS.items()))
def test_alias_resolves(alias: str, code: str) -> None:
    country = resolve_country(alias)
    assert country is not None and country.code == code
    assert country.name == canonical_name(code)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Central African Republic", "CF"),
        ("Colombia", "CO"),
        ("Lebanon", "LB"),
        ("Ivory Coast", "CI"),
        ("Congo-Kinshasa", "CD"),
        ("Myanmar", "MM"),
        ("Birmanie", "MM"),
        ("GIN", "GN"),
    ],
)
def test_english_names_cldr_names_and_alpha3(name: str, code: str) -> None:
    country = resolve_country(name)
    assert country is not None and country.code == code


@pytest.mark.parametrize("text", ["", "   ", "Atlantide", "Guinée Conakry blabla", "ZZ", "Bichkek"])
def test_unknown_names_give_none(text: str) -> None:
    assert resolve_country(text) is None


def test_fold_unifies_accents_case_apostrophes_and_hyphens() -> None:
    assert name_key("Côte-d’Ivoire") == name_key("cote d'ivoire") == "cote d'ivoire"
    assert name_key("  Papouasie   Nouvelle‐Guinée ") == "papouasie nouvelle guinee"
    assert name_key("Œuvre ʼ ′") == "oeuvre ' '"


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        ("Argentine Bolivie (État plurinational de) Colombie", ["AR", "BO", "CO"]),
        ("Afghanistan Iran (République islamique d’) Pakistan", ["AF", "IR", "PK"]),
        ("FranceSeychelles", ["FR", "SC"]),
        ("Guinée Guinée-Bissau Guinée équatoriale", ["GN", "GW", "GQ"]),
        ("Niger Nigéria", ["NE", "NG"]),
        ("Mali, Sénégal et Mauritanie", ["ML", "SN", "MR"]),
        ("Central African Republic Tchad", ["CF", "TD"]),
        ("Kirghizistan Kirghizstan", ["KG"]),
        ("République démocratique du Congo République du Congo", ["CD", "CG"]),
        ("", []),
    ],
)
def test_split_countries_longest_match_first(line: str, codes: list[str]) -> None:
    assert [c.code for c in split_countries(line)] == codes


@pytest.mark.parametrize(
    ("place", "code"),
    [
        ("Minsk", "BY"),
        ("Bichkek", "KG"),
        ("Bishkek", "KG"),
        ("Tachkent", "UZ"),
        ("Conakry, Guinée", "GN"),
        ("Conakry, Guinée (04/03/2016)", "GN"),
        ("Ibadan, Nigéria & Accra, Ghana", "NG"),
        ("Beirut", "LB"),
        ("Beyrouth", "LB"),
        ("Dakar", "SN"),
        ("Obock, 15 Nov 2021", "DJ"),
        ("Strasbourg, 23 avril", "FR"),
        ("Genève", "CH"),
        ("Ukraine", "UA"),
        ("Philipines", "PH"),
        ("Central African Republic", "CF"),
        ("Victoria", "SC"),  # the capital, not an old name of Hong Kong
        ("San José", "CR"),
    ],
)
def test_country_of_place(place: str, code: str) -> None:
    country = country_of_place(place)
    assert country is not None and country.code == code


@pytest.mark.parametrize("place", ["", "Un nouveau rapport du PNUD", "ET", "La"])
def test_country_of_place_refuses_non_places(place: str) -> None:
    assert country_of_place(place) is None


def test_find_countries_in_a_title() -> None:
    found = find_countries("Promotion de la cohésion sociale en République kirghize")
    assert [m.country.code for m in found] == ["KG"]
    title = "Promotion de la cohésion sociale en République kirghize"
    assert title[found[0].start : found[0].end] == "République kirghize"


def test_find_countries_skips_common_words_and_hyphenated_regions() -> None:
    assert find_countries("Réunion régionale en Haute-Guinée") == []
    assert [m.country.code for m in find_countries("L'OIM et le Japon aident l’Ukraine")] == ["JP", "UA"]


def test_all_countries_is_sorted_and_unique() -> None:
    countries = all_countries()
    codes = [c.code for c in countries]
    assert len(codes) == len(set(codes)) > 240
    assert [name_key(c.name) for c in countries] == sorted(name_key(c.name) for c in countries)


@pytest.mark.parametrize(
    ("dateline", "places"),
    [
        ("Genève/ Port-au-Prince, 9 mars", [("CH", False), ("HT", False)]),
        ("Ibadan, Nigéria & Accra, Ghana", [("NG", True), ("GH", True)]),
        ("Sikasso, Mali", [("ML", True)]),
        ("Zinder (Niger)", [("NE", True)]),
        ("Somalie", [("SO", True)]),
    ],
)
def test_every_place_of_a_dateline_in_order(dateline: str, places: list[tuple[str, bool]]) -> None:
    assert [(p.country.code, p.named) for p in dateline_places(dateline)] == places
