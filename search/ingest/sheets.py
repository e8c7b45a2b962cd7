"""Project and innovation sheets: layouts, field labels, and the values read from them.

Three layouts: the dash layout (`-` / label / value, then the description), the bullet layout
(`• label` / indented value) and the innovation sheet (`Éléments d'innovation`, table
`INFORMATIONS SUR LE PROJET |`), which has no title line: its title is the first sentence of its
description. A sheet's countries are its beneficiary states as written; values are only taken from
what the sheet states.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from search.ingest.documents import Country, Document
from search.ingest.lines import derive_title, folded_start, trim_blank
from search.ingest.name_keys import name_key
from search.ingest.places import find_countries, split_countries

log = logging.getLogger(__name__)

__all__ = [
    "MAX_LABEL_CHARS",
    "Sheet",
    "fill_sheet",
    "normalise_status",
    "parse_amount",
    "read_sheet",
    "text_or_none",
    "year_in",
]

_BULLET = re.compile(r"^\s*[•·▪◦●]\s+(?P<label>\S.*)$")

# --------------------------------------------------------------------------------------------
# Field values


_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d|2100)\b")
_STATUS = {
    "Achevé": set("acheve achevee termine terminee completed complete closed clos cloture".split()),
    "Actif": set("actif active ongoing open ouvert".split()) | {"en cours", "in progress"},
}


def year_in(value: str | None) -> int | None:
    match = _YEAR.search(value or "")
    return int(match.group(1)) if match else None


def normalise_status(value: str | None) -> str | None:
    """`Achevé`/`achevé`/`Acheve`/`Completed` → `Achevé`; `Actif`/`Active` → `Actif`; else None."""
    key = name_key(value or "").strip(" .")
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


def text_or_none(value: str | None) -> str | None:
    value = (value or "").strip(" |")
    return value or None


# --------------------------------------------------------------------------------------------
# Field labels of project and innovation sheets

MAX_LABEL_CHARS = 120

_LABELS = {
    name_key(label): name
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


def label_name(label: str) -> str | None:
    if len(label) > MAX_LABEL_CHARS:
        return None
    key = name_key(label).strip(" :|")
    if key in _LABELS:
        return _LABELS[key]
    if "benefici" in key or "benefiting" in key:
        return "other_countries" if key.startswith("other") else "countries"
    return None


@dataclass
class Sheet:
    """What a layout reader found: title, own text and raw field values by name."""

    title: str = ""
    body: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


def _put(fields: dict[str, str], label: str, value: str) -> None:
    name = label_name(label)
    if name is None:
        log.debug("unknown field %r", label)
        return
    if value.strip() and name not in fields:
        fields[name] = value.strip()


# --------------------------------------------------------------------------------------------
# Dash layout: title, then `-` / label / value, then the description


def _dash_fields_start(lines: list[str]) -> int | None:
    starts = [i for i in range(len(lines) - 1) if lines[i].strip() == "-" and label_name(lines[i + 1])]
    return starts[0] if len(starts) >= 2 else None


def _is_field_start(lines: list[str], i: int) -> bool:
    """A bare `-` followed by a label (known, or short and followed by a short value).

    Any other `-` line belongs to the text, so a description using `-` as a separator is kept.
    """
    if lines[i].strip() != "-" or i + 1 >= len(lines):
        return False
    label = lines[i + 1].strip()
    if label_name(label):
        return True
    short_label = 0 < len(label) <= 80 and not label.endswith((".", "!", "?", ":"))
    return short_label and i + 2 < len(lines) and 0 < len(lines[i + 2].strip()) <= 200


def read_dash_layout(lines: list[str]) -> Sheet | None:
    start = _dash_fields_start(lines)
    if start is None:
        return None
    sheet = Sheet(title=" ".join(line.strip() for line in lines[:start] if line.strip()))
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
        rest = trim_blank(values)
        if rest and _is_last_value(label, rest[0]):
            _put(sheet.fields, label, rest[0])
            rest = rest[1:]
        sheet.body = rest
        break
    return sheet


def _is_last_value(label: str, line: str) -> bool:
    """The line after the last label is its value, unless it is already the description."""
    if label_name(label) in ("countries", "other_countries"):
        return bool(split_countries(line)) and len(line) <= 400
    return len(line) <= 200


# --------------------------------------------------------------------------------------------
# Bullet layout: title, blank line, `  • Label` / `    value` pairs


def read_bullet_layout(lines: list[str]) -> Sheet | None:
    bullets = [i for i, line in enumerate(lines) if (m := _BULLET.match(line)) and label_name(m["label"])]
    if len(bullets) < 2:
        return None
    sheet = Sheet(title=" ".join(line.strip() for line in lines[: bullets[0]] if line.strip()))
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
    sheet.body = trim_blank(sheet.body)
    return sheet


# --------------------------------------------------------------------------------------------
# Innovation sheet


_INNOVATION_MARKS = tuple(name_key(m) for m in ("Éléments d'innovation", "INFORMATIONS SUR LE PROJET"))
_ABOUT = name_key("À propos du projet")
_TABLE_ROW = re.compile(r"^\s*(?P<label>[^:|]{2,60}?)\s*:\s*(?P<value>[^|]*?)\s*\|?\s*$")
_TABLE_RULE = re.compile(r"^[\s|:-]+$")


def is_innovation(lines: list[str]) -> bool:
    """An innovation mark before any project-sheet field (a sheet's description may quote one)."""
    fields_start = _dash_fields_start(lines)
    head = lines if fields_start is None else lines[:fields_start]
    return any(folded_start(line).startswith(_INNOVATION_MARKS) for line in head)


def read_innovation(lines: list[str]) -> Sheet:
    sheet = Sheet()
    in_table = False
    for line in lines:
        if folded_start(line).startswith(_INNOVATION_MARKS[1]):
            in_table = True
            continue
        if in_table and _TABLE_RULE.match(line):
            continue
        row = _TABLE_ROW.match(line) if in_table else None
        if row and label_name(row["label"]):
            _put(sheet.fields, row["label"], row["value"])
            continue
        sheet.body.append(line)
    sheet.body = trim_blank(sheet.body)
    first = sheet.body[0].strip() if sheet.body else ""
    if first and not folded_start(first).startswith(_INNOVATION_MARKS + (_ABOUT,)) and _looks_like_title(first):
        sheet.title = first
        sheet.body = trim_blank(sheet.body[1:])
    else:
        sheet.title = derive_title(_description(sheet.body))
    return sheet


def _description(lines: list[str]) -> str:
    """The text under `À propos du projet`, else the first prose line."""
    for i, line in enumerate(lines):
        if len(line) < MAX_LABEL_CHARS and name_key(line) == _ABOUT:
            following = [rest for rest in lines[i + 1 :] if rest.strip()]
            if following:
                return following[0]
    prose = [line for line in lines if len(line.strip()) > 80]
    return prose[0] if prose else next((line for line in lines if line.strip()), "")


def _looks_like_title(line: str) -> bool:
    return len(line) <= 200 and not line.startswith("-") and not line.rstrip().endswith((".", ":", "|"))


# --------------------------------------------------------------------------------------------
# Countries


def title_country(title: str) -> list[Country]:
    """The one country a title is about; none when it names several (donor and host, ...)."""
    found = {match.country.code: match.country for match in find_countries(title)}
    return list(found.values()) if len(found) == 1 else []


def field_countries(fields: dict[str, str]) -> list[Country]:
    countries: dict[str, Country] = {}
    for name in ("countries", "other_countries"):
        for country in split_countries(fields.get(name, "")):
            countries.setdefault(country.code, country)
    if not countries and fields.get("mission"):
        for match in find_countries(fields["mission"]):
            countries.setdefault(match.country.code, match.country)
    return list(countries.values())


# --------------------------------------------------------------------------------------------
# The record


def read_sheet(lines: list[str]) -> tuple[Sheet, str] | None:
    """The sheet and its kind (`innovation`, `project`), or None when the page is no sheet."""
    if is_innovation(lines):
        return read_innovation(lines), "innovation"
    for reader in (read_dash_layout, read_bullet_layout):
        sheet = reader(lines)
        if sheet is not None:
            return sheet, "project"
    return None


def fill_sheet(doc: Document, sheet: Sheet, kind: str) -> None:
    """Set the facets of `doc` from the fields of its sheet (countries: the title's, if none)."""
    fields = sheet.fields
    doc.kind = kind
    doc.start_year = year_in(fields.get("start"))
    doc.end_year = year_in(fields.get("end"))
    doc.year = year_in(fields.get("year")) or doc.start_year
    doc.status = normalise_status(fields.get("status"))
    doc.type = text_or_none(fields.get("type"))
    doc.budget_usd = parse_amount(fields.get("budget"))
    doc.coverage = text_or_none(fields.get("coverage"))
    doc.region = text_or_none(fields.get("region"))
    doc.project_code = text_or_none(fields.get("project_code"))
    doc.prima_id = text_or_none(fields.get("prima_id"))
    doc.countries = field_countries(fields) or title_country(sheet.title)
