"""The HTML pages (``/`` and ``/documents/<id>``) on the seed corpus, through Flask's test client."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from helpers import Html

from search.service import SearchResult
from web import create_app
from web.security import HEADERS

KG_HEALTH = "000_eb28a1afceb4708e"  # project, Kirghizistan, 2021, Achevé, 300 000 USD
KG_COHESION = "001_cb2261dd374509e4"  # project, Kirghizistan, 2022, Actif
GUINEA = "002_51041fb97fa8d595"  # innovation, Guinée, 2022
BELARUS = "003_3ddd9c1bccf19f9a"  # news, Bélarus


def get(client, url: str, status: int = 200) -> Html:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/html"
    return Html(response.get_data(as_text=True))


def params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def facet_item(page: Html, facet: str, value: str) -> tuple[str, int, bool]:
    """(label, count, checked) of one facet checkbox."""
    match = re.search(
        rf'<input type="checkbox" id="([^"]+)" name="{facet}" value="{re.escape(html.escape(value))}"( checked)?>\s*'
        r'<label for="\1"><span class="facet-label">([^<]*)</span> <span class="count">([^<]*)</span>',
        page.source,
    )
    assert match, f"no {facet}={value} checkbox"
    return html.unescape(match[3]), int(re.sub(r"\D", "", match[4])), bool(match[2])


# -- the search page -------------------------------------------------------------------------


def test_search_page_keeps_the_query_and_shows_the_stats(client):
    page = get(client, "/?q=sant%C3%A9+migrants")
    assert page.one("html")["lang"] == "fr"
    assert page.one("input", id="q")["value"] == "santé migrants"
    assert page.one("label", for_="q")
    assert page.one("form", role="search")["method"] == "get"
    assert re.search(r"\b4 résultats \(\d+ ms\)", page.text)
    for landmark in ("header", "main", "aside", "nav", "footer"):
        assert page.find(landmark), landmark
    assert "<title>« santé migrants » – Recherche OIM</title>" in page.source


def test_browse_without_query_lists_everything_with_one_result_wording(client):
    page = get(client, "/")
    assert re.search(r"\b5 résultats \(\d+ ms\)", page.text)
    assert re.search(
        r"\b1 résultat \(\d+ ms\)",
        get(client, "/?q=Bichkek&country=KG&type=Int%C3%A9gration+et+coh%C3%A9sion+sociale").text,
    )


def test_facets_show_every_value_with_its_count(client):
    page = get(client, "/")
    assert facet_item(page, "country", "KG") == ("Kirghizistan", 2, False)
    assert facet_item(page, "country", "GN") == ("Guinée", 1, False)
    assert facet_item(page, "year", "2022") == ("2022", 2, False)
    assert facet_item(page, "status", "Achevé") == ("Achevé", 1, False)
    assert facet_item(page, "type", "Intégration et cohésion sociale")[1] == 1
    for name in ("Pays", "Année", "Type de projet", "Statut"):
        assert f"<legend>{name}</legend>" in page.source
    assert page.one("input", id="year_from")["type"] == "number"
    assert page.one("label", for_="year_to")
    assert page.find("button", type="submit", **{"class": "apply"})


def test_selected_values_are_checked_first_and_other_values_keep_multi_select_counts(client):
    page = get(client, "/?q=migrants&country=GN")
    assert facet_item(page, "country", "GN") == ("Guinée", 1, True)
    assert facet_item(page, "country", "KG") == ("Kirghizistan", 2, False)  # counted without its own filter
    countries = [a["value"] for a in page.find("input", type="checkbox", name="country")]
    assert countries[0] == "GN"
    assert facet_item(page, "year", "2022") == ("2022", 1, False)  # narrowed by the country filter


def test_long_facet_lists_fold_behind_afficher_plus(client, monkeypatch):
    monkeypatch.setattr("web.pages.FACET_VISIBLE", 2)
    page = get(client, "/")
    assert re.search(r'<details class="more">\s*<summary>Afficher plus <span class="count">2</span>', page.source)
    facet_item(page, "country", "UA")  # still there, inside the <details>


def test_active_filters_are_chips_with_removal_links_and_clear_all(client):
    page = get(client, "/?q=migrants&country=KG&year=2022&year_from=2020")
    chips = {a["title"]: a for a in page.find("a", **{"class": "chip"})}
    assert len(chips) == 1  # all share the title "Retirer ce filtre"
    links = [a["href"] for a in page.find("a", **{"class": "chip"})]
    assert "Pays : Kirghizistan ✕" in page.text and "Année : 2022 ✕" in page.text and "Depuis 2020" in page.text
    assert params(links[0]) == [("q", "migrants"), ("year", "2022"), ("year_from", "2020")]
    assert params(links[1]) == [("q", "migrants"), ("country", "KG"), ("year_from", "2020")]
    assert params(links[2]) == [("q", "migrants"), ("country", "KG"), ("year", "2022")]
    assert params(page.one("a", **{"class": "clear-all"})["href"]) == [("q", "migrants")]
    assert "Tout effacer" in page.text


def test_a_country_given_by_name_gets_a_chip_with_its_name(client):
    page = get(client, "/?country=Guin%C3%A9e")
    assert "Pays : Guinée ✕" in page.text
    assert re.search(r"\b1 résultat\b", page.text)


def test_results_have_document_links_kind_and_metadata_badges(client):
    page = get(client, "/")
    links = [a["href"] for a in page.find("a") if a.get("href", "").startswith("/documents/")]
    assert f"/documents/{KG_HEALTH}" in links and len(links) == 5
    badges = re.findall(r'<li class="badge kind kind-(\w+)">([^<]+)</li>', page.source)
    assert set(badges) == {("project", "Projet"), ("innovation", "Innovation"), ("news", "Communiqué")}
    for badge in ("Kirghizistan", "2021", "Achevé", "Promotion de la santé et assistance sanitaire aux migrants"):
        assert f'">{badge}</li>' in page.source


def test_titles_and_snippets_are_highlighted(client):
    page = get(client, "/?q=pollution")
    assert re.search(r'<p class="snippet">[^\n]*<mark>pollution</mark>', page.source)
    assert re.search(r'<h3 class="result-title"><a [^>]+>[^\n]*<mark>pollution</mark>', page.source)


def test_pagination_links_keep_the_state(client):
    page = get(client, "/?per_page=2&sort=budget")
    numbers = [a for a in page.find("a") if a.get("aria-label", "").startswith("Page ")]
    assert [a.get("aria-current") for a in numbers] == ["page", None, None]
    assert params(numbers[1]["href"]) == [("per_page", "2"), ("sort", "budget"), ("page", "2")]
    assert params(page.one("a", rel="next")["href"])[-1] == ("page", "2")
    assert not page.find("a", rel="prev")
    last = get(client, "/?per_page=2&sort=budget&page=3")
    assert not last.find("a", rel="next") and last.one("a", rel="prev")
    assert params(last.one("a", rel="prev")["href"])[-1] == ("page", "2")
    assert last.one("ol", **{"class": "results"})["start"] == "5"
    assert "‹ Précédent" in last.text and "Suivant ›" in page.text


def test_a_page_past_the_results_offers_the_first_page(client):
    page = get(client, "/?per_page=2&page=9")
    assert "Revenir à la première page" in page.text


def test_sort_selector_keeps_the_other_parameters(client):
    page = get(client, "/?q=migrants&country=KG&sort=newest")
    options = re.findall(r'<option value="(\w+)"( selected)?>([^<]+)</option>', page.source)
    assert options == [
        ("relevance", "", "Pertinence"),
        ("newest", " selected", "Plus récents"),
        ("budget", "", "Budget"),
    ]
    form = page.source[page.source.index('<form class="sort-form"') :]
    form = form[: form.index("</form>")]
    assert 'name="q" value="migrants"' in form and 'name="country" value="KG"' in form
    assert page.one("label", for_="sort")


def test_every_search_page_links_its_json_twin(client):
    url = "/?q=migrants&country=KG&country=GN&year_from=2021&per_page=2&page=2"
    page = get(client, url)
    alternate = page.one("link", rel="alternate")
    assert alternate["type"] == "application/json"
    assert alternate["href"] == "/api/search?" + url.split("?", 1)[1]
    assert page.one("a", **{"class": "json-link"})["href"] == alternate["href"]
    data = client.get(alternate["href"]).get_json()
    assert data["total"] == 3 and data["page"] == 2
    assert re.search(r"\b3 résultats\b", page.text)


def test_empty_state_offers_filters_to_remove_and_examples(client):
    page = get(client, "/?q=pollution&country=GN")
    assert "Aucun résultat pour « pollution »" in page.text
    chip = page.one("a", **{"class": "chip"})
    assert params(chip["href"]) == [("q", "pollution")]
    examples = [a["href"] for a in page.find("a") if a.get("href", "").startswith("/?q=")]
    assert "/?q=sant%C3%A9+migrants" in examples and "/?q=retour+volontaire" in examples
    assert "/?q=pollution+Bichkek" in examples


class _Stub:
    """A service answering one canned result (suggestion, expansions, warnings), the rest from the real one."""

    def __init__(self, real, result: SearchResult):
        self.real, self.result = real, result

    def search(self, request):
        return self.result

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def stub_client(app):
    def make(result: SearchResult):
        stubbed = create_app({"INDEX_DIR": app.config["INDEX_DIR"], "TESTING": True})
        stubbed.extensions["search_service"] = _Stub(stubbed.extensions["search_service"], result)
        return stubbed.test_client()

    return make


def test_suggestion_expansions_and_warnings_are_shown(stub_client):
    result = SearchResult(
        query="migrnts",
        total=0,
        page=1,
        per_page=10,
        took_ms=1.2,
        suggestion="migrants",
        expansions=["OIM", "Organisation internationale pour les migrations"],
        warnings=["Le mot « le » est trop courant et n’a pas été cherché."],
    )
    page = get(stub_client(result), "/?q=migrnts&country=KG")
    assert "Essayez avec : migrants" in page.text
    suggestions = [a["href"] for a in page.find("a") if "q=migrants" in a.get("href", "")]
    assert suggestions and all(params(h) == [("q", "migrants"), ("country", "KG")] for h in suggestions)
    assert "Vouliez-vous dire migrants ?" in page.text
    assert "Recherche étendue à : OIM, Organisation internationale pour les migrations" in page.text
    assert "Le mot « le » est trop courant et n’a pas été cherché." in page.text


def test_a_real_acronym_expansion_is_shown(client):
    page = get(client, "/?q=IOM")
    assert "Recherche étendue à : OIM" in page.text


@pytest.mark.parametrize(
    "query",
    ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>"],
)
def test_the_query_is_escaped_everywhere(client, query):
    responses = [
        client.get("/", query_string={"q": query, "per_page": "2"}),
        client.get("/", query_string={"q": query, "country": query}),  # a 400 page echoing both
        client.get("/nowhere", query_string={"q": query}),  # the error page keeps the query in the box
    ]
    assert [r.status_code for r in responses] == [200, 400, 404]
    for response in responses:
        text = response.get_data(as_text=True)
        assert "<script>alert" not in text and "<img src=x" not in text and "<svg onload" not in text
        assert Html(text).one("input", id="q")["value"] == query  # kept in the box, as an attribute value
        assert not any(name.startswith("on") for _, attrs in Html(text).tags for name in attrs)


def test_no_inline_script_or_style_and_the_csp_header(client, tmp_path: Path):
    missing = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True}).test_client()
    responses = [
        client.get("/?q=migrants&country=KG"),
        client.get("/?q=zzzzqqq"),
        client.get("/?page=-1"),
        client.get(f"/documents/{GUINEA}"),
        client.get("/documents/nope"),
        client.get("/nowhere"),
        missing.get("/"),
    ]
    for response in responses:
        assert response.headers["Content-Security-Policy"] == HEADERS["Content-Security-Policy"]
        page = Html(response.get_data(as_text=True))
        scripts = page.find("script")
        assert scripts and all(s.get("src", "").startswith("/static/") for s in scripts), response.request.path
        assert "<script>" not in page.source
        assert not any("style" in attrs for _, attrs in page.tags), response.request.path
        assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
        assert not page.find("style")
        assert all(not a["href"].startswith(("http:", "https:", "//")) for a in page.find("link"))


def test_static_files_are_served(client):
    for name in ("style.css", "app.js", "favicon.svg"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and response.data
        response.close()


# -- bad requests and errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=-1", "Le numéro de page doit être 1 ou plus."),
        ("page=abc", "« abc » n’est pas un nombre entier (numéro de page)."),
        ("sort=xyz", "Tri inconnu « xyz » : choisissez « pertinence », « plus récents » ou « budget »."),
        ("per_page=1000", "Le nombre de résultats par page doit être compris entre 1 et 100."),
        ("year_from=abc", "« abc » n’est pas un nombre entier (année de début)."),
        ("year_from=2023&year_to=2021", "L’année de début (2023) est après l’année de fin (2021)."),
        ("country=Atlantide", "Pays inconnu « Atlantide »"),
        ("page=9999", "Page trop lointaine"),
    ],
)
def test_bad_parameters_give_a_clear_french_message(client, query, message):
    page = get(client, f"/?q=migrants&{query}", status=400)
    assert "Paramètres de recherche invalides" in page.text
    assert message in page.text
    assert page.one("input", id="q")["value"] == "migrants"
    assert page.one("a", href="/?q=migrants")  # the same search without the bad parameters


def test_unknown_document_and_route_are_french_404_pages(client):
    for url in ("/documents/nope", "/documents/../../etc/passwd", "/nowhere"):
        page = get(client, url, status=404)
        assert "Page introuvable" in page.text and page.one("html")["lang"] == "fr"
    response = client.get("/api/nothing")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_on_a_page_is_an_html_405(client):
    response = client.post("/")
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]


def test_missing_index_is_a_french_page_saying_to_run_make_reindex(tmp_path: Path):
    client = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True}).test_client()
    for url in ("/?q=migrants", f"/documents/{GUINEA}"):
        page = get(client, url, status=503)
        assert "Index de recherche absent" in page.text and "make reindex" in page.text
    assert client.get("/healthz").get_json()["error"]["code"] == "index_missing"


# -- the document page ----------------------------------------------------------------------


def test_document_page_shows_metadata_and_text(client):
    page = get(client, f"/documents/{KG_HEALTH}")
    title = re.search(r"<h1>([^<]+)</h1>", page.source)[1]
    assert title.startswith("Kirghizistan : Sensibilisation des migrants à la pollution atmosphérique")
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>', page.source))
    rows = {k: v.replace("\u202f", " ").replace("\u00a0", " ") for k, v in rows.items()}
    assert rows["Pays"] == "Kirghizistan" and rows["Année"] == "2021"
    assert rows["Date de début"] == "2021" and rows["Date de fin"] == "2023"
    assert rows["Statut"] == "Achevé" and rows["Type de projet"].startswith("Promotion de la santé")
    assert rows["Budget"] == "300 000 USD"
    assert rows["Couverture"] == "National" and rows["Région"] == "Asie et Océanie"
    assert rows["Code projet"] == "MA.0514" and rows["Identifiant Prima"] == "KG10P0513"
    assert rows["Source"] == f"{KG_HEALTH}.txt"  # the file name, not the server's path
    assert len(page.find("p")) > 3 and "Bichkek" in page.text
    assert page.one("link", rel="alternate")["href"] == f"/api/documents/{KG_HEALTH}"
    assert "Retour à la recherche" in page.text and len(page.find("a", href="/")) == 2  # brand and back link


def test_news_document_shows_its_dateline(client):
    page = get(client, f"/documents/{BELARUS}")
    assert "Lieu (dateline) Minsk" in page.text and "Communiqué" in page.text
    assert "Budget" not in page.text  # no empty rows


def test_related_documents_prefer_the_same_country(client):
    page = get(client, f"/documents/{KG_HEALTH}")
    assert "Documents liés" in page.text
    section = page.source[page.source.index('<aside class="related"') :]
    related = re.findall(r'<li>\s*<a href="/documents/([^"]+)"', section)
    assert related[0] == KG_COHESION and KG_HEALTH not in related
    assert "Même pays" in section
    guinea = get(client, f"/documents/{GUINEA}").source
    guinea_related = re.findall(
        r'<li>\s*<a href="/documents/([^"]+)"', guinea[guinea.index('<aside class="related"') :]
    )
    assert GUINEA not in guinea_related and {KG_HEALTH, KG_COHESION} <= set(guinea_related)


def test_analysis_inspector_page_shows_each_stage(client):
    response = client.get("/analyse", query_string={"text": "L’OIM et les réfugiées"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<code>refug</code>" in html and "mot vide" in html and "L’OIM" in html
    assert 'href="/api/analyze?text=' in html
    assert client.get("/analyse", query_string={"text": "x" * 2001}).status_code == 400
    escaped = client.get("/analyse", query_string={"text": "<script>alert(1)</script>"}).get_data(as_text=True)
    assert "<script>alert" not in escaped


# -- filters understood in the query ----------------------------------------------------------


def test_understood_filters_are_chips_that_give_the_words_back_to_the_text(client):
    page = get(client, "/?q=sant%C3%A9+Bichkek+2021+projets+achev%C3%A9s")
    chips = page.find("a", **{"class": "chip chip-understood"})
    assert "Filtres reconnus :" in page.text
    assert "Pays Kirghizistan ✕" in page.text and "Année 2021 ✕" in page.text
    assert "Type de page Projet ✕" in page.text and "Statut Achevé ✕" in page.text
    first = params(chips[0]["href"])
    assert first == [("q", "santé Bichkek 2021 projets achevés"), ("ignore", "country:KG")]
    exact = params(page.one("a", **{"class": "exact-text"})["href"])
    assert exact == [("q", "santé Bichkek 2021 projets achevés"), ("understand", "0")]
    assert re.search(r"\b1 résultat\b", page.text)
    # the facet box of an understood value is ticked but locked: its chip is the way to remove it
    assert re.search(r'name="country" value="KG" checked disabled', page.source)


def test_ignoring_an_understood_filter_keeps_the_others(client):
    page = get(client, "/?q=sant%C3%A9+Bichkek+2021+projets&ignore=country:KG")
    assert "Pays Kirghizistan ✕" not in page.text and "Année 2021 ✕" in page.text
    hidden = {(a["name"], a["value"]) for a in page.find("input", type="hidden")}
    assert ("ignore", "country:KG") in hidden  # kept when facets or sort change


def test_exact_text_mode_shows_no_understood_chips(client):
    page = get(client, "/?q=Bichkek+2021&understand=0")
    assert page.find("a", **{"class": "chip chip-understood"}) == []
    assert "Filtres reconnus" not in page.text


def test_active_year_and_kind_facets_are_listed(client):
    page = get(client, "/")
    assert facet_item(page, "active_year", "2023") == ("2023", 2, False)
    assert facet_item(page, "kind", "news") == ("Communiqué", 2, False)
    assert "En cours en" in page.text and "Type de page" in page.text
    chosen = get(client, "/?active_year=2024&active_from=2020")
    assert "En cours en : 2024 ✕" in chosen.text and "En cours depuis 2020" in chosen.text
    assert re.search(r"\b1 résultat\b", chosen.text)
