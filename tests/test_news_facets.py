"""Country and year of news items, as a reader of the page would give them (issue 14).

Every case is a short page written for this table in the manner of OIM/IOM press releases:
title, dateline, lead, and sometimes a later paragraph that must not count.
"""

from __future__ import annotations

import csv
from importlib import resources

import pycountry
import pytest

from search.ingest import parse_text
from search.ingest.dates import event_year, find_dates, title_year
from search.ingest.demonyms import demonym_table, find_demonyms

LATER = (
    "\n\nLe projet se poursuivra l'an prochain avec de nouvelles activités de formation, des visites de "
    "terrain et des réunions avec les autorités locales et les organisations de la société civile.\n"
)


def page(title: str, *paragraphs: str) -> str:
    return title + "\n\n" + "\n\n".join(paragraphs) + LATER


def countries(text: str) -> list[str]:
    return [c.code for c in parse_text(text, "case").countries]


def year(text: str) -> int | None:
    return parse_text(text, "case").year


# ------------------------------------------------------------------------------------------
# Countries: what the item is about, main subject first

COUNTRY_CASES = [
    pytest.param(
        page(
            "Lancement d'un projet de gestion des frontières au Burkina Faso, au Mali et au Niger",
            "Niamey – L'OIM a lancé cette semaine un projet régional destiné aux communautés frontalières du "
            "Burkina Faso, du Mali et du Niger.",
        ),
        ["NE", "BF", "ML"],
        id="several-countries-dateline-confirmed-first",
    ),
    pytest.param(
        page(
            "Retour volontaire de 140 migrants guinéens bloqués en Tunisie",
            "Tunis – L'OIM a aidé jeudi 140 migrants bloqués en Tunisie à rentrer chez eux, à Conakry.",
        ),
        ["TN", "GN"],
        id="demonym-after-migrants",
    ),
    pytest.param(
        page(
            "L'OIM condamne les violences contre les civils en Somalie",
            "Genève – L'Organisation internationale pour les migrations (OIM) est profondément préoccupée par "
            "la situation des personnes déplacées dans le centre de la Somalie.",
        ),
        ["SO"],
        id="headquarters-dateline-is-no-country",
    ),
    pytest.param(
        page(
            "Journée internationale des migrants : l'OIM appelle à la solidarité",
            "Genève – À l'occasion de la Journée internationale des migrants, l'OIM rappelle que 280 millions "
            "de personnes vivent hors de leur pays de naissance dans le monde.",
        ),
        [],
        id="global-statement-from-headquarters",
    ),
    pytest.param(
        page(
            "Le Forum mondial sur la migration s'ouvre avec un appel à des voies régulières",
            "Berlin – Les délégués de 150 États réunis au Forum mondial ont appelé à élargir les voies de "
            "migration régulière dans le monde entier.",
        ),
        [],
        id="global-statement-from-any-city",
    ),
    pytest.param(
        page(
            "Des vivres pour les familles déplacées par les inondations",
            "Juba – L'OIM et le Programme alimentaire mondial ont distribué des vivres à 8 000 familles "
            "déplacées par les inondations le long du Nil Blanc.",
        ),
        ["SS"],
        id="dateline-city-of-an-item-naming-no-country",
    ),
    pytest.param(
        page(
            "Des fonds d'urgence pour les déplacés du Soudan du Sud",
            "Bruxelles – L'OIM a reçu une nouvelle contribution pour aider les familles déplacées au Soudan du "
            "Sud pendant la saison des pluies.",
        ),
        ["SS"],
        id="dateline-city-where-issued-not-about",
    ),
    pytest.param(
        page(
            "Des milliers d'Haïtiens expulsés reçoivent une aide à la frontière",
            "L'OIM et ses partenaires ont accueilli cette semaine plus de 2 000 personnes refoulées au poste "
            "frontalier de Belladère.",
        ),
        ["HT"],
        id="demonym-noun",
    ),
    pytest.param(
        page(
            "Un atelier sur la gestion des frontières à Kankan",
            "Kankan – Les autorités guinéennes et l'OIM ont ouvert lundi un atelier de trois jours sur la "
            "gestion intégrée des frontières.",
        ),
        ["GN"],
        id="demonym-after-authorities",
    ),
    pytest.param(
        page(
            "Paix et cohésion : des jeunes formés à la médiation",
            "Maroua – Dans l'Extrême-Nord du Cameroun, 300 jeunes ont suivi une formation à la médiation "
            "communautaire organisée par l'OIM.",
        ),
        ["CM"],
        id="region-naming-a-country",
    ),
    pytest.param(
        page(
            "Un projet financé par l'Italie pour lutter contre la traite au Tchad",
            "N'Djamena – Le projet, financé par le Ministère italien de l'intérieur, formera 200 agents de "
            "police tchadiens et des travailleurs sociaux.",
        ),
        ["TD"],
        id="donor-in-title-and-lead",
    ),
    pytest.param(
        page(
            "Le Japon et l'OIM rénovent des écoles en Iraq",
            "Grâce au soutien du gouvernement japonais, l'OIM a rénové six écoles dans le gouvernorat de Ninive, "
            "en Iraq.",
        ),
        ["IQ"],
        id="donor-named-in-title-is-not-the-subject",
    ),
    pytest.param(
        page(
            "Des donateurs visitent les centres de transit de l'OIM au Niger",
            "Agadez – Cette semaine, une délégation de diplomates de Belgique, du Danemark et des Pays-Bas "
            "s'est rendue dans les centres de transit de l'OIM au nord du Niger.",
        ),
        ["NE"],
        id="visiting-delegation-is-no-subject",
    ),
    pytest.param(
        page(
            "Une nouvelle clinique mobile pour les communautés isolées",
            "Dili – L'OIM a inauguré une clinique mobile qui desservira 12 villages de montagne du Timor-Leste.",
            "Cette initiative complète l'aide apportée au Timor-Leste depuis des années.",
            "Des experts venus d'Australie et du Portugal ont partagé leur expérience.",
        ),
        ["TL"],
        id="countries-further-down-are-in-passing",
    ),
    pytest.param(
        page(
            "Des musées des migrations pour la cohésion sociale",
            "Une réunion d'experts sur l'histoire des migrations se tiendra à Rome la semaine prochaine, "
            "organisée par la Commission nationale italienne pour l'UNESCO.",
        ),
        [],
        id="meeting-venue-and-institution-are-no-subject",
    ),
]

FALSE_FRIEND_CASES = [
    pytest.param("Des pêcheurs du fleuve Niger formés à la sécurité au Mali", ["ML"], id="niger-river"),
    pytest.param("Inondations dans le delta du Niger : l'OIM aide les familles", [], id="niger-delta"),
    pytest.param("Retour de migrants au Niger depuis l'Algérie", ["NE", "DZ"], id="niger-country"),
    pytest.param("Des migrants de Guinée-Bissau rentrent chez eux", ["GW"], id="guinee-bissau"),
    pytest.param("Une aide pour les migrants en Guinée équatoriale", ["GQ"], id="guinee-equatoriale"),
    pytest.param("La santé des migrants en Papouasie-Nouvelle-Guinée", ["PG"], id="nouvelle-guinee"),
    pytest.param("La piraterie dans le golfe de Guinée inquiète les marins", [], id="golfe-de-guinee"),
    pytest.param("Des réfugiés s'installent dans la vallée du Jourdain", [], id="jourdain"),
    pytest.param("Des familles déplacées en Cisjordanie reçoivent de l'aide", [], id="cisjordanie"),
    pytest.param("Des réfugiés syriens en Jordanie reçoivent de l'aide", ["SY", "JO"], id="jordanie"),
    pytest.param("Une dinde pour chaque famille : le repas de fête des réfugiés", [], id="dinde"),
    pytest.param("Migrants au menu : turkey et frites au centre d'accueil", [], id="turkey-lower-case"),
    pytest.param("L'OIM aide les réfugiés en Turquie", ["TR"], id="turquie"),
    pytest.param("La région du lac Tchad touchée par la sécheresse", [], id="lac-tchad"),
    pytest.param("Le Tchad accueille de nouveaux réfugiés soudanais", ["TD", "SD"], id="tchad"),
    pytest.param("Des pirogues sur le fleuve Congo", [], id="congo-river"),
    pytest.param("L'OIM en RDC : des familles déplacées rentrent au Congo", ["CD"], id="congo-drc-in-context"),
    pytest.param("Brazzaville : des migrants de retour au Congo", ["CG"], id="congo-brazzaville"),
    pytest.param("Des migrants latino-américains à Atlanta, en Géorgie (États-Unis)", ["US"], id="georgia-us-state"),
    pytest.param("Des déplacés internes en Géorgie reçoivent des logements", ["GE"], id="georgia-country"),
]


@pytest.mark.parametrize(("text", "codes"), COUNTRY_CASES)
def test_countries_of_a_news_item(text: str, codes: list[str]) -> None:
    assert countries(text) == codes


@pytest.mark.parametrize(("title", "codes"), FALSE_FRIEND_CASES)
def test_false_friends_decided_by_context(title: str, codes: list[str]) -> None:
    text = page(
        title, "L'OIM poursuit ses activités auprès des communautés concernées cette semaine, avec ses partenaires."
    )
    assert countries(text) == codes


def test_story_is_set_in_its_dateline_city() -> None:
    text = (
        "Kakuma, 3 Feb 2022 - Assise devant sa boutique, Amina, 24 ans, raconte sa fuite depuis la Somalie et "
        "les années passées dans le camp avant d'ouvrir son propre commerce de tissus.\n"
    )
    doc = parse_text(text, "story")
    assert doc.kind == "story"
    assert [c.code for c in doc.countries] == ["KE", "SO"]
    assert doc.year == 2022


# ------------------------------------------------------------------------------------------
# Year: the year of the event reported, null when the page dates nothing

YEAR_CASES = [
    pytest.param(
        page("Des kits d'hygiène pour les sinistrés", "Conakry, Guinée (12/05/2019) – L'OIM a distribué des kits."),
        2019,
        id="dated-dateline",
    ),
    pytest.param(
        page("Ouverture d'un centre de transit", "Agadez – Le 18 janvier 2024, l'OIM a ouvert un centre de transit."),
        2024,
        id="full-date-in-lead",
    ),
    pytest.param(
        page(
            "Un atelier sur la migration de travail", "Lomé – Le mardi 3 mars 2020, les ministres ont adopté un plan."
        ),
        2020,
        id="weekday-date",
    ),
    pytest.param(
        page(
            "Un nouveau projet pour les rapatriés",
            "Mogadiscio – L'OIM lance un projet.",
            "Il a débuté le 1er juin 2016.",
        ),
        2016,
        id="date-in-second-paragraph",
    ),
    pytest.param(
        page(
            "Plus de 5 000 migrants secourus en mer en 2019",
            "L'OIM publie ses chiffres annuels sur les sauvetages en mer et les décès sur les routes migratoires.",
        ),
        2019,
        id="year-in-title",
    ),
    pytest.param(
        page("Suivi des déplacements", "Haïti – La DTM de juillet à septembre 2013 montre une baisse des déplacés."),
        2013,
        id="month-period-within-a-year",
    ),
    pytest.param(
        page("Plus de migrants bloqués", "Djibouti – Au premier trimestre 2015, 4 000 migrants ont été enregistrés."),
        2015,
        id="quarter",
    ),
    pytest.param(
        page("Aide aux déplacés de l'Est", "Kiev – Depuis 2015, l'OIM aide les déplacés internes de la région."),
        None,
        id="depuis-year-is-background",
    ),
    pytest.param(
        page("Aide aux déplacés de l'Est", "Kiev – Depuis mars 2015, l'OIM aide les déplacés internes."),
        None,
        id="depuis-month-is-background",
    ),
    pytest.param(
        page(
            "Un appel de fonds pour le Yémen",
            "Yémen – La situation se détériore depuis l'escalade des combats fin mars 2015, qui a fait fuir des "
            "milliers de familles.",
        ),
        None,
        id="year-a-war-began-is-background",
    ),
    pytest.param(
        page("Agenda 2030 : la migration au cœur du développement", "L'OIM publie un guide pour les villes."),
        None,
        id="agenda-2030",
    ),
    pytest.param(
        page("Une stratégie nationale d'ici 2030", "Rabat – Le gouvernement adopte une stratégie de migration."),
        None,
        id="target-year",
    ),
    pytest.param(
        page(
            "Les retours continuent",
            "Bagdad – La DTM a compté 3 millions de déplacés entre le 1er janvier 2014 et le 3 décembre 2015.",
        ),
        None,
        id="period-over-two-years",
    ),
    pytest.param(
        page("Retour de migrants", "Genève/ Dakar, 9 mars – L'OIM a aidé 80 migrants à rentrer le 3 mars dernier."),
        None,
        id="date-without-year",
    ),
    pytest.param(
        page(
            "Des formations pour les garde-frontières",
            "Bamako – L'OIM a formé 40 agents cette semaine.",
            "La formation complète un programme lancé il y a plusieurs années.",
            "Un premier atelier avait eu lieu le 4 avril 2011 à Kayes.",
        ),
        None,
        id="date-further-down-is-not-the-event",
    ),
    pytest.param(
        page("Plus de 2000 migrants aidés au Niger", "Niamey – L'OIM a aidé plus de 2000 migrants ce mois-ci."),
        None,
        id="a-number-is-not-a-year",
    ),
]


@pytest.mark.parametrize(("text", "expected"), YEAR_CASES)
def test_year_of_a_news_item(text: str, expected: int | None) -> None:
    assert year(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("le 18 janvier 2024", 2024),
        ("Le 1er juin 2016", 2016),
        ("vendredi 3 mars 2017", 2017),
        ("(04/03/2016)", 2016),
        ("15 Nov 2021", 2021),
        ("November 15, 2021", 2021),
        ("le 22 et 28 mars 2020", 2020),
        ("entre janvier et juillet 2018", 2018),
        ("au deuxième semestre 2012", 2012),
        ("le 31/13/2016", None),  # no thirteenth month
        ("le 3 mars dernier", None),
        ("depuis août 2016", None),
        ("depuis le 9 septembre 2022", 2022),  # a day marks the start of the event
    ],
)
def test_french_date_forms(text: str, expected: int | None) -> None:
    assert event_year(text) == expected


def test_dates_are_found_in_order_with_their_precision() -> None:
    found = find_dates("Le 2 mars 2016, puis en avril 2016 et au premier trimestre 2017")
    assert [(d.year, d.precision) for d in found] == [(2016, "day"), (2016, "month"), (2017, "quarter")]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Pendant les 21 premiers jours de 2016, 37 000 arrivées", 2016),
        ("Les migrations en 2019 : le rapport", 2019),
        ("Baisse de 87 % des déplacés depuis le séisme de 2010", None),
        ("Stratégie nationale 2016-2026", None),
        ("Programme 2030 et migration", None),
    ],
)
def test_year_in_a_title(title: str, expected: int | None) -> None:
    assert title_year(title) == expected


# ------------------------------------------------------------------------------------------
# The demonym table


def demonym_rows() -> list[dict[str, str]]:
    text = resources.files("search").joinpath("data/demonyms_fr.tsv").read_text(encoding="utf-8")
    return list(csv.DictReader((line for line in text.splitlines() if not line.startswith("#")), delimiter="\t"))


def test_every_demonym_code_is_a_pycountry_code() -> None:
    for row in demonym_rows():
        assert row["code"] == "XK" or pycountry.countries.get(alpha_2=row["code"]) is not None, row


def test_every_demonym_row_has_its_four_forms() -> None:
    for row in demonym_rows():
        forms = [row[column] for column in ("masc_sg", "fem_sg", "masc_pl", "fem_pl")]
        assert all(form and form == form.strip() and form.islower() for form in forms), row


def test_no_demonym_form_points_to_two_countries() -> None:
    seen: dict[str, str] = {}
    for row in demonym_rows():
        for column in ("masc_sg", "fem_sg", "masc_pl", "fem_pl"):
            assert seen.setdefault(row[column], row["code"]) == row["code"], row[column]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("113 migrants sénégalais", ["SN"]),
        ("des migrantes nigériennes", ["NE"]),
        ("des travailleurs nigérians", ["NG"]),
        ("des réfugiés sud-soudanais", ["SS"]),
        ("les Sierra-Léonais", ["SL"]),
        ("d'Haïtiens", ["HT"]),
        ("des migrants burkinabè", ["BF"]),
        ("le gouvernement japonais", []),  # an institution, not people
        ("Un Projet Malien de Formation", []),  # title case, not people
        ("des cours en français", []),  # a language
        ("des migrants congolais", []),  # which Congo: left out of the table
    ],
)
def test_demonyms_name_people(text: str, codes: list[str]) -> None:
    assert [m.country.code for m in find_demonyms(text)] == codes


def test_demonym_table_is_loaded_with_every_form() -> None:
    table = demonym_table()
    assert table["guineennes"] == "GN" and table["turque"] == "TR" and table["malgaches"] == "MG"
