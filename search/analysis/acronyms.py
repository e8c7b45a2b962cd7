"""Acronyms and their long forms: a small curated table plus pairs learned from the pages.

A page that writes "contrat à durée déterminée (CDD)" teaches us that a query for ``cdd`` should
also find pages that only write the long form, and the reverse. The curated table adds the
French/English pairs no page spells out (OIM ↔ IOM, PNUD ↔ UNDP, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from search.analysis.chain import fold, load_stopwords
from search.analysis.fast import tokens

# "Long name words (ACRO)": a parenthesised run of 2-8 capitals, and the words before it.
ACRONYM = re.compile(r"\(([A-ZÉÈ]{2,8})\)")
LOOKBEHIND_CHARS = 160
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
PAIR_SEPARATOR = "="


def extract_pairs(text: str) -> set[tuple[str, str]]:
    """(acronym, long form) pairs written as "Long Form (ACRO)" whose initials spell the acronym."""
    pairs = set()
    for match in ACRONYM.finditer(text):
        before = text[max(0, match.start() - LOOKBEHIND_CHARS) : match.start()]
        words_text = re.split(r"[^\w\s’'-]", before)[-1]  # the same clause only
        long_form = _long_form(words_text, match.group(1))
        if long_form:
            pairs.add((match.group(1), long_form))
    return pairs


def _long_form(words_text: str, acronym: str) -> str | None:
    """The shortest tail of ``words_text`` whose significant words' initials spell ``acronym``.

    Stop words may sit between them (comité social *et* économique), and one extra word is
    tolerated in acronyms of three letters or more (contrat *de travail* à durée indéterminée).
    """
    stops = load_stopwords()
    words = WORD.findall(words_text.replace("’", "'"))[-10:]
    letters = fold(acronym).lower()
    spare = 1 if len(letters) >= 3 else 0
    index = len(words) - 1
    used: list[str] = []
    for letter in reversed(letters):
        while index >= 0 and _initial(words[index]) != letter:
            if fold(words[index]).lower() not in stops:
                if not spare or not used:
                    return None
                spare -= 1
            used.append(words[index])
            index -= 1
        if index < 0:
            return None
        used.append(words[index])
        index -= 1
    long_form = " ".join(reversed(used))
    # Skip accidents such as "Article (AB)": the long form must say more than the acronym does.
    return long_form if len(tokens(long_form)) >= 2 else None


def _initial(word: str) -> str:
    return fold(word[0]).lower()


def encode(acronym: str, long_form: str) -> str:
    """One index term for a learned pair: ``cdd=contrat dur determin=contrat à durée déterminée``.

    Analysed forms for matching, then the words as written, to show the user what was expanded.
    """
    return PAIR_SEPARATOR.join((" ".join(tokens(acronym)), " ".join(tokens(long_form)), long_form))


def decode(term: str) -> tuple[str, tuple[str, ...], str] | None:
    """(analysed acronym, analysed long form, long form as written), or None for a malformed term."""
    parts = term.split(PAIR_SEPARATOR)
    if len(parts) != 3 or not parts[0] or not parts[1] or " " in parts[0]:
        return None
    return parts[0], tuple(parts[1].split()), parts[2]


@dataclass(frozen=True)
class Equivalent:
    """Another way to say a query word: its analysed terms and the name as written."""

    terms: tuple[str, ...]
    label: str


@lru_cache(maxsize=1)
def curated() -> dict[str, list[Equivalent]]:
    """The curated table (data/acronyms.tsv): every name on a line is equivalent to the others.

    Keyed by the analysed form of each one-word name (the acronyms); long forms are found from
    their acronym, and by `long_forms()` for the reverse direction.
    """
    table: dict[str, list[Equivalent]] = {}
    text = resources.files("search").joinpath("data/acronyms.tsv").read_text("utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        names = [Equivalent(tuple(tokens(name)), name.strip()) for name in line.split("\t") if name.strip()]
        names = [n for n in names if n.terms]
        for name in names:
            if len(name.terms) == 1:
                table.setdefault(name.terms[0], []).extend(other for other in names if other.terms != name.terms)
    return table


#: Acronym -> its long form, and long form (terms) -> acronym.
AcronymTables = tuple[dict[str, Equivalent], dict[tuple[str, ...], Equivalent]]


def learned_tables(pairs: Iterable[tuple[str, int]]) -> AcronymTables:
    """The acronym tables learned from the pages: ``pairs`` are (encoded pair, document count) in
    term order; each acronym keeps its most frequent long form (the first one on a tie)."""
    best: dict[str, tuple[int, Equivalent, Equivalent]] = {}
    for term, df in pairs:
        pair = decode(term)
        if pair is None:
            continue
        acronym, long_terms, label = pair
        if acronym not in best or df > best[acronym][0]:
            best[acronym] = (df, Equivalent(long_terms, label), Equivalent((acronym,), acronym.upper()))
    forward = {acronym: long_form for acronym, (_, long_form, _) in best.items()}
    backward = {long_form.terms: short for _, long_form, short in best.values()}
    return forward, backward
