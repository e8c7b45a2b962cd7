"""Parse one OIM/IOM page text file into a `Document`.

The pages are text dumps of iom.int pages. What this module does, in order:

1. Decode: UTF-8 (BOM stripped), else cp1252; refuse empty, binary and oversized files
   (`BadDocumentError` with a short reason). Carriage returns are dropped.
2. Remove the site's navigation block (`strip_navigation`): the longest leading run of lines from
   a vocabulary of menu entries and the OIM blurb, in French or Spanish, in the variants of the
   global, country and regional sites. Unknown menu-like lines are only dropped when a known last
   entry (`- 2030 AGENDA`, `- Agir`, `- Données et ressources`) follows, so real content is kept.
3. Recognise the layout and read its fields:
   - project sheet, dash layout (`-` / label / value) or bullet layout (`• label` / indented value);
   - innovation sheet (`Éléments d'innovation`, table `INFORMATIONS SUR LE PROJET |`). It has no
     title line: its title is the first sentence of the description, cut at a word boundary to
     `DERIVED_TITLE_CHARS`; a story page without a title gets one the same way;
   - news: title, then a dateline `Place - text` (place checked against the gazetteer), perhaps
     after a `Communiqué` / `Global` / `Local` header, a photo caption or a summary paragraph;
   - story: the page starts with the dateline itself (`Obock, 15 Nov 2021 - ...`);
   - other: country pages (`Facts and Figures`) and dialogue pages (`Type :`, `Créé en :`).
   A page with a title and prose but none of these marks is taken as an old news item (many have
   no dateline).

Facets are only taken from what the page states: a project's countries are its beneficiary states,
a news item's country is its dateline's, else the one country its title names; a news year comes
only from an explicit date (dateline, or a full date in the first paragraph). None beats a guess.
Text is kept as it is (lost characters like `mis en uvre` included); escaping is the renderer's job.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from search.errors import BadDocumentError
from search.ingest.documents import Country, Document, checksum_bytes
from search.ingest.places import country_of_place, find_countries, fold, split_countries

log = logging.getLogger(__name__)

__all__ = [
    "MAX_PAGE_BYTES",
    "MAX_TITLE_CHARS",
    "decode_page",
    "derive_title",
    "normalise_status",
    "parse_amount",
    "parse_page",
    "parse_pages",
    "parse_text",
    "strip_navigation",
]

MAX_PAGE_BYTES = 2_000_000
MAX_TITLE_CHARS = 500
DERIVED_TITLE_CHARS = 120
_MAX_CONTROL_SHARE = 0.05

# --------------------------------------------------------------------------------------------
# Decoding


def decode_page(data: bytes) -> str:
    """Text of a page file, or `BadDocumentError` saying why it is not a usable page."""
    if len(data) > MAX_PAGE_BYTES:
        raise BadDocumentError(f"file too large ({len(data):,} bytes, limit {MAX_PAGE_BYTES:,})")
    if not data.strip():
        raise BadDocumentError("empty file")
    if b"\x00" in data:
        raise BadDocumentError("binary file (NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise BadDocumentError("not text: neither UTF-8 nor cp1252") from None
    return _check_text(text)


def _check_text(text: str) -> str:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise BadDocumentError("empty file")
    if "\x00" in text:
        raise BadDocumentError("binary file (NUL bytes)")
    if len(_CONTROL.findall(text)) > _MAX_CONTROL_SHARE * len(text):
        raise BadDocumentError("binary file (mostly control characters)")
    return text


#: Control characters (Unicode category Cc) other than tab, newline and form feeds, and U+FFFD.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


# --------------------------------------------------------------------------------------------
# Navigation block

#: Menu entries of the iom.int navigation block, French and Spanish sites, one per line.
_NAV_VOCABULARY = """
Qui sommes nous
Qui sommes-nous
À propos
OIM Global
Structure
Structure organisationnelle
Directrice générale
Directeur général
Directrice générale adjointe chargée de la gestion et des réformes
Directrice générale adjointe chargée des opérations
Bureau du Chef de Cabinet
Bureau des partenariats, de la sensibilisation et de la communication
Bureau de la stratégie et de la performance institutionnelle
Notre travail
Ce que nous faisons
Partenariats
Où travaillons-nous
Où nous travaillons
Agir
Travailler avec nous
Engagez-vous
Données et recherche
Données et ressources
2030 Agenda
Agenda 2030
Programme 2030
Priorités transversales
Nos bureaux
Contactez-nous
Médias
Actualités
Ressources
Publications
Faire un don
Quiénes somos
Sobre la OIM
Acerca de
Estructura
Estructura organizativa
Directora General
Director General
Directora General Adjunta de Gestión y Reforma
Directora General Adjunta de Operaciones
Oficina del Jefe de Gabinete
Nuestro trabajo
Lo que hacemos
Alianzas
Asociaciones
Dónde trabajamos
Actúe
Participe
Involúcrese
Trabaje con nosotros
Trabajar con nosotros
Datos e investigación
Datos y recursos
Prioridades transversales
"""
_NAV_ENTRIES = {fold(entry) for entry in _NAV_VOCABULARY.strip().split("\n")}
_NAV_HEADINGS = tuple(
    fold(heading)
    for heading in ("Qui sommes nous", "Qui sommes-nous", "À propos", "Notre travail", "OIM Global")
    + ("Quiénes somos", "Acerca de", "Nuestro trabajo")
)
_BLURB_MARKERS = tuple(
    fold(m)
    for m in (
        "fait partie du système des Nations Unies",
        "en tant que principale organisation intergouvernementale",
        "forma parte del sistema de las Naciones Unidas",
        "como principal organización intergubernamental",
        "is part of the United Nations system",
    )
)
_TERMINAL_ENTRIES = {fold(e) for e in ("2030 Agenda", "Agenda 2030", "Agir", "Données et ressources")}
_MAX_BLURB_CHARS = 700
_MAX_MENU_CHARS = 70
_MAX_NAV_LOOKAHEAD = 80  # lines between an unknown menu entry and the block's known last entry
_MIN_NAV_ENTRIES = 3  # a block without a known last entry needs this many known entries
_LATE_NAV_LOOKAHEAD = 4  # the same, once a last entry was seen (`- Données et ressources`, ...)


def _nav_key(line: str) -> str:
    return fold(line.strip().lstrip("-•").strip())


def _is_nav_line(line: str, in_block: bool) -> bool:
    """A known menu entry, a bare `-`, or the OIM blurb glued to a menu heading."""
    stripped = line.strip()
    if stripped in ("", "-"):
        return True
    if len(stripped) > _MAX_BLURB_CHARS:
        return False
    key = _nav_key(stripped)
    if key in _NAV_ENTRIES:
        return True
    if not any(marker in key for marker in _BLURB_MARKERS):
        return False
    return in_block or key.startswith(_NAV_HEADINGS)


def _is_terminal(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("-") and _nav_key(stripped) in _TERMINAL_ENTRIES


def _is_menu_like(line: str) -> bool:
    """Short label without sentence punctuation: an unknown menu entry of a country site."""
    stripped = line.strip().lstrip("-").strip()
    return 0 < len(stripped) <= _MAX_MENU_CHARS and not re.search(r"[.:;!?|]\s*$|\d{4}", stripped)


def _terminal_ahead(lines: list[str], start: int, window: int) -> bool:
    for line in lines[start : start + window]:
        if _is_terminal(line):
            return True
        if not (_is_nav_line(line, True) or _is_menu_like(line)):
            return False
    return False


def _unknown_menu_entry(lines: list[str], index: int, terminal_seen: bool) -> bool:
    """An entry missing from the vocabulary, inside a block already recognised by known entries.

    Before the block's first known last entry any short label qualifies if a last entry follows;
    after it only `- ` entries right before another last entry do, so a title is never taken.
    """
    line = lines[index]
    if not _is_menu_like(line):
        return False
    if terminal_seen:
        return line.lstrip().startswith("-") and _terminal_ahead(lines, index, _LATE_NAV_LOOKAHEAD)
    return _terminal_ahead(lines, index, _MAX_NAV_LOOKAHEAD)


def strip_navigation(lines: list[str]) -> list[str]:
    """Lines after the site's leading navigation block (all of them when there is none).

    The block is the longest leading run of navigation lines: known menu entries, bare `-`, the OIM
    blurb, and unknown menu-like entries once known ones were seen and a known last entry
    (`- 2030 Agenda`, ...) follows. When the run holds a last entry the block ends at the final one,
    so a page whose title happens to be a menu word keeps it.
    """
    end = 0
    last_terminal: int | None = None
    known = 0
    while end < len(lines):
        line = lines[end]
        if _is_nav_line(line, known > 0):
            known += line.strip() not in ("", "-")
        elif not (known and _unknown_menu_entry(lines, end, last_terminal is not None)):
            break
        if _is_terminal(line):
            last_terminal = end
        end += 1
    if last_terminal is not None:
        return lines[last_terminal + 1 :]
    if known >= _MIN_NAV_ENTRIES:
        return lines[end:]
    return lines  # one or two menu words at the top are a title, not a menu


# --------------------------------------------------------------------------------------------
# Lines


_LIST_ITEM = re.compile(r"^(\s*)([-–•·▪◦●*])\s{2,}(?=\S)")
_BULLET = re.compile(r"^\s*[•·▪◦●]\s+(?P<label>\S.*)$")
_URL_LINE = re.compile(r"^(?:URL\s*:\s*|Source\s*:\s*)?(?P<url>https?://\S+)$", re.IGNORECASE)


def _clean_lines(text: str) -> list[str]:
    """Lines without trailing blanks; space-only lines empty; `-      item` → `- item`."""
    lines = []
    for raw in text.split("\n"):
        line = raw.rstrip()
        line = _LIST_ITEM.sub(lambda m: f"{m.group(1)}{m.group(2)} ", line)
        lines.append(line)
    return lines


def _trim_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _is_hard_wrapped(lines: list[str]) -> bool:
    """Bodies cut at ~60 characters: most prose lines of similar, short length."""
    prose = [len(line) for line in lines if len(line.strip()) >= 30]
    return len(prose) >= 5 and sum(1 for n in prose if n <= 80) >= 0.8 * len(prose)


def _unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines into paragraphs; list items and short lines end a paragraph."""
    if not _is_hard_wrapped(lines):
        return lines
    paragraphs: list[list[str]] = []
    for line in lines:
        stripped = line.strip()
        if paragraphs and _continues(paragraphs[-1][-1].strip(), stripped):
            paragraphs[-1].append(stripped)
        else:
            paragraphs.append([line])
    return [" ".join(parts) for parts in paragraphs]


def _continues(previous: str, line: str) -> bool:
    """`line` carries on the wrapped line `previous` (full width, no sentence end, not a list item)."""
    if not line or len(previous) < 40 or _LIST_START.match(line):
        return False
    return line[:1].islower() or not re.search(r"[.!?:;|»]$", previous)


_LIST_START = re.compile(r"^(?:[-–•·▪◦●*]\s|\d+[.)]\s)")


# --------------------------------------------------------------------------------------------
# Field values


_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d|2100)\b")
_STATUS = {
    "Achevé": set("acheve achevee termine terminee completed complete closed clos cloture".split()),
    "Actif": set("actif active ongoing open ouvert".split()) | {"en cours", "in progress"},
}


def _year(value: str | None) -> int | None:
    match = _YEAR.search(value or "")
    return int(match.group(1)) if match else None


def normalise_status(value: str | None) -> str | None:
    """`Achevé`/`achevé`/`Acheve`/`Completed` → `Achevé`; `Actif`/`Active` → `Actif`; else None."""
    key = fold(value or "").strip(" .")
    for status, spellings in _STATUS.items():
        if key in spellings:
            return status
    return None


_AMOUNT = re.compile(r"\d[\d\s\u00a0\u202f.,']*")
_MILLION = re.compile(r"^\s*(?:millions?|mio)\b", re.IGNORECASE)


def parse_amount(value: str | None) -> float | None:
    """`300000.00`, `100 000 dollars É.-U.`, `1 250 000,50`, `1,5 million` → a float; else None."""
    if not value:
        return None
    match = _AMOUNT.search(value)
    if not match:
        return None
    digits = re.sub(r"[\s\u00a0\u202f']", "", match.group(0)).rstrip(".,")
    number = _number(digits)
    if number is None:
        return None
    if _MILLION.search(value[match.end() :]):
        number *= 1_000_000
    return number


def _number(digits: str) -> float | None:
    if "," in digits and "." in digits:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        digits = digits.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in digits:
        thousands = re.fullmatch(r"\d{1,3}(,\d{3})+", digits)
        digits = digits.replace(",", "") if thousands else digits.replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3}){2,}", digits):
        digits = digits.replace(".", "")
    try:
        return float(digits)
    except ValueError:
        return None


def _text_or_none(value: str | None) -> str | None:
    value = (value or "").strip(" |")
    return value or None


# --------------------------------------------------------------------------------------------
# Field labels of project and innovation sheets

_MAX_LABEL_CHARS = 120

_LABELS = {
    fold(label): name
    for label, name in (
        ("Date de début", "start"),
        ("Start Date", "start"),
        ("Date de fin", "end"),
        ("End Date", "end"),
        ("Statut du projet", "status"),
        ("Statut", "status"),
        ("Project Status", "status"),
        ("Type de projet", "type"),
        ("Project Type", "type"),
        ("Budget Amount (USD)", "budget"),
        ("Budget (USD)", "budget"),
        ("Montant du budget (USD)", "budget"),
        ("Montant du financement", "budget"),
        ("Couverture", "coverage"),
        ("Coverage", "coverage"),
        ("Année", "year"),
        ("Year", "year"),
        ("IDF Region", "region"),
        ("Région FDI", "region"),
        ("Région IDF", "region"),
        ("Prima ID", "prima_id"),
        ("Projet ID", "project_code"),
        ("Project ID", "project_code"),
        ("ID du projet", "project_code"),
        ("Code", "project_code"),
        ("Etat(s) membre(s) beneficiaires remplissant les conditions requises", "countries"),
        ("Eligible Member State(s) Benefiting", "countries"),
        ("Pays bénéficiaire(s)", "countries"),
        ("Pays bénéficiaires", "countries"),
        ("Other Countries Benefiting at Time of Allocation", "other_countries"),
        ("Mission", "mission"),
        ("Durée", "duration"),
    )
}


def _label_name(label: str) -> str | None:
    if len(label) > _MAX_LABEL_CHARS:
        return None
    key = fold(label).strip(" :|")
    if key in _LABELS:
        return _LABELS[key]
    if "benefici" in key or "benefiting" in key:
        return "other_countries" if key.startswith("other") else "countries"
    return None


def _head(line: str, size: int = 60) -> str:
    """Folded start of a line, for prefix tests that must stay cheap on very long lines."""
    return fold(line[:size])


@dataclass
class _Sheet:
    """What a layout reader found: title, own text and raw field values by name."""

    title: str = ""
    body: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


def _put(fields: dict[str, str], label: str, value: str) -> None:
    name = _label_name(label)
    if name is None:
        log.debug("unknown field %r", label)
        return
    if value.strip() and name not in fields:
        fields[name] = value.strip()


# --------------------------------------------------------------------------------------------
# Dash layout: title, then `-` / label / value, then the description


def _dash_fields_start(lines: list[str]) -> int | None:
    starts = [i for i in range(len(lines) - 1) if lines[i].strip() == "-" and _label_name(lines[i + 1])]
    return starts[0] if len(starts) >= 2 else None


def _is_field_start(lines: list[str], i: int) -> bool:
    """A bare `-` followed by a label (known, or short and followed by a short value).

    Any other `-` line belongs to the text, so a description using `-` as a separator is kept.
    """
    if lines[i].strip() != "-" or i + 1 >= len(lines):
        return False
    label = lines[i + 1].strip()
    if _label_name(label):
        return True
    short_label = 0 < len(label) <= 80 and not label.endswith((".", "!", "?", ":"))
    return short_label and i + 2 < len(lines) and 0 < len(lines[i + 2].strip()) <= 200


def _read_dash_layout(lines: list[str]) -> _Sheet | None:
    start = _dash_fields_start(lines)
    if start is None:
        return None
    sheet = _Sheet(title=" ".join(line.strip() for line in lines[:start] if line.strip()))
    i = start
    while i + 1 < len(lines) and _is_field_start(lines, i):
        label = lines[i + 1].strip()
        j = i + 2
        values = []
        while j < len(lines) and not _is_field_start(lines, j):
            values.append(lines[j])
            j += 1
        if j < len(lines):  # another field follows: everything up to it is this value
            _put(sheet.fields, label, " ".join(v.strip() for v in values if v.strip()))
            i = j
            continue
        rest = _trim_blank(values)
        if rest and _is_last_value(label, rest[0]):
            _put(sheet.fields, label, rest[0])
            rest = rest[1:]
        sheet.body = rest
        break
    return sheet


def _is_last_value(label: str, line: str) -> bool:
    """The line after the last label is its value, unless it is already the description."""
    if _label_name(label) in ("countries", "other_countries"):
        return bool(split_countries(line)) and len(line) <= 400
    return len(line) <= 200


# --------------------------------------------------------------------------------------------
# Bullet layout: title, blank line, `  • Label` / `    value` pairs


def _read_bullet_layout(lines: list[str]) -> _Sheet | None:
    bullets = [i for i, line in enumerate(lines) if (m := _BULLET.match(line)) and _label_name(m["label"])]
    if len(bullets) < 2:
        return None
    sheet = _Sheet(title=" ".join(line.strip() for line in lines[: bullets[0]] if line.strip()))
    i = bullets[0]
    while i < len(lines):
        match = _BULLET.match(lines[i])
        if match is None:
            if lines[i].strip():
                sheet.body.append(lines[i])
            elif sheet.body:
                sheet.body.append("")
            i += 1
            continue
        j = i + 1
        values = []
        while j < len(lines) and lines[j][:1].isspace() and not _BULLET.match(lines[j]) and lines[j].strip():
            values.append(lines[j].strip())
            j += 1
        _put(sheet.fields, match["label"], " ".join(values))
        i = j
    sheet.body = _trim_blank(sheet.body)
    return sheet


# --------------------------------------------------------------------------------------------
# Innovation sheet


_INNOVATION_MARKS = tuple(fold(m) for m in ("Éléments d'innovation", "INFORMATIONS SUR LE PROJET"))
_ABOUT = fold("À propos du projet")
_TABLE_ROW = re.compile(r"^\s*(?P<label>[^:|]{2,60}?)\s*:\s*(?P<value>[^|]*?)\s*\|?\s*$")
_TABLE_RULE = re.compile(r"^[\s|:-]+$")


def _is_innovation(lines: list[str]) -> bool:
    """An innovation mark before any project-sheet field (a sheet's description may quote one)."""
    fields_start = _dash_fields_start(lines)
    head = lines if fields_start is None else lines[:fields_start]
    return any(_head(line).startswith(_INNOVATION_MARKS) for line in head)


def _read_innovation(lines: list[str]) -> _Sheet:
    sheet = _Sheet()
    in_table = False
    for line in lines:
        if _head(line).startswith(_INNOVATION_MARKS[1]):
            in_table = True
            continue
        if in_table and _TABLE_RULE.match(line):
            continue
        row = _TABLE_ROW.match(line) if in_table else None
        if row and _label_name(row["label"]):
            _put(sheet.fields, row["label"], row["value"])
            continue
        sheet.body.append(line)
    sheet.body = _trim_blank(sheet.body)
    first = sheet.body[0].strip() if sheet.body else ""
    if first and not _head(first).startswith(_INNOVATION_MARKS + (_ABOUT,)) and _looks_like_title(first):
        sheet.title = first
        sheet.body = _trim_blank(sheet.body[1:])
    else:
        sheet.title = derive_title(_description(sheet.body))
    return sheet


def _description(lines: list[str]) -> str:
    """The text under `À propos du projet`, else the first prose line."""
    for i, line in enumerate(lines):
        if len(line) < _MAX_LABEL_CHARS and fold(line) == _ABOUT:
            following = [rest for rest in lines[i + 1 :] if rest.strip()]
            if following:
                return following[0]
    prose = [line for line in lines if len(line.strip()) > 80]
    return prose[0] if prose else next((line for line in lines if line.strip()), "")


def _looks_like_title(line: str) -> bool:
    return len(line) <= 200 and not line.startswith("-") and not line.rstrip().endswith((".", ":", "|"))


# --------------------------------------------------------------------------------------------
# Titles


_SENTENCE_END = re.compile(r"(?<![A-Z])(?<!\b[MS]t)(?<!\bMme)(?<!\bM)[.!?…](?=\s+[A-ZÀ-Ý«\"“])")


def derive_title(text: str, limit: int = DERIVED_TITLE_CHARS) -> str:
    """First sentence of `text`, cut at a word boundary to `limit` characters (with `…`)."""
    text = " ".join(text.split())
    match = _SENTENCE_END.search(text)
    sentence = text[: match.start() + 1] if match else text
    return _cut(sentence, limit)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–") + "…"


# --------------------------------------------------------------------------------------------
# News, stories, other pages


_HEADERS = {fold(h) for h in ("Communiqué", "Communiqué de presse", "Global", "Local", "Press Release", "Actualités")}
_MONTH_WORDS = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "janv fevr mars avr mai juin juil aou sept oct nov dec",
)
_MONTHS = {fold(word): number for line in _MONTH_WORDS for number, word in enumerate(line.split(), start=1)}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_FULL_DATE = re.compile(
    rf"\b(?:1er|\d{{1,2}})\s+(?:{_MONTH_NAMES})\.?\s+(?P<year>(?:19|20)\d\d)\b"
    rf"|\b\d{{1,2}}[/.]\d{{1,2}}[/.](?P<year2>(?:19|20)\d\d)\b"
    rf"|\b(?:{_MONTH_NAMES})\.?\s+\d{{1,2}},\s+(?P<year3>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_DATELINE = re.compile(
    r"^\s*(?P<place>[^\W\d_][^\n]{0,90}?)\s*(?:[–—]|\s-(?=\s)|-(?=\s))\s*(?P<rest>\S.*)$",
)
_CONTACT = re.compile(r"^(?:pour plus d'informations|pour de plus amples informations|for more information)")
_DIALOGUE = re.compile(r"^\s*(?:Type|Cr[ée]{2} en|Date de cr[ée]ation)\s*:", re.IGNORECASE)
_FACTS = re.compile(r"^\s*(?:Facts and Figures|Faits et chiffres)\b", re.IGNORECASE)
_DATELINE_SEARCH_LINES = 8
_FIRST_PARAGRAPH_CHARS = 800  # where an event date is looked for; later dates are background
_STORY_MIN_CHARS = 100  # a dated place, or a paragraph after it: not a title like `Niger - ...`


@dataclass
class _Dateline:
    place: str  # the place as written, dates removed
    country: Country | None
    year: int | None
    rest: str  # text after the dash


def _full_date_year(text: str) -> int | None:
    match = _FULL_DATE.search(fold(text[:_FIRST_PARAGRAPH_CHARS]))
    if not match:
        return None
    return int(match["year"] or match["year2"] or match["year3"])


def _dateline(line: str) -> _Dateline | None:
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
    return _Dateline(place.strip(" ,"), country, _full_date_year(raw_place), match["rest"])


def _find_dateline(lines: list[str]) -> _Dateline | None:
    seen = 0
    for line in lines:
        if not line.strip():
            continue
        found = _dateline(line)
        if found is not None:
            return found
        seen += 1
        if seen >= _DATELINE_SEARCH_LINES:
            return None
    return None


def _strip_headers(lines: list[str]) -> tuple[list[str], bool]:
    lines = _trim_blank(lines)
    had_header = False
    while lines and len(lines[0]) < _MAX_LABEL_CHARS and fold(lines[0]).strip(" :|") in _HEADERS:
        had_header = True
        lines = _trim_blank(lines[1:])
    return lines, had_header


def _read_article(lines: list[str]) -> tuple[_Sheet, str, _Dateline | None]:
    """Title, body and dateline of a news, story or other page; also its kind."""
    lines, had_header = _strip_headers(lines)
    sheet = _Sheet()
    unwrapped = _unwrap(lines)
    first = _dateline(unwrapped[0]) if unwrapped else None
    if first is not None and not had_header and (first.year or len(first.rest) >= _STORY_MIN_CHARS):
        sheet.body = unwrapped
        sheet.title = derive_title(first.rest)
        return sheet, "story", first
    sheet.title = lines[0].strip() if lines else ""
    sheet.body = _unwrap(_trim_blank(lines[1:]))
    dateline = _find_dateline(sheet.body)
    return sheet, _article_kind(sheet, had_header, dateline), dateline


def _article_kind(sheet: _Sheet, had_header: bool, dateline: _Dateline | None) -> str:
    if any(_FACTS.match(line) for line in sheet.body):
        return "other"
    if dateline is None and any(_DIALOGUE.match(line) for line in sheet.body[:15]):
        return "other"
    if had_header or dateline is not None:
        return "news"
    if any(_CONTACT.match(_head(line)) for line in sheet.body):
        return "news"
    prose = sum(len(line) for line in sheet.body if len(line.strip()) > 60)
    return "news" if prose >= 200 else "other"


def _first_paragraph(body: list[str], dateline: _Dateline | None) -> str:
    if dateline is not None:
        return dateline.rest
    return next((line for line in body if len(line.strip()) > 60), "")


def _created_year(body: list[str]) -> int | None:
    for line in body[:15]:
        if re.match(r"^\s*(?:Cr[ée]{2} en|Date de cr[ée]ation)\s*:", line, re.IGNORECASE):
            return _year(line)
    return None


# --------------------------------------------------------------------------------------------
# Countries


def _title_country(title: str) -> list[Country]:
    """The one country a title is about; none when it names several (donor and host, ...)."""
    found = {match.country.code: match.country for match in find_countries(title)}
    return list(found.values()) if len(found) == 1 else []


def _field_countries(fields: dict[str, str]) -> list[Country]:
    countries: dict[str, Country] = {}
    for name in ("countries", "other_countries"):
        for country in split_countries(fields.get(name, "")):
            countries.setdefault(country.code, country)
    if not countries and fields.get("mission"):
        for match in find_countries(fields["mission"]):
            countries.setdefault(match.country.code, match.country)
    return list(countries.values())


# --------------------------------------------------------------------------------------------
# Assembly


def _finish_title(title: str, body: list[str]) -> tuple[str, list[str]]:
    """Cap an absurd title; its full text then stays at the top of the body, so nothing is lost."""
    title = " ".join(title.split())
    if len(title) <= MAX_TITLE_CHARS:
        return title, body
    return _cut(title, MAX_TITLE_CHARS), [title, *body]


def _take_url(lines: list[str]) -> tuple[str | None, list[str]]:
    for index in [*range(min(3, len(lines))), *range(max(0, len(lines) - 3), len(lines))]:
        match = _URL_LINE.match(lines[index].strip())
        if match:
            return match["url"], lines[:index] + lines[index + 1 :]
    return None, lines


def _sheet_document(doc: Document, sheet: _Sheet, kind: str) -> None:
    fields = sheet.fields
    doc.kind = kind
    doc.start_year = _year(fields.get("start"))
    doc.end_year = _year(fields.get("end"))
    doc.year = _year(fields.get("year")) or doc.start_year
    doc.status = normalise_status(fields.get("status"))
    doc.type = _text_or_none(fields.get("type"))
    doc.budget_usd = parse_amount(fields.get("budget"))
    doc.coverage = _text_or_none(fields.get("coverage"))
    doc.region = _text_or_none(fields.get("region"))
    doc.project_code = _text_or_none(fields.get("project_code"))
    doc.prima_id = _text_or_none(fields.get("prima_id"))
    doc.countries = _field_countries(fields) or _title_country(sheet.title)


def _article_document(doc: Document, sheet: _Sheet, kind: str, dateline: _Dateline | None) -> None:
    doc.kind = kind
    if dateline is not None:
        doc.dateline = dateline.place
        doc.countries = [dateline.country] if dateline.country else []
        doc.year = dateline.year
    if not doc.countries:
        doc.countries = _title_country(sheet.title)
    if doc.year is None and kind in ("news", "story"):
        doc.year = _full_date_year(_first_paragraph(sheet.body, dateline))
    if doc.year is None and kind == "other":
        doc.year = _created_year(sheet.body)


def _read_sheet(lines: list[str]) -> tuple[_Sheet, str, _Dateline | None]:
    if _is_innovation(lines):
        return _read_innovation(lines), "innovation", None
    for reader in (_read_dash_layout, _read_bullet_layout):
        sheet = reader(lines)
        if sheet is not None:
            return sheet, "project", None
    return _read_article(lines)


def parse_text(text: str, doc_id: str, source: str | None = None, checksum: str | None = None) -> Document:
    """Parse the text of one page into a record; `BadDocumentError` if there is no page in it."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PAGE_BYTES:
        raise BadDocumentError(f"page too large (limit {MAX_PAGE_BYTES:,} bytes)")
    text = _check_text(text)
    if checksum is None:
        checksum = checksum_bytes(text.encode("utf-8", "surrogatepass"))
    lines = _trim_blank(strip_navigation(_clean_lines(text)))
    if not any(line.strip() for line in lines):
        raise BadDocumentError("navigation block only, no text of its own")
    url, lines = _take_url(lines)
    sheet, kind, dateline = _read_sheet(lines)
    title, body = _finish_title(sheet.title, sheet.body)
    body_text = "\n".join(body).strip()
    doc = Document(id=doc_id, title=title, body=body_text, url=url, source=source, checksum=checksum)
    if kind in ("project", "innovation"):
        _sheet_document(doc, sheet, kind)
    else:
        _article_document(doc, sheet, kind, dateline)
    if not doc.title and not doc.body:
        raise BadDocumentError("no text of its own")
    return doc


def parse_page(path: str | Path) -> Document:
    """Parse one page file; its id is the file name without extension."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_PAGE_BYTES:
            raise BadDocumentError(f"file too large ({size:,} bytes, limit {MAX_PAGE_BYTES:,})")
        data = path.read_bytes()
    except OSError as exc:
        raise BadDocumentError(f"cannot read file: {exc.strerror or exc}") from None
    text = decode_page(data)
    return parse_text(text, path.stem, source=str(path), checksum=checksum_bytes(data))


def parse_pages(paths: Iterable[str | Path]) -> list[Document]:
    """Parse several files, logging and skipping the bad ones (`file: reason`)."""
    documents = []
    for path in paths:
        try:
            documents.append(parse_page(path))
        except BadDocumentError as exc:
            log.warning("%s: %s", path, exc)
    return documents
