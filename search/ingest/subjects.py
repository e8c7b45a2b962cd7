"""The countries a news item is about, main subject first.

Read where a reader looks for the subject: the title, the dateline and the lead (the caption and
first two paragraphs). A country counts when it is named (`au Niger`, `l'Extrême-Nord du Cameroun`)
or its people are (`migrants nigériens`, `les autorités guinéennes`). Left out:
- a dateline city whose country the title and lead do not name, when they name other countries
  (where a release was issued is not what it is about), or when they name none but the city is a
  seat of international organisations (`Genève –`, `New York –`) or the lead speaks of the whole
  world (a global statement); a dateline naming a country (`Somalie –`) always counts, and so does
  the city a story is set in;
- donors (`financé par l'Italie`, `avec le financement du gouvernement japonais`) and visiting
  delegations (`une délégation de diplomates de Finlande, de Suède ...`): a country named so
  anywhere in the title or lead is left out everywhere (`L'OIM et le Japon aident ...`);
- countries named further down, in passing;
- words that look like a country but are not, decided by their neighbours: the Niger river
  (`fleuve Niger`, `delta du Niger`), `lac Tchad`, `golfe de Guinée`, `fleuve Congo`, Georgia the
  American state (`Atlanta, Géorgie`, `État de Géorgie`), and lower-case words (a country is a proper
  noun in French: `dinde`, `turkey` in an English aside).
Order: the dateline's countries the text confirms, then the title's, then the lead's.
"""

from __future__ import annotations

import re

from search.ingest.demonyms import find_demonyms
from search.ingest.documents import Country
from search.ingest.gazetteer import country_by_code
from search.ingest.name_keys import name_key
from search.ingest.places import Match, Place, dateline_places, find_countries

__all__ = ["donor_countries", "named_countries", "news_countries"]

#: Folded words right before a name that make it a river, lake, gulf or region, not the country.
_NOT_THE_COUNTRY = {
    "NE": re.compile(r"(?:\bfleuve|\bdelta du|\bboucle du|\bbassin du|\brives? du|\bvallee du|\bfleuve du)\s*$"),
    "TD": re.compile(r"\blac\s*$|\bbassin du lac\s*$"),
    "GN": re.compile(r"\bgolfe de\s*$"),
    "CG": re.compile(r"(?:\bfleuve|\bbassin du|\briviere)\s*$"),
    "GE": re.compile(r"(?:\betat de|\batlanta|\bsavannah|\baugusta)\W*$"),
}
#: Seats of the organisations whose global statements carry their city as a dateline.
_SEATS = re.compile(r"\b(?:Genève|Geneve|Geneva|New York|Bruxelles|Brussels|Strasbourg)\b", re.IGNORECASE)
#: A lead speaking of the whole world: a statement, not news from the dateline's country.
_WORLDWIDE = re.compile(r"\b(?:monde|mondiale?s?|mondiaux|planete|globale?s?|globaux)\b")
#: Organisations whose names say `mondial` without the text being about the world.
_WORLD_BODIES = re.compile(
    r"\b(?:programme alimentaire|banque|organisation|fonds|forum economique|alliance) mondiale?s?\b|\bsante mondiale\b"
)
_US_AFTER = re.compile(r"^\W*(?:\(|,)?\s*(?:etats unis|usa|u s a)\b")

#: Folded phrases that open a donor's or a visiting delegation's clause: the countries up to its
#: end are who pays or who came to see, not what the item is about.
_DONOR = re.compile(
    r"\bfinance(?:e|s|es)? (?:par|grace)|\bfinancement (?:du|de|des|d')|\bsoutenue?s? par|\bfinance par"
    r"|\bavec (?:le|l') ?(?:soutien|appui|aide|financement|concours|contribution) (?:du|de|des|d')"
    r"|\bgrace (?:au|a l') ?(?:soutien|appui|aide|financement|generosite|contribution) (?:du|de|des|d')"
    r"|\bsoutien (?:est )?venu (?:du|de|des|d')|\bdon (?:du|de|des|d')|\bcontribution (?:du|de|des|d')"
    r"|\bbailleurs? de fonds|\bdonateurs?\b"
)
_VISITORS = re.compile(r"\b(?:delegations?|diplomates?|ambassadeurs?|delegues?(?: venus?)?) (?:de |d')")
#: A visitors' clause is their list of origins: it ends where they go or what they do.
_VISITORS_END = re.compile(r"[.;:!?()«»]|\b(?:a|au|aux|en|vers|dans|pour|qui|sont|ont|se|s'est|est)\b")
_CLAUSE_END = re.compile(r"[.;:!?()«»\[\]]|\b(?:pour|afin|qui|dans|a travers|en faveur|au profit|aupres|et mis)\b")


def _donor_spans(folded: str) -> list[tuple[int, int]]:
    spans = []
    for opening, closing in ((_DONOR, _CLAUSE_END), (_VISITORS, _VISITORS_END)):
        for match in opening.finditer(folded):
            end = closing.search(folded, match.end())
            spans.append((match.start(), end.start() if end else len(folded)))
    return spans


def _false_friend(text: str, match: Match) -> bool:
    if not text[match.start : match.start + 1].isupper():
        return True
    code = match.country.code
    before = name_key(text[max(0, match.start - 30) : match.start])
    rule = _NOT_THE_COUNTRY.get(code)
    if rule is not None and rule.search(before):
        return True
    return code == "GE" and bool(_US_AFTER.match(name_key(text[match.end : match.end + 20])))


def named_countries(text: str) -> list[Match]:
    """Countries `text` names or whose people it names, in order; donors and false friends out."""
    spans = _donor_spans(name_key(text))
    found = [m for m in find_countries(text) if not _false_friend(text, m)] + find_demonyms(text)
    if spans:
        found = [m for m in found if not _in_donor_clause(text, m, spans)]
    return sorted(found, key=lambda m: m.start)


def donor_countries(text: str) -> set[str]:
    """Codes of the countries `text` names as donors (`avec le financement du gouvernement japonais`)."""
    spans = _donor_spans(name_key(text))
    if not spans:
        return set()
    found = find_countries(text) + find_demonyms(text, people_only=False)
    return {m.country.code for m in found if _in_donor_clause(text, m, spans)}


def _in_donor_clause(text: str, match: Match, spans: list[tuple[int, int]]) -> bool:
    # Positions in the folded text differ from the original by a few characters at most
    # (ligatures, spaces): the folded length of the text before the match is where it starts.
    position = len(name_key(text[: match.start] + "x")) - 1
    return any(start <= position < end for start, end in spans)


def _one_congo(countries: list[Country], all_text: str) -> list[Country]:
    """A bare `Congo` is the Democratic Republic when the text names it (`RDC`, `Kinshasa`)."""
    codes = [c.code for c in countries]
    if "CG" not in codes:
        return countries
    drc = "CD" in codes or re.search(r"\bkinshasa\b|\brdc\b|democratique du congo", name_key(all_text))
    if drc and not re.search(r"\bbrazzaville\b|republique du congo", name_key(all_text)):
        countries = [country_by_code("CD") if c.code == "CG" else c for c in countries]
    return list({c.code: c for c in countries}.values())


def _city_counts(place: Place, mentioned: dict[str, Country], lead: str, *, setting: bool) -> bool:
    """Whether a dateline city's country is a subject (see the module's docstring)."""
    if place.country.code in mentioned:
        return True
    if mentioned:
        return setting
    return setting or not (_SEATS.search(place.name) or _WORLDWIDE.search(_WORLD_BODIES.sub(" ", name_key(lead))))


def news_countries(title: str, dateline: str | None, lead: str, *, story: bool = False) -> list[Country]:
    """Every country a news item is about, main subject first; empty when it is about none.

    `story`: the page opens on its dateline, which is then where the story happens, not where a
    press release was issued.
    """
    donors = donor_countries(title) | donor_countries(lead)
    mentioned: dict[str, Country] = {}
    for text in (title, lead):
        for match in named_countries(text):
            if match.country.code not in donors:
                mentioned.setdefault(match.country.code, match.country)
    ordered: dict[str, Country] = {}
    for place in dateline_places(dateline or ""):
        if place.named or _city_counts(place, mentioned, lead, setting=story):
            ordered.setdefault(place.country.code, place.country)
    for code, country in mentioned.items():
        ordered.setdefault(code, country)
    return _one_congo(list(ordered.values()), f"{title}\n{dateline or ''}\n{lead}")
