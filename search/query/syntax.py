"""The query syntax of the search box, read forgivingly.

    santé "pollution de l'air" -conflit OR guerre migra* pays:guinée année:2019..2022 statut:actif

Supported: ``"exact phrase"``, ``-exclude`` (a word or a phrase), ``OR`` between two parts,
``prefix*``, and field filters ``pays:`` / ``annee:`` (a year or ``from..to``) / ``statut:`` /
``type:`` / ``nature:`` (projet, communiqué…; a quoted value for several words). Nothing here
raises: unbalanced quotes or parentheses, a lone ``-`` or ``:``, an unknown field or a bad year
degrade to plain words and add a message to ``warnings``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from search.analysis import fold

Kind = Literal["words", "phrase", "prefix"]

FILTER_FIELDS = {
    "pays": "country",
    "country": "country",
    "annee": "year",
    "year": "year",
    "statut": "status",
    "status": "status",
    "type": "type",
    "nature": "kind",
    "kind": "kind",
}
# One piece of the query: an optional '-', then field:"quoted", field:value, "quoted", or a bare word.
PIECE = re.compile(
    r"""(?P<neg>-?)(?:
        (?P<field>[^\W\d_]+):(?:"(?P<fquoted>[^"]*)"|(?P<fvalue>[^\s"]+))
      | "(?P<quoted>[^"]*)"
      | (?P<bare>[^\s"]+)
    )""",
    re.VERBOSE,
)
YEAR_RANGE = re.compile(r"^(\d{4})?\.\.(\d{4})?$")
PREFIX_MIN_CHARS = 2


@dataclass
class Clause:
    text: str
    kind: Kind = "words"
    negated: bool = False
    or_previous: bool = False  # joined to the clause before it by OR


@dataclass
class ParsedQuery:
    text: str
    clauses: list[Clause] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    warnings: list[str] = field(default_factory=list)


def parse(text: str) -> ParsedQuery:
    """Read the query syntax; never raises."""
    parsed = ParsedQuery(text=text)
    if text.count('"') % 2:
        parsed.warnings.append("guillemet non fermé : il a été ignoré")
        text = _drop_last_quote(text)
    if text.count("(") != text.count(")"):
        parsed.warnings.append("parenthèses non équilibrées : elles ont été ignorées")
    text = text.replace("(", " ").replace(")", " ")
    pending_or = False
    for match in PIECE.finditer(text):
        if pending_or and match.group(0) == "OR":
            continue
        negated = bool(match.group("neg"))
        if match.group("field") is not None:
            value = match.group("fquoted") if match.group("fquoted") is not None else match.group("fvalue")
            if _add_filter(parsed, match.group("field"), value, negated):
                continue
            clause = Clause(f"{match.group('field')} {value}")
        elif match.group("quoted") is not None:
            clause = Clause(match.group("quoted"), kind="phrase")
        else:
            bare = match.group("bare")
            if bare == "OR":
                if not parsed.clauses:
                    parsed.warnings.append("« OR » doit relier deux mots : il a été ignoré")
                pending_or = bool(parsed.clauses)
                continue
            if bare.endswith(":") and fold(bare[:-1]).lower() in FILTER_FIELDS:
                parsed.warnings.append(f"filtre « {bare} » ignoré : donnez une valeur, par exemple pays:guinée")
                continue
            clause = _bare(parsed, bare)
        if not clause.text.strip(" -:*?"):
            if negated or clause.text.strip():
                parsed.warnings.append(f"« {match.group(0)} » ignoré : rien à chercher")
            continue
        clause.negated = negated
        clause.or_previous = pending_or and not negated
        pending_or = False
        parsed.clauses.append(clause)
    return parsed


def _bare(parsed: ParsedQuery, bare: str) -> Clause:
    stem = bare.rstrip("*")
    if stem == bare or not stem:
        return Clause(bare)
    if len(stem) >= PREFIX_MIN_CHARS and stem.isalnum():
        return Clause(stem, kind="prefix")
    parsed.warnings.append(f"« {bare} » : un préfixe doit avoir au moins {PREFIX_MIN_CHARS} lettres ou chiffres")
    return Clause(stem)


def _add_filter(parsed: ParsedQuery, name: str, value: str, negated: bool) -> bool:
    """Record a field filter; False when ``name:value`` should be read as plain words instead."""
    facet = FILTER_FIELDS.get(fold(name).lower())
    if facet is None:
        return False
    value = value.strip()
    if negated or not value:
        parsed.warnings.append(f"filtre « {name}: » ignoré : donnez une valeur (l'exclusion n'est pas possible)")
        return True
    if facet == "year":
        return _add_year(parsed, name, value)
    parsed.filters.setdefault(facet, []).append(value)
    return True


def _add_year(parsed: ParsedQuery, name: str, value: str) -> bool:
    span = YEAR_RANGE.match(value)
    if value.isdigit() and len(value) == 4:
        parsed.filters.setdefault("year", []).append(value)
    elif span and (span.group(1) or span.group(2)):
        parsed.year_from = int(span.group(1)) if span.group(1) else None
        parsed.year_to = int(span.group(2)) if span.group(2) else None
    else:
        parsed.warnings.append(f"« {name}:{value} » ignoré : une année s'écrit 2021, ou 2019..2022")
    return True


def _drop_last_quote(text: str) -> str:
    index = text.rfind('"')
    return text[:index] + " " + text[index + 1 :]
