"""What « pourquoi ce résultat ? » says about one document: the data, as the JSON API returns it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: How a word of the document matched a query word, strongest first (`Form.how` is the first that applies).
MATCH_KINDS = ("acronym", "typo", "prefix", "stem", "elision", "accent", "exact")


MATCH_KIND_LABELS = {
    "exact": "mot identique",
    "accent": "accents et majuscules ignorés",
    "elision": "élision l’, d’, qu’… retirée",
    "stem": "même racine",
    "acronym": "par un sigle ou sa forme longue",
    "typo": "faute de frappe corrigée",
    "prefix": "mot commençant par le préfixe",
}


#: Verdicts, in the order they are chosen when several apply.
VERDICTS = ("not_found", "no_match", "missing_phrase", "excluded_word", "filtered_out", "beyond_page", "shown")


#: French names of the filters; a facet missing here is named by its own name.
FILTER_LABELS = {
    "country": "pays",
    "year": "année",
    "type": "type de projet",
    "status": "statut",
    "kind": "type de page",
    "active_year": "année d’activité",
    "other": "autre filtre",
}


SPLIT_RULE = (
    "Each word's part is split between title and body: with per-field saturation (dismax, the default) "
    "as the best field's saturated frequency plus tie × the other's; with BM25F in proportion to the "
    "field-weighted, length-normalised term frequencies (title_boost · tf / norm) it adds up before "
    "saturating them. The exact-word bonus (the words as typed, unstemmed) is split the same way."
)


MAX_FORMS = 8


@dataclass
class Form:
    """A word of the document that matched, as written there."""

    text: str
    field: str  # "title" or "body"
    term: str
    count: int
    how: str  # the strongest of ``steps``
    steps: list[str]


@dataclass
class WordPart:
    """One query word as typed (one plan `Group`) and what it found in the document."""

    query: str
    terms: list[str]
    long_forms: list[list[str]]  # multi-word equivalents (acronym long forms), as index terms
    weight: float
    question_word: bool
    prefix: bool
    correction: str | None  # the word the typo fallback read instead
    title_tf: int
    body_tf: int
    found: bool
    forms: list[Form] = field(default_factory=list)
    score: float = 0.0  # contribution to the total (after weight and coordination)
    title_score: float = 0.0
    body_score: float = 0.0
    via_long_form: bool = False  # the part came from an acronym long form (better than the word)
    exact_score: float = 0.0  # of ``score``, the bonus for the words as typed (unstemmed)


@dataclass
class FilterCheck:
    """One active filter and the document's value for it."""

    name: str
    label: str
    wanted: list[str]  # labels of the selected values (any of them will do)
    document: list[str]  # the document's values (labels)
    passed: bool
    low: int | None = None  # a range on the facet: from this year (inclusive)
    high: int | None = None  # to this year (inclusive)


@dataclass
class Condition:
    """A required "phrase" or an excluded -word of the query, checked on the document."""

    kind: str  # "phrase" (must be present) or "excluded" (must be absent)
    text: str
    present: bool
    passed: bool


@dataclass
class ScoreParts:
    total: float  # the ranking score of the document (0 when it does not match)
    words: float  # sum of the words' parts (coordination included)
    coordination: float  # factor applied to the words' parts (1.0: not used)
    proximity: float
    proximity_used: bool
    meaning: float = 0.0  # closeness of meaning (sentence vectors), added to the best matches
    meaning_used: bool = False
    split: str = SPLIT_RULE


@dataclass
class Explanation:
    id: str
    query: str
    exists: bool
    verdict: str
    title: str | None = None
    sort: str = "relevance"
    matches_query: bool = False
    passes_filters: bool = False
    in_results: bool = False
    shown: bool = False
    rank: int | None = None
    total: int = 0
    page: int | None = None  # the results page it is on (with the request's per_page)
    score: ScoreParts | None = None
    last_shown: dict[str, Any] | None = None  # {id, rank, score} of the last hit of the asked page
    words: list[WordPart] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    filters: list[FilterCheck] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # query words dropped as too common
    sentences: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
