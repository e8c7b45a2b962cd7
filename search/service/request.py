"""A search request: what a client may ask, read from URL parameters and checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from search.errors import BadQueryError

SORTS = ("relevance", "newest", "budget")


MAX_PER_PAGE = 100


#: Deepest result a client may page to (page * per_page): deep paging is a crawl, not a search.
MAX_DEPTH = 10_000


MAX_QUERY_CHARS = 500


MAX_FILTER_VALUES = 50


MAX_ID_CHARS = 1_000  # a longer document id is unknown without looking


@dataclass(frozen=True)
class SearchRequest:
    """What a client asks for; `validate` (called by `SearchService.search`) explains what is wrong."""

    q: str = ""
    country: Sequence[str] = ()
    year: Sequence[int] = ()
    year_from: int | None = None
    year_to: int | None = None
    active_year: Sequence[int] = ()
    active_from: int | None = None
    active_to: int | None = None
    kind: Sequence[str] = ()
    type: Sequence[str] = ()
    status: Sequence[str] = ()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    understand: bool = True
    ignore: Sequence[str] = ()
    explain: bool = False  # each hit carries an `explain.Explanation` (as a dict)

    @classmethod
    def from_params(cls, params: Mapping[str, Sequence[str]]) -> SearchRequest:
        """A request from text parameters (a query string: name → every value given).

        Single-valued parameters take their first value; an empty value means "not given".
        """

        def one(name: str) -> str | None:
            values = [v.strip() for v in params.get(name, ()) if v.strip()]
            return values[0] if values else None

        def many(name: str) -> tuple[str, ...]:
            return tuple(v.strip() for v in params.get(name, ()) if v.strip())

        return cls(
            q=(params.get("q") or [""])[0],
            country=many("country"),
            year=tuple(_whole(v, "year") for v in many("year")),
            year_from=_optional_whole(one("year_from"), "year_from"),
            year_to=_optional_whole(one("year_to"), "year_to"),
            active_year=tuple(_whole(v, "active_year") for v in many("active_year")),
            active_from=_optional_whole(one("active_from"), "active_from"),
            active_to=_optional_whole(one("active_to"), "active_to"),
            kind=many("kind"),
            type=many("type"),
            status=many("status"),
            sort=one("sort") or "relevance",
            page=_whole(one("page") or "1", "page"),
            per_page=_whole(one("per_page") or "10", "per_page"),
            understand=_flag(one("understand"), "understand", default=True),
            ignore=many("ignore"),
            explain=_flag(one("explain"), "explain", default=False),
        )

    def validate(self) -> None:
        """Raise `BadQueryError` with a message a person can act on when the request cannot be served."""
        if not isinstance(self.q, str):
            raise BadQueryError("not_text", name="q")
        if len(self.q) > MAX_QUERY_CHARS:
            raise BadQueryError("query_too_long", length=len(self.q), limit=MAX_QUERY_CHARS)
        if self.sort not in SORTS:
            raise BadQueryError("unknown_sort", value=self.sort, choices=", ".join(SORTS))
        if not _is_int(self.per_page) or not 1 <= self.per_page <= MAX_PER_PAGE:
            raise BadQueryError("per_page_out_of_range", limit=MAX_PER_PAGE)
        if not _is_int(self.page) or self.page < 1:
            raise BadQueryError("page_too_small")
        if self.page * self.per_page > MAX_DEPTH:
            raise BadQueryError("page_too_deep", page=self.page, limit=MAX_DEPTH)
        for low, high in (("year_from", "year_to"), ("active_from", "active_to")):
            for name in (low, high):
                value = getattr(self, name)
                if value is not None and not _is_int(value):
                    raise BadQueryError("not_a_year", name=name)
            if (
                getattr(self, low) is not None
                and getattr(self, high) is not None
                and getattr(self, low) > getattr(self, high)
            ):
                raise BadQueryError(
                    "range_reversed", low_name=low, low=getattr(self, low), high_name=high, high=getattr(self, high)
                )
        for name in ("year", "active_year"):
            if not all(_is_int(y) for y in getattr(self, name)):
                raise BadQueryError("not_a_year", name=name)
        for name in ("understand", "explain"):
            if not isinstance(getattr(self, name), bool):
                raise BadQueryError("not_a_flag", name=name, value=getattr(self, name))
        for name in ("country", "year", "active_year", "kind", "type", "status", "ignore"):
            if len(getattr(self, name)) > MAX_FILTER_VALUES:
                raise BadQueryError("too_many_values", name=name, limit=MAX_FILTER_VALUES)


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _whole(text: str, name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadQueryError("not_a_whole_number", name=name, value=text[:40]) from None
    if abs(value) > 10**9:
        raise BadQueryError("out_of_range", name=name, value=text[:40])
    return value


def _optional_whole(text: str | None, name: str) -> int | None:
    return None if text is None else _whole(text, name)


def _flag(text: str | None, name: str, default: bool) -> bool:
    """A yes/no parameter: ``1``/``true``/``oui`` or ``0``/``false``/``non``; absent: ``default``."""
    if text is None:
        return default
    value = text.strip().lower()
    if value in ("1", "true", "yes", "oui", "on"):
        return True
    if value in ("0", "false", "no", "non", "off"):
        return False
    raise BadQueryError("not_a_flag", name=name, value=text[:40])
