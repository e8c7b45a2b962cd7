"""Filters read out of a query: ``santé Bichkek 2020 projets achevés`` is the text ``santé Bichkek``
searched within Kirghizistan, 2020, projects, *Achevé*.

What is recognised, always through the facets' own values (a filter the index cannot satisfy is
not made: the words stay text):

- a country name, or a capital or big city of one (`places.find_countries`, `places.find_cities`;
  a city after *de/du* names something else: *accord de Paris*);
- a year (``2020``, ``en 2020``; a bare number only when some page is dated that year, so
  *Agenda 2030* stays text) or a French range: ``depuis 2019``, ``à partir de 2019``,
  ``après 2018``, ``avant 2015``, ``jusqu'en 2015``, ``entre 2018 et 2021``, ``de 2018 à 2021``,
  ``2018-2021``;
- "current in" years: ``en cours en 2019``, ``actifs entre 2018 et 2020`` (the ``active_year`` facet);
- a status: *achevé(s)*, *terminé(s)*, *clos*; *actif(s)* and *en cours* only next to a kind word
  (*projets actifs*), since *actif* alone is an ordinary adjective (*vie active*, *rôle actif*);
- a kind, in the plural only (*projets*, *communiqués (de presse)*, *innovations*, *récits*):
  *projet de loi* is a topic, *projets* a request for project sheets.

Only bare words are read: quoted phrases, ``-exclusions``, ``field:value`` and the operands of
``OR`` are left as typed. Structural words (years, statuses, kinds and their prepositions) leave
the text: they describe the metadata, and as text they match nearly every page of that kind. A
place name stays in the text as well when pages passing the filters mention it: removing it would
lose those pages (and its ranking signal and highlights); `Bichkek` alone ranks the pages of
Kirghizistan that name Bichkek, as a user expects, rather than listing all of them by date.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace

from search.ingest import KIND_LABELS, Match, find_cities, find_countries, name_key
from search.query.syntax import PIECE

YEAR_MIN, YEAR_MAX = 1900, 2100
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*(?:-[^\W_]+)*")
_YEAR_SPAN = re.compile(r"^(\d{4})(?:-|–|\.\.)(\d{4})$")

KIND_WORDS = {
    "projets": "project",
    "communiques": "news",
    "actualites": "news",
    "innovations": "innovation",
    "recits": "story",
    "temoignages": "story",
}
DONE_WORDS = frozenset(
    "acheve acheves achevee achevees termine termines terminee terminees "
    "clos cloture clotures cloturee cloturees".split()
)
ACTIVE_WORDS = frozenset({"actif", "actifs", "actives"})
ACTIVE_PHRASES = (("en", "cours"), ("en", "activite"))
NOT_BEFORE_CITY = frozenset({"de", "du", "des"})


@dataclass(frozen=True)
class Understood:
    """One filter read from the query; ``value`` is a facet value, or ``from..to`` for a range."""

    facet: str
    value: str
    label: str
    source_text: str

    @property
    def key(self) -> str:
        """What ``ignore=`` names to keep these words as text (``country:KG``)."""
        return f"{self.facet}:{self.value}"

    def bounds(self) -> tuple[int | None, int | None] | None:
        """(from, to) of a range value, None for a single value."""
        low, sep, high = self.value.partition("..")
        if not sep:
            return None
        return (int(low) if low else None, int(high) if high else None)

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Understanding:
    """The filters found in a query and where they were, to rebuild the text left to search."""

    query: str
    understood: list[Understood] = field(default_factory=list)
    spans: list[tuple[int, int, Understood]] = field(default_factory=list)
    places: set[Understood] = field(default_factory=set)

    def text(self, keep_place: Callable[[Understood], bool] | None = None) -> str:
        """The query without the recognised words; place names kept where ``keep_place`` says so."""
        drop = [(s, e) for s, e, item in self.spans if item not in self.places or not (keep_place and keep_place(item))]
        return _cut(self.query, drop)


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    key: str  # folded, lower case


Known = Callable[[str, str], bool]


def understand(query: str, known: Known, ignore: Iterable[str] = ()) -> Understanding:
    """Read the filters of ``query``; ``known(facet, value)`` says whether the index has a value."""
    reading = Understanding(query=query)
    ignored = set(ignore)
    words = _free_words(query)
    taken: set[int] = set()
    _read_places(query, words, known, ignored, reading, taken)
    _read_structure(query, words, known, ignored, reading, taken)
    reading.spans.sort(key=lambda span: span[0])
    return reading


# -- words -----------------------------------------------------------------------------------


def _free_words(query: str) -> list[_Word | None]:
    """The bare words of the query in order; None marks syntax a pattern must not cross."""
    pieces = list(PIECE.finditer(query.replace("(", " ").replace(")", " ")))
    words: list[_Word | None] = []
    for i, piece in enumerate(pieces):
        bare = piece.group("bare")
        beside_or = any(0 <= j < len(pieces) and pieces[j].group(0) == "OR" for j in (i - 1, i + 1))
        if bare is None or piece.group("neg") or bare == "OR" or beside_or:
            words.append(None)
            continue
        offset = piece.start("bare")
        if _YEAR_SPAN.match(bare.strip(".,;:!?")):
            words.append(_Word(offset, offset + len(bare.rstrip(".,;:!?")), bare.rstrip(".,;:!?")))
            continue
        for match in _WORD.finditer(bare):
            key = name_key(match.group(0)).lower().replace(" ", "-")
            words.append(_Word(offset + match.start(), offset + match.end(), key))
    return words


def _keys(words: list[_Word | None], start: int, count: int) -> tuple[str, ...] | None:
    span = words[start : start + count]
    if len(span) < count or any(w is None for w in span):
        return None
    return tuple(w.key for w in span)  # type: ignore[union-attr]


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    kept, position = [], 0
    for start, end in sorted(spans):
        if start >= position:
            kept.append(text[position:start])
            position = end
    kept.append(text[position:])
    return re.sub(r"\s+", " ", "".join(kept)).strip()


# -- places ----------------------------------------------------------------------------------


def _read_places(
    query: str, words: list[_Word | None], known: Known, ignored: set[str], reading: Understanding, taken: set[int]
) -> None:
    starts = {w.start: i for i, w in enumerate(words) if w is not None}
    ends = {w.end: i for i, w in enumerate(words) if w is not None}
    countries = find_countries(query)
    cities = [c for c in find_cities(query) if not any(c.start < m.end and m.start < c.end for m in countries)]
    for match, is_city in [(m, False) for m in countries] + [(c, True) for c in cities]:
        first, last = starts.get(match.start), ends.get(match.end)
        if first is None or last is None or any(i in taken or words[i] is None for i in range(first, last + 1)):
            continue  # inside a phrase, a field or across syntax
        before = words[first - 1] if first > 0 else None
        if is_city and before is not None and before.key in NOT_BEFORE_CITY:
            continue
        item = _place(query, match)
        if item.key in ignored or not known("country", match.country.code):
            continue
        taken.update(range(first, last + 1))
        _add(reading, item, match.start, match.end)
        reading.places.add(item)


def _place(query: str, match: Match) -> Understood:
    return Understood("country", match.country.code, match.country.name, query[match.start : match.end])


# -- years, statuses, kinds ------------------------------------------------------------------


def _read_structure(
    query: str, words: list[_Word | None], known: Known, ignored: set[str], reading: Understanding, taken: set[int]
) -> None:
    has_kind = any(w is not None and w.key in KIND_WORDS for w in words)
    i = 0
    while i < len(words):
        if words[i] is None or i in taken:
            i += 1
            continue
        found = _active(words, i) or _years(words, i, "year", known) or _status(words, i, has_kind) or _kind(words, i)
        if found is None:
            i += 1
            continue
        count, item = found
        span = range(i, i + count)
        if any(j in taken for j in span) or item.key in ignored or not _satisfiable(item, known, reading):
            i += 1
            continue
        taken.update(span)
        start, end = words[i].start, words[i + count - 1].end  # type: ignore[union-attr]
        _add(reading, replace(item, source_text=query[start:end]), start, end)
        i += count


def _satisfiable(item: Understood, known: Known, reading: Understanding) -> bool:
    """Acts once per range facet, and only on values the index has (ranges and active years always)."""
    if item.bounds() is not None:
        return not any(other.facet == item.facet and other.bounds() is not None for other in reading.understood)
    return item.facet == "active_year" or known(item.facet, item.value)


def _add(reading: Understanding, item: Understood, start: int, end: int) -> None:
    if item not in reading.understood:
        reading.understood.append(item)
    reading.spans.append((start, end, item))


def _year(key: str | None) -> int | None:
    if key is None or not (len(key) == 4 and key.isdigit()):
        return None
    value = int(key)
    return value if YEAR_MIN <= value <= YEAR_MAX else None


def _years(words: list[_Word | None], i: int, facet: str, known: Known) -> tuple[int, Understood] | None:
    """A year or a range of years starting at word ``i``: (words used, filter)."""
    for count, keys in ((n, _keys(words, i, n)) for n in (4, 3, 2, 1)):
        if keys is None:
            continue
        found = _year_pattern(keys, facet == "year" and count == 1, known)
        if found is not None:
            low, high = found
            return count, _year_item(facet, low, high)
    return None


def _year_pattern(keys: tuple[str, ...], bare: bool, known: Known) -> tuple[int | None, int | None] | None:
    """(from, to) the words say; equal bounds for a single year; None when they are no year phrase."""
    years = [_year(k) for k in keys]
    if len(keys) == 4 and keys[0] in ("entre", "de") and keys[2] in ("et", "a") and years[1] and years[3]:
        return _ordered(years[1], years[3])
    if len(keys) == 4 and keys[:3] == ("a", "partir", "de") and years[3]:
        return years[3], None
    if len(keys) == 3 and years[0] and keys[1] in ("a", "au") and years[2]:
        return _ordered(years[0], years[2])
    if len(keys) == 2 and years[1]:
        year = years[1]
        return {
            "depuis": (year, None),
            "des": (year, None),
            "apres": (year + 1, None),
            "avant": (None, year - 1),
            "jusqu'en": (None, year),
            "jusqu'a": (None, year),
            "en": (year, year),
        }.get(keys[0])
    if len(keys) == 1:
        span = _YEAR_SPAN.match(keys[0])
        if span and _year(span.group(1)) and _year(span.group(2)):
            return _ordered(int(span.group(1)), int(span.group(2)))
        if years[0] and (not bare or known("year", str(years[0]))):
            return years[0], years[0]
    return None


def _ordered(low: int, high: int) -> tuple[int, int]:
    return (min(low, high), max(low, high))  # "entre 2021 et 2019" means the same years


def _year_item(facet: str, low: int | None, high: int | None) -> Understood:
    if low is not None and low == high:
        label = f"en cours en {low}" if facet == "active_year" else str(low)
        return Understood(facet, str(low), label, "")
    if low is not None and high is not None:
        label = f"{low}–{high}"
    elif low is not None:
        label = f"depuis {low}"
    else:
        label = f"jusqu’en {high}"
    if facet == "active_year":
        label = f"en cours {label}"
    return Understood(facet, f"{low or ''}..{high or ''}", label, "")


def _active(words: list[_Word | None], i: int) -> tuple[int, Understood] | None:
    """*en cours en 2019*, *actifs entre 2018 et 2020*: the years a project ran."""
    lead = 0
    if _keys(words, i, 1) and _keys(words, i, 1)[0] in ACTIVE_WORDS:  # type: ignore[index]
        lead = 1
    elif _keys(words, i, 2) in ACTIVE_PHRASES:
        lead = 2
    if not lead:
        return None
    found = _years(words, i + lead, "active_year", lambda facet, value: True)
    if found is None:
        return None
    count, item = found
    if item.bounds() is None and _keys(words, i + lead, 1) != ("en",) and count == 1:
        return None  # "actifs 2019" is too loose; "en cours en 2019" is not
    return lead + count, item


def _status(words: list[_Word | None], i: int, has_kind: bool) -> tuple[int, Understood] | None:
    one = _keys(words, i, 1)
    if one and one[0] in DONE_WORDS:
        return 1, Understood("status", "Achevé", "Achevé", "")
    if not has_kind:
        return None
    if one and one[0] in ACTIVE_WORDS:
        return 1, Understood("status", "Actif", "Actif", "")
    if _keys(words, i, 2) in ACTIVE_PHRASES:
        return 2, Understood("status", "Actif", "Actif", "")
    return None


def _kind(words: list[_Word | None], i: int) -> tuple[int, Understood] | None:
    three = _keys(words, i, 3)
    if three and three[0] in ("communique", "communiques") and three[1:] == ("de", "presse"):
        return 3, Understood("kind", "news", KIND_LABELS["news"], "")
    one = _keys(words, i, 1)
    if one and one[0] in KIND_WORDS:
        kind = KIND_WORDS[one[0]]
        return 1, Understood("kind", kind, KIND_LABELS[kind], "")
    return None
