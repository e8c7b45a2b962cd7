"""Page parser: the five real seed pages against their golden records, then one small fixture per layout."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from search.errors import BadDocumentError
from search.ingest import MAX_PAGE_BYTES, MAX_TITLE_CHARS, Country, Document, decode_page, parse_page, parse_text
from search.ingest.menu import strip_navigation
from search.ingest.sheets import normalise_status, parse_amount

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "index_data" / "documents"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pages"
GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"
NAV_WORDS = (
    "Qui sommes nous",
    "Travailler avec nous",
    "2030 AGENDA",
    "2030 Agenda",
    "Quiénes somos",
    "Structure organisationnelle",
    "OIM Global",
    "Agenda 2030",
)

KG = Country("KG", "Kirghizistan")


def seed(prefix: str) -> Document:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return parse_page(path)


def fixture(name: str) -> Document:
    return parse_page(FIXTURES / name)


def all_parsed() -> list[Document]:
    paths = sorted(SEEDS.glob("*.txt")) + sorted(FIXTURES.glob("*.txt"))
    return [parse_page(path) for path in paths]


# ------------------------------------------------------------------------------------------
# Seeds


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seed_page_matches_its_golden_record(path: Path) -> None:
    """Every field of the five real seed pages, as `python -m search parse` prints them.

    A deliberate change of the parser's output is re-recorded by rewriting the JSON files (the
    record's `to_dict()` without `source`, which depends on the checkout's path) and reviewing the diff.
    """
    expected = json.loads((GOLDEN / f"{path.stem}.json").read_text(encoding="utf-8"))
    record = parse_page(path).to_dict()
    record.pop("source")
    assert record == expected


def test_every_seed_has_a_golden_record() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(p.stem for p in SEEDS.glob("*.txt"))


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seed_source_and_checksum(path: Path) -> None:
    doc = parse_page(path)
    assert doc.id == path.stem
    assert doc.source == str(path)
    assert doc.checksum == hashlib.sha1(path.read_bytes()).hexdigest()


def test_no_navigation_words_in_any_body() -> None:
    for doc in all_parsed():
        for word in NAV_WORDS:
            assert word not in doc.body, (doc.id, word)
            assert word not in doc.title, (doc.id, word)


def test_records_round_trip_through_json_dict() -> None:
    for doc in all_parsed():
        assert Document.from_dict(doc.to_dict()) == doc


# ------------------------------------------------------------------------------------------
# Navigation block variants


def test_country_site_nav_variant_removed() -> None:
    doc = fixture("nav_country_site.txt")
    assert doc.title == "Le Sénégal et l'OIM lancent un centre d'accueil pour les migrants de retour"
    assert doc.body.startswith("Dakar– L'Organisation internationale")
    assert "présente dans plus de 100 pays" not in doc.body
    assert "Rapports annuels du bureau" not in doc.body  # unknown menu entry before `- 2030 Agenda`
    assert (doc.kind, doc.dateline, doc.countries) == ("news", "Dakar", [Country("SN", "Sénégal")])


def test_spanish_block_above_french_text_removed() -> None:
    doc = fixture("nav_spanish_above_french.txt")
    assert doc.title == "L'OIM forme des agents frontaliers en Équateur"
    assert "Naciones Unidas" not in doc.body and "Trabaje con nosotros" not in doc.body
    assert doc.countries == [Country("EC", "Équateur")]
    assert doc.dateline == "Equateur"


@pytest.mark.parametrize(
    "lines",
    [
        ["Agir pour les migrants", "Partenariats", "Le texte de la page commence ici."],
        ["Partenariats", "L'OIM signe un accord avec trois universités."],
        ["Comment nous aider", "- Agir", "- 2030 Agenda", "Texte de la page."],
    ],
)
def test_page_without_block_keeps_everything(lines: list[str]) -> None:
    assert strip_navigation(lines) == lines


def test_innovation_sheet_with_a_title_line_keeps_it() -> None:
    text = (
        "Santé des migrants dans les zones minières\nÉléments d’innovation\n- Santé\nÀ propos du projet\n"
        "Le projet rapproche les centres de santé des sites miniers. Il forme aussi des agents.\n"
        "INFORMATIONS SUR LE PROJET |\n---|\nPAYS BÉNÉFICIAIRE(S): Mali Burkina Faso |\nANNÉE: 2020 |"
    )
    doc = parse_text(text, "inno")
    assert doc.kind == "innovation"
    assert doc.title == "Santé des migrants dans les zones minières"
    assert [c.code for c in doc.countries] == ["ML", "BF"]
    assert doc.year == 2020


def test_title_that_is_a_menu_word_survives_after_block() -> None:
    lines = (SEEDS / "000_eb28a1afceb4708e.txt").read_text(encoding="utf-8").split("\n")
    nav = lines[: lines.index("- 2030 AGENDA") + 1]
    lines = [*nav, "Partenariats", "L'OIM signe un accord avec trois universités."]
    assert strip_navigation(lines) == ["Partenariats", "L'OIM signe un accord avec trois universités."]


def test_bulleted_list_after_block_is_content() -> None:
    text = "- Agir\n- 2030 Agenda\nÉléments d’innovation\n- Agir localement\nÀ propos du projet\nTexte."
    assert strip_navigation(text.split("\n"))[0] == "Éléments d’innovation"


# ------------------------------------------------------------------------------------------
# Project sheets


def test_old_dash_sheet_without_start_or_year() -> None:
    doc = fixture("project_old_dash.txt")
    assert doc.kind == "project"
    assert doc.title == "Renforcement des capacités de gestion des frontières au Tchad"
    assert doc.project_code == "T96-805"
    assert doc.prima_id is None and doc.start_year is None
    assert doc.year is None  # no Année, no start date: the end year is not the project's year
    assert doc.end_year == 1998
    assert doc.status == "Achevé"  # from "Completed"
    assert doc.budget_usd == 150000.0  # "150 000,00"
    assert [c.code for c in doc.countries] == ["TD", "CM"]  # eligible state, then the English field
    assert doc.body.startswith("Le projet vise à renforcer")


def test_bare_dash_inside_a_description_is_text() -> None:
    text = (
        "Titre du projet\n-\nStatut du projet\nActif\n-\nProjet ID\nMA.0001\n"
        "Première partie de la description du projet, assez longue pour être un paragraphe.\n"
        "-\n"
        "Seconde partie de la description, qui doit rester dans le texte du document indexé."
    )
    doc = parse_text(text, "dash")
    assert (doc.kind, doc.status, doc.project_code) == ("project", "Actif", "MA.0001")
    assert doc.body.startswith("Première partie")
    assert doc.body.endswith("qui doit rester dans le texte du document indexé.")


def test_project_sheet_quoting_an_innovation_heading_stays_a_project() -> None:
    text = (
        "Santé des migrants\n-\nStatut du projet\nActif\n-\nType de projet\nMigration et développement\n"
        "Le projet reprend la démarche de la fiche d'innovation de 2021.\n"
        "Éléments d’innovation repris : la sensibilisation par les pairs dans les zones minières.\n"
    )
    doc = parse_text(text, "quote")
    assert (doc.kind, doc.status, doc.type) == ("project", "Actif", "Migration et développement")
    assert doc.body.endswith("dans les zones minières.")


def test_bullet_layout_sheet() -> None:
    doc = fixture("project_bullets.txt")
    assert doc.kind == "project"
    assert doc.title == "Appui à la réintégration durable des migrants de retour au Mali"
    assert (doc.year, doc.start_year, doc.end_year) == (2019, 2019, 2021)
    assert doc.status == "Achevé"  # from "achevé"
    assert doc.type == "Retour et réintégration"
    assert doc.budget_usd == 250000.0
    assert (doc.coverage, doc.region) == ("National", "Afrique de l'Ouest et du Centre")
    assert (doc.prima_id, doc.project_code) == ("ML10P0321", "RT.1205")
    assert doc.countries == [Country("ML", "Mali")]
    assert doc.body.startswith("Ce projet soutient la réintégration")
    assert "Date de début" not in doc.body


def test_several_countries_on_one_line() -> None:
    doc = fixture("project_multicountry.txt")
    assert [c.code for c in doc.countries] == ["AR", "BO", "CO"]
    assert (doc.year, doc.start_year) == (2021, 2020)  # Année differs from the start: both kept
    assert doc.status == "Actif"  # from "Active"


def test_countries_with_parentheses_on_one_line() -> None:
    doc = fixture("project_asia_multicountry.txt")
    assert [c.code for c in doc.countries] == ["AF", "IR", "PK"]
    assert doc.countries[1].name == "Iran"


def test_glued_countries() -> None:
    doc = fixture("project_glued_countries.txt")
    assert [c.code for c in doc.countries] == ["FR", "SC"]
    assert doc.status == "Achevé"  # from "Acheve"
    assert doc.year == 2018 and doc.region is None


# ------------------------------------------------------------------------------------------
# Innovation


def test_innovation_with_mission_only_and_amount_in_millions() -> None:
    doc = fixture("innovation_mission_only.txt")
    assert doc.kind == "innovation"
    assert doc.countries == [Country("NE", "Niger")]
    assert doc.year == 2021
    assert doc.budget_usd == 1_500_000.0
    assert doc.project_code == "DT.0042"
    assert doc.title.startswith("Au Niger, une application mobile")
    assert doc.title.endswith("…") and len(doc.title) <= 120


# ------------------------------------------------------------------------------------------
# News datelines


@pytest.mark.parametrize(
    ("name", "dateline", "codes", "year"),
    [
        ("nav_country_site.txt", "Dakar", ["SN"], None),
        ("no_block_news.txt", "Pemba", ["MZ"], 2024),
        ("news_strasbourg.txt", "Strasbourg", [], None),  # a Council of Europe statement: no country
        ("news_conakry.txt", "Conakry, Guinée", ["GN"], 2016),
        ("news_ibadan_accra.txt", "Ibadan, Nigéria & Accra, Ghana", ["NG", "GH"], None),
        ("news_colombia_english.txt", "Colombia", ["CO", "VE"], None),  # + `migrants vénézuéliens`
        ("news_car_english.txt", "Central African Republic", ["CF"], None),
        ("news_beirut.txt", "Beirut", ["LB"], None),  # the lead names no other country
        ("news_philipines_misspelt.txt", "Philipines", ["PH"], None),
        ("communique_global.txt", "Genève", [], None),  # headquarters; Italy and Malta only further down
        ("cp1252_news.txt", "Dakar", ["SN"], None),
    ],
)
def test_news_dateline_forms(name: str, dateline: str, codes: list[str], year: int | None) -> None:
    doc = fixture(name)
    assert doc.kind == "news"
    assert doc.dateline == dateline
    assert [c.code for c in doc.countries] == codes
    assert doc.year == year


def test_news_year_from_full_date_in_first_paragraph_not_background() -> None:
    doc = fixture("no_block_news.txt")
    assert doc.year == 2024  # "le 18 janvier 2024", not "Depuis 2017"


def test_news_without_dateline_takes_the_title_country() -> None:
    doc = fixture("news_title_country_no_dateline.txt")
    assert doc.kind == "news"
    assert doc.dateline is None
    assert doc.countries == [KG]  # "La République kirghize ..." ; not the background year 2015
    assert doc.year is None


def test_news_title_naming_donor_and_host_gives_the_host_only() -> None:
    doc = fixture("news_old_no_dateline_two_countries.txt")
    assert doc.kind == "news"
    assert [c.code for c in doc.countries] == ["UA"]  # Japan pays: `financement du gouvernement japonais`
    assert doc.year is None  # `En 2014, le conflit avait forcé ...` is background


def test_communique_header_caption_hard_wrap_and_list_lines() -> None:
    doc = fixture("communique_global.txt")
    assert doc.title == "L'OIM appelle à protéger les migrants bloqués en Méditerranée centrale"
    assert "Communiqué" not in doc.body
    assert "(OIM) a exprimé ce mardi sa vive inquiétude face à la hausse du nombre de décès" in doc.body
    assert "- renforcer les capacités de recherche et de sauvetage ;" in doc.body.split("\n")
    assert "\nItalie\n12 500\n" in doc.body  # table cells stay one per line
    assert not any(line.strip() == "" and line for line in doc.body.split("\n"))  # no space-only lines


def test_story_without_title() -> None:
    doc = fixture("story_obock.txt")
    assert doc.kind == "story"
    assert doc.dateline == "Obock"
    assert [c.code for c in doc.countries] == ["DJ", "ET", "YE"]  # set in Obock; Ahmed goes home
    assert doc.year == 2021
    assert doc.title.startswith("Sous un soleil de plomb, Ahmed")
    assert doc.body.startswith("Obock, 15 Nov 2021 - Sous un soleil de plomb")


# ------------------------------------------------------------------------------------------
# Other pages


def test_dialogue_page_type_colon_is_not_a_project_type() -> None:
    doc = fixture("dialogue_page.txt")
    assert doc.kind == "other"
    assert doc.type is None and doc.status is None
    assert doc.year == 2020  # "Créé en : Mars 2020"
    assert doc.title == "Dialogue sur la migration pour l'Afrique australe (MIDSA)"


def test_country_page_with_facts_and_figures() -> None:
    doc = fixture("country_page.txt")
    assert doc.kind == "other"
    assert doc.title == "Niger"
    assert doc.countries == [Country("NE", "Niger")]
    assert doc.year is None and doc.budget_usd is None


# ------------------------------------------------------------------------------------------
# Bad and odd files


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.txt", "empty"),
        ("blank_lines_only.txt", "empty"),
        ("binary.txt", "binary"),
        ("nav_only.txt", "navigation"),
    ],
)
def test_bad_files_are_refused_with_a_reason(name: str, reason: str) -> None:
    with pytest.raises(BadDocumentError, match=reason):
        parse_page(FIXTURES / "bad" / name)


def test_mostly_control_characters_is_binary() -> None:
    with pytest.raises(BadDocumentError, match="binary"):
        decode_page(bytes(range(1, 32)) * 50)


def test_neither_utf8_nor_cp1252_is_refused() -> None:
    with pytest.raises(BadDocumentError, match="UTF-8"):
        decode_page(b"Titre\n\x81\x8d\x8f\x90\x9d")


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"a" * (MAX_PAGE_BYTES + 1))
    with pytest.raises(BadDocumentError, match="too large"):
        parse_page(path)
    with pytest.raises(BadDocumentError, match="too large"):
        parse_text("a" * (MAX_PAGE_BYTES + 1), "huge")


def test_missing_file_is_a_bad_document(tmp_path: Path) -> None:
    with pytest.raises(BadDocumentError, match="cannot read"):
        parse_page(tmp_path / "absent.txt")


def test_cp1252_file_is_decoded() -> None:
    doc = fixture("cp1252_news.txt")
    assert doc.title == "Les migrants de retour au Sénégal reçoivent une aide à la réintégration"
    assert "« dès cette année »" in doc.body and "\r" not in doc.body


def test_bom_and_crlf_are_stripped() -> None:
    doc = fixture("bom_crlf_news.txt")
    assert doc.title == "L'OIM ouvre un bureau à Minsk"
    assert "\r" not in doc.body and "\ufeff" not in doc.title
    assert doc.countries == [Country("BY", "Bélarus")]


def test_absurd_title_is_cut_at_a_word_and_kept_in_body() -> None:
    doc = fixture("long_title.txt")
    assert len(doc.title) <= MAX_TITLE_CHARS
    assert doc.title.endswith("migration…")
    assert doc.body.startswith("Titre migration migration")
    assert len(doc.body.split("\n")[0]) > 5000
    assert doc.dateline == "Dakar"


def test_title_of_5000_chars_via_parse_text() -> None:
    doc = parse_text("x" * 5000 + "\nTexte de la page.", "t")
    assert len(doc.title) <= MAX_TITLE_CHARS


def test_script_tags_are_kept_as_text() -> None:
    doc = fixture("script_in_text.txt")
    assert doc.title == "Alerte <script>alert('x')</script> sur les migrations"
    assert "<script>document.cookie</script>" in doc.body
    assert "mis en uvre" in doc.body  # lost characters are left as they are


def test_parse_text_defaults() -> None:
    doc = parse_text("Un titre\nDakar - Un texte assez long pour être une dépêche de l'OIM au Sénégal.", "x1")
    assert doc.id == "x1" and doc.source is None
    assert (
        doc.checksum
        == hashlib.sha1(
            doc_bytes("Un titre\nDakar - Un texte assez long pour être une dépêche de l'OIM au Sénégal.")
        ).hexdigest()
    )


def doc_bytes(text: str) -> bytes:
    return text.encode("utf-8")


# ------------------------------------------------------------------------------------------
# Values


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("Achevé", "Achevé"),
        ("achevé", "Achevé"),
        ("Acheve", "Achevé"),
        ("Completed", "Achevé"),
        ("Actif", "Actif"),
        ("Active", "Actif"),
        ("en cours", "Actif"),
        ("Suspendu", None),
        (None, None),
    ],
)
def test_status_normalised(raw: str | None, status: str | None) -> None:
    assert normalise_status(raw) == status


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("300000.00", 300000.0),
        ("100 000 dollars É.-U.", 100000.0),
        ("1 250 000,50", 1250000.5),
        ("1,250,000", 1250000.0),
        ("1.250.000", 1250000.0),
        ("1,5 million", 1500000.0),
        ("150\u00a0000 USD", 150000.0),
        ("non communiqué", None),
        ("", None),
    ],
)
def test_amounts(raw: str, amount: float | None) -> None:
    assert parse_amount(raw) == amount
