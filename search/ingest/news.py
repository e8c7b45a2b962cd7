"""News items, stories and other pages: title, dateline, kind, and the facets of a news item.

- news: title, then a dateline `Place - text` (place checked against the gazetteer), perhaps
  after a `Communiqué` / `Global` / `Local` header, a photo caption or a summary paragraph;
- story: the page starts with the dateline itself (`Obock, 15 Nov 2021 - ...`);
- other: country pages (`Facts and Figures`) and dialogue pages (`Type :`, `Créé en :`).
A page with a title and prose but none of these marks is taken as an old news item (many have
no dateline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.ingest.dates import event_year, title_year
from search.ingest.documents import Country, Document
from search.ingest.lines import derive_title, folded_start, trim_blank, unwrap
from search.ingest.name_keys import name_key
from search.ingest.places import country_of_place
from search.ingest.sheets import MAX_LABEL_CHARS, Sheet, title_country, year_in
from search.ingest.subjects import news_countries

__all__ = ["Article", "Dateline", "fill_article", "lead", "read_article"]

_HEADERS = {
    name_key(h) for h in ("Communiqué", "Communiqué de presse", "Global", "Local", "Press Release", "Actualités")
}
_DATELINE = re.compile(
    r"^\s*(?P<place>[^\W\d_][^\n]{0,90}?)\s*(?:[–—]|\s-(?=\s)|-(?=\s)|\s-(?=[A-ZÀ-Ý]))\s*(?P<rest>\S.*)$",
)
_CONTACT = re.compile(r"^(?:pour plus d'informations|pour de plus amples informations|for more information)")
_DIALOGUE = re.compile(r"^\s*(?:Type|Cr[ée]{2} en|Date de cr[ée]ation)\s*:", re.IGNORECASE)
_FACTS = re.compile(r"^\s*(?:Facts and Figures|Faits et chiffres)\b", re.IGNORECASE)
_DATELINE_SEARCH_LINES = 8
_LEAD_PARAGRAPHS = 2  # the lead: the dateline's paragraph and the next; later mentions are in passing
_LEAD_MAX_CHARS = 1200  # bounds the lead of a page whose paragraphs are not marked
_PARAGRAPH_END = re.compile(r"[.!?…»”\"):;]\s*$")
_STORY_MIN_CHARS = 100  # a dated place, or a paragraph after it: not a title like `Niger - ...`


@dataclass
class Dateline:
    """`Place, date - text` at the head of a paragraph."""

    place: str  # the place as written, dates and parentheses removed
    raw_place: str  # everything before the dash (`Zinder (Niger)`, `Genève/ Port-au-Prince, 9 mars`)
    country: Country | None
    year: int | None
    rest: str  # text after the dash
    line: int = 0  # index of its line in the body


def _dateline(line: str) -> Dateline | None:
    """`Place - text` where the place is one the gazetteer knows (`Minsk`, `Conakry, Guinée (04/03/2016)`)."""
    match = _DATELINE.match(line)
    if not match:
        return None
    raw_place = match["place"].strip()
    if re.search(r"[:;!?«»\"“]|\.\s", raw_place) or len(raw_place.split()) > 12:
        return None
    country = country_of_place(raw_place)
    if country is None:
        return None
    place = re.sub(r"\s*\([^)]*\)", "", raw_place)
    place = re.split(r",\s*(?:le\s+)?\d", place, flags=re.IGNORECASE)[0]
    return Dateline(place.strip(" ,"), raw_place, country, event_year(raw_place), match["rest"])


def _find_dateline(lines: list[str]) -> Dateline | None:
    seen = 0
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        found = _dateline(line)
        if found is not None:
            found.line = index
            return found
        seen += 1
        if seen >= _DATELINE_SEARCH_LINES:
            return None
    return None


def _strip_headers(lines: list[str]) -> tuple[list[str], bool]:
    lines = trim_blank(lines)
    had_header = False
    while lines and len(lines[0]) < MAX_LABEL_CHARS and name_key(lines[0]).strip(" :|") in _HEADERS:
        had_header = True
        lines = trim_blank(lines[1:])
    return lines, had_header


@dataclass
class Article:
    """A news, story or other page as read: title and body (in `sheet`), kind, dateline."""

    sheet: Sheet
    kind: str
    dateline: Dateline | None


def read_article(lines: list[str]) -> Article:
    """Title, body and dateline of a news, story or other page; also its kind."""
    lines, had_header = _strip_headers(lines)
    sheet = Sheet()
    unwrapped = unwrap(lines)
    first = _dateline(unwrapped[0]) if unwrapped else None
    if first is not None and not had_header and (first.year or len(first.rest) >= _STORY_MIN_CHARS):
        sheet.body = unwrapped
        sheet.title = derive_title(first.rest)
        return Article(sheet, "story", first)
    sheet.title = lines[0].strip() if lines else ""
    sheet.body = unwrap(trim_blank(lines[1:]))
    dateline = _find_dateline(sheet.body)
    return Article(sheet, _article_kind(sheet, had_header, dateline), dateline)


def _article_kind(sheet: Sheet, had_header: bool, dateline: Dateline | None) -> str:
    if any(_FACTS.match(line) for line in sheet.body):
        return "other"
    if dateline is None and any(_DIALOGUE.match(line) for line in sheet.body[:15]):
        return "other"
    if had_header or dateline is not None:
        return "news"
    if any(_CONTACT.match(folded_start(line)) for line in sheet.body):
        return "news"
    prose = sum(len(line) for line in sheet.body if len(line.strip()) > 60)
    return "news" if prose >= 200 else "other"


def lead(body: list[str], dateline: Dateline | None) -> str:
    """What a reader takes in first: captions above the dateline, its paragraph and the next one.

    Without a dateline, the first two paragraphs. A paragraph ends with a sentence (hard-wrapped
    lines carry on), so the lead of a page with unmarked paragraphs stays a few sentences long.
    """
    start = dateline.line if dateline is not None else 0
    parts = [line.strip() for line in body[:start] if line.strip()]
    size, paragraphs = 0, 0
    for line in body[start:]:
        if not line.strip():
            continue
        parts.append(line.strip())
        size += len(line)
        paragraphs += bool(_PARAGRAPH_END.search(line))
        if paragraphs >= _LEAD_PARAGRAPHS or size >= _LEAD_MAX_CHARS:
            break
    return "\n".join(parts)


def _created_year(body: list[str]) -> int | None:
    for line in body[:15]:
        if re.match(r"^\s*(?:Cr[ée]{2} en|Date de cr[ée]ation)\s*:", line, re.IGNORECASE):
            return year_in(line)
    return None


def fill_article(doc: Document, article: Article) -> None:
    """Set the kind, dateline and facets of `doc` from its article.

    News and stories: the countries the title, dateline and lead are about (`subjects`), and the
    year of the event: the dateline's date, else a year the title gives, else the first event
    date of the lead (`dates`). Other pages: the one country of their title, the year created.
    """
    sheet, kind, dateline = article.sheet, article.kind, article.dateline
    doc.kind = kind
    doc.dateline = dateline.place if dateline is not None else None
    if kind == "other":
        doc.countries = [dateline.country] if dateline and dateline.country else title_country(sheet.title)
        doc.year = dateline.year if dateline else _created_year(sheet.body)
        return
    opening = lead(sheet.body, dateline)
    place = dateline.raw_place if dateline else None
    doc.countries = news_countries(sheet.title, place, opening, story=kind == "story")
    doc.year = (dateline.year if dateline else None) or title_year(sheet.title) or event_year(opening)
