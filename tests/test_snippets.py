"""Snippets and highlights: original words marked, text escaped, the densest passage chosen."""

from __future__ import annotations

import re

from search.analysis import tokens
from search.results import highlight
from search.results.snippets import SNIPPET_WORDS, snippet


def terms(query: str) -> set[str]:
    return set(tokens(query))


def plain(html_text: str) -> str:
    return re.sub(r"</?mark>", "", html_text)


def marked(html_text: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html_text)


def test_highlight_marks_original_spelling():
    html_text = highlight("La Guinée accueille des migrantes", terms("guinee migrant"))
    assert marked(html_text) == ["Guinée", "migrantes"]


def test_elided_article_stays_outside_the_mark():
    for text in ("l’OIM aide", "L'OIM aide"):
        assert marked(highlight(text, terms("OIM"))) == ["OIM"]
        assert highlight(text, terms("OIM")).startswith(("l’<mark>", "L&#x27;<mark>"))


def test_compound_is_marked_once():
    html_text = highlight("une croissance socio-économique durable", terms("socio-économique"))
    assert marked(html_text) == ["socio-économique"]


def test_everything_but_the_marks_is_escaped():
    html_text = highlight('<script>alert("OIM")</script> & <b>OIM</b>', terms("script OIM"))
    assert "<script" not in html_text and "<b>" not in html_text
    assert re.sub(r"</?mark>", "", html_text).count("<") == 0
    assert "&lt;<mark>script</mark>&gt;" in html_text
    assert "&amp;" in html_text


def test_snippet_picks_the_densest_cluster():
    filler = " ".join(f"remplissage{i}" for i in range(60))
    body = f"Un xylophone au début. {filler} Ici le xylophone, la trompette et le violon jouent ensemble. {filler} fin."
    html_text = snippet(body, terms("xylophone trompette violon"))
    assert marked(html_text) == ["xylophone", "trompette", "violon"]
    assert html_text.startswith("… ") and html_text.endswith(" …")
    assert "début" not in html_text
    assert len(plain(html_text).split()) <= SNIPPET_WORDS + 2  # words plus the two ellipses


def test_snippet_prefers_distinct_words_over_repeats():
    filler = " ".join(f"mot{i}" for i in range(60))
    body = f"migrants migrants migrants migrants {filler} migrants santé {filler}"
    html_text = snippet(body, terms("migrants santé"))
    assert "<mark>santé</mark>" in html_text


def test_title_only_match_gives_the_start_of_the_body():
    body = " ".join(f"mot{i}" for i in range(100))
    html_text = snippet(body, terms("introuvable"))
    assert html_text == " ".join(f"mot{i}" for i in range(SNIPPET_WORDS)) + " …"


def test_short_body_is_whole_without_ellipsis():
    assert snippet("La santé des migrants.", terms("santé")) == "La <mark>santé</mark> des migrants."


def test_line_breaks_become_spaces_and_empty_body_gives_empty_snippet():
    assert snippet("Santé\n\n- des migrants", terms("migrants")) == "Santé - des <mark>migrants</mark>"
    assert snippet("", terms("migrants")) == ""


def _offsets(text, terms):
    from search.analysis import french_analyzer

    return [
        (t.pos, t.text, t.startchar, t.endchar)
        for t in french_analyzer()(text, positions=True, chars=True)
        if t.text in terms
    ]


def test_snippet_from_stored_offsets_marks_the_densest_cluster_in_original_spelling():
    from search.results import snippet_from_offsets

    filler = " ".join(f"mot{i}" for i in range(80))
    body = f"Les migrants arrivent. {filler} À Conakry, l’OIM aide les migrantes en Guinée. {filler}"
    terms = {"migr", "oim", "guin"}
    html = snippet_from_offsets(body, _offsets(body, terms))
    assert "<mark>OIM</mark>" in html and "<mark>migrantes</mark>" in html and "<mark>Guinée</mark>" in html
    assert html.startswith("… ") and html.endswith(" …")
    assert len(html.replace("<mark>", "").replace("</mark>", "").split()) <= 34


def test_snippet_from_offsets_escapes_everything_but_marks():
    from search.results import snippet_from_offsets

    body = 'Avant <script>alert(1)</script> les "migrants" & <b>la santé</b> après.'
    html = snippet_from_offsets(body, _offsets(body, {"migr", "sant"}))
    assert "<script>" not in html and "<b>" not in html
    assert "<mark>migrants</mark>" in html and "<mark>santé</mark>" in html and "&amp;" in html
