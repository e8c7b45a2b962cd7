"""A search result: the hits of one page, the facet counts and what the query was read as."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any

from search.query import Understood
from search.results import FacetValue


@dataclass(frozen=True)
class CountryRef:
    code: str
    name: str


@dataclass(frozen=True)
class Hit:
    """One shown result; ``*_html`` fields are escaped HTML with ``<mark>`` around matched words.

    ``score`` is the relevance score when results are ranked by relevance, else None.
    """

    id: str
    title: str
    title_html: str
    snippet_html: str
    score: float | None
    kind: str
    countries: list[CountryRef]
    year: int | None
    type: str | None
    status: str | None
    url: str | None
    explanation: dict[str, Any] | None = None  # with ``explain=1``: why this hit (`explain.Explanation`)

    @classmethod
    def of_record(cls, record: dict[str, Any], title_html: str, snippet_html: str, score: float | None) -> Hit:
        """The hit of a stored record (`Document.to_dict`), whichever engine highlighted it."""
        return cls(
            id=record["id"],
            title=record.get("title") or "",
            title_html=title_html,
            snippet_html=snippet_html,
            score=None if score is None else round(float(score), 6),
            kind=record.get("kind") or "other",
            countries=[CountryRef(c["code"], c.get("name") or c["code"]) for c in record.get("countries") or []],
            year=record.get("year"),
            type=record.get("type"),
            status=record.get("status"),
            url=record.get("url"),
        )


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None
    expansions: list[Any] = field(default_factory=list)
    warnings: list[Any] = field(default_factory=list)
    understood: list[Understood] = field(default_factory=list)
    text_query: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the HTTP API (key order as documented): what ``asdict`` gives."""
        return plain(self)


_ATOMS = (str, int, float, bool, type(None))


def plain(value: Any) -> Any:
    """``dataclasses.asdict`` of a value, without its deep copy of every string and number.

    A result page holds thousands of them (facet values, hits); Python 3.11's ``asdict`` copies each
    one through ``copy.deepcopy``, several milliseconds per request. Immutable atoms are kept as
    they are (a deep copy returns them unchanged anyway); anything else is copied as before.
    """
    if type(value) in _ATOMS:
        return value
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*[plain(v) for v in value])
    if isinstance(value, list | tuple):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return type(value)((plain(k), plain(v)) for k, v in value.items())
    return copy.deepcopy(value)


@dataclass(frozen=True)
class IndexStatus:
    documents: int
    generation: str
    built_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"status": "ok", **asdict(self)}
