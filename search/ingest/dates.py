"""A small reader of the dates French news pages write, and the year of the event they report.

Forms read (accents and case folded first): `18 janvier 2024`, `mardi 3 mars 2020`, `1er juin 2016`,
`(04/03/2016)`, `15 Nov 2021`, `November 15, 2021`, `septembre 2013`, `de juillet à septembre 2013`,
`premier trimestre 2013`, and bare years (`en 2016`), which only a title may use.

What makes a date *background* rather than the event's: `depuis` / `since` before a month or a
year (`depuis mars 2015`: a day, as in `depuis le 9 septembre 2022`, marks the event's start and
counts), a period over two years (`entre le 1er janvier 2014 et le 3 décembre 2015`, `2016-2026`),
and a target year (`Agenda 2030`, `d'ici 2030`). A dedicated reader, not `dateparser`: it is a
dozen regular expressions, needs no new dependency, and costs nothing on project sheets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.ingest.name_keys import name_key

__all__ = ["DateMention", "event_year", "find_dates", "title_year"]

_MONTH_WORDS = (
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre",
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "janv fevr mars avr mai juin juil aou sept oct nov dec",
)
MONTHS = {word: number for line in _MONTH_WORDS for number, word in enumerate(line.split(), start=1)}
_MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)(?!\d)"
_WEEKDAY = r"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?"

#: Most precise first: at one position the first form that matches wins.
_FORMS = (
    ("day", re.compile(rf"(?<!\d){_WEEKDAY}(?P<day>1er|\d{{1,2}})\s+(?P<month>{_MONTH})\s+{_YEAR}")),
    ("day", re.compile(rf"(?<![\d/.])(?P<day>\d{{1,2}})[/.](?P<month>\d{{1,2}})[/.]{_YEAR}")),
    ("day", re.compile(rf"\b(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}}),?\s+{_YEAR}")),
    ("quarter", re.compile(rf"\b(?:premier|1er|deuxieme|second|2e|troisieme|3e|quatrieme|4e|dernier)\s+"
                           rf"(?:trimestre|semestre)\s+(?:de\s+|d'\s*)?{_YEAR}")),
    ("month", re.compile(rf"\b(?P<month>{_MONTH})\s+(?:de\s+|d'\s*)?{_YEAR}")),
    ("year", re.compile(rf"(?<![\d,.\s]\s)(?<![\d,.]){_YEAR}\b(?!\s*\d)")),
)  # fmt: skip

#: Words right before a month or year that make it the start of a background period.
_SINCE = re.compile(r"\b(?:depuis|since|a compter d)\b[^.;:!?()]{0,45}$")
#: Words before a bare year that make it a target or a name (`Agenda 2030`, `d'ici 2030`).
_TARGET = re.compile(
    r"(?:\bd'ici|\bhorizon|\bagenda|\bprogramme|\bplan|\bstrategie|\bvision|\bobjectifs?)\s*(?:de\s+|l')?$"
)
#: What joins the two ends of a period (`entre ... et ...`, `du ... au ...`, `2016-2026`).
_PERIOD_JOIN = re.compile(r"^\s*(?:et|au|a|jusqu'(?:au|en|a)|-|/)\s*(?:le\s+|l'|en\s+|fin\s+|debut\s+)?$")
_PERIOD_GAP = 40
#: A bare year is a number, not a date, when a lower-case word follows (`2000 migrants`).
_NUMBER_AFTER = re.compile(r"^\s+[a-z]")
_YEAR_PREPOSITION = re.compile(r"(?:\ben|\bpour|\bdurant|\bpendant|\bin|\bannee|\bde|\bdu|\bd')\s*$")


@dataclass(frozen=True)
class DateMention:
    """A date in folded text: `text[start:end]`, its year and how precise it is."""

    start: int
    end: int
    year: int
    precision: str  # day, month, quarter or year
    background: bool = False  # `depuis mars 2015`, `Agenda 2030`
    spans_years: bool = False  # one end of a period over two years


def _read_all(folded: str) -> list[DateMention]:
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for precision, pattern in _FORMS:
        for match in pattern.finditer(folded):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            if precision == "day" and not _valid_numeric(match):
                continue
            taken.append((match.start(), match.end()))
            found.append(DateMention(match.start(), match.end(), int(match["year"]), precision))
    return sorted(found, key=lambda mention: mention.start)


def _valid_numeric(match: re.Match[str]) -> bool:
    day, month = match["day"], match["month"]
    if not (day.isdigit() and month.isdigit()):
        return True
    return 1 <= int(day) <= 31 and 1 <= int(month) <= 12


def _with_context(folded: str, mentions: list[DateMention]) -> list[DateMention]:
    result = []
    for i, mention in enumerate(mentions):
        before = folded[max(0, mention.start - 60) : mention.start]
        background = mention.precision != "day" and bool(_SINCE.search(before))
        if mention.precision == "year" and _TARGET.search(before):
            background = True
        spans = any(_joined(folded, a, b) and a.year != b.year for a, b in _neighbours(mentions, i))
        result.append(DateMention(mention.start, mention.end, mention.year, mention.precision, background, spans))
    return result


def _neighbours(mentions: list[DateMention], i: int) -> list[tuple[DateMention, DateMention]]:
    pairs = []
    if i > 0:
        pairs.append((mentions[i - 1], mentions[i]))
    if i + 1 < len(mentions):
        pairs.append((mentions[i], mentions[i + 1]))
    return pairs


def _joined(folded: str, first: DateMention, second: DateMention) -> bool:
    gap = folded[first.end : second.start]
    return len(gap) <= _PERIOD_GAP and bool(_PERIOD_JOIN.match(gap))


def find_dates(text: str) -> list[DateMention]:
    """Every date of `text`, in order, with positions in `name_key(text)`."""
    folded = name_key(text)
    return _with_context(folded, _read_all(folded))


def event_year(text: str) -> int | None:
    """Year of the first dated event in a lead: a day, a month or a quarter, not background.

    Bare years are not read here: in a lead they are mostly background (`plus qu'en 2015`).
    """
    for mention in find_dates(text):
        if mention.precision != "year" and not mention.background and not mention.spans_years:
            return mention.year
    return None


def title_year(title: str) -> int | None:
    """The year a title gives its event (`... pendant les 21 premiers jours de 2016`), if any."""
    folded = name_key(title)
    for mention in find_dates(title):
        if mention.background or mention.spans_years:
            continue
        if mention.precision == "year" and not _bare_year_is_a_date(folded, mention):
            continue
        return mention.year
    return None


def _bare_year_is_a_date(folded: str, mention: DateMention) -> bool:
    if _NUMBER_AFTER.match(folded[mention.end :]):
        return bool(re.search(r"(?:\ben|\bpour|\bdurant|\bpendant|\bin|\bannee)\s*$", folded[: mention.start]))
    return bool(_YEAR_PREPOSITION.search(folded[: mention.start])) or mention.start == 0
