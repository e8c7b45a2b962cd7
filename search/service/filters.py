"""The filters a request asks for: its parameters, the words read as filters and the field syntax
typed in the query. Shared by every engine, so both read a request the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from search.errors import BadQueryError
from search.ingest import resolve_country
from search.query import ParsedQuery, Understood
from search.results import RANGES, Filters
from search.service.request import SearchRequest
from search.service.result import SearchResult

#: Whether the index has a value for a facet (a country code the gazetteer lacks but pages use).
Knows = Callable[[str, str], bool]


def request_filters(request: SearchRequest, knows: Knows) -> Filters:
    """The facet filters a request's parameters ask for (country names resolved to codes)."""
    return Filters(
        country=tuple(dict.fromkeys(country_code(c, knows) for c in request.country)),
        year=tuple(dict.fromkeys(str(y) for y in request.year)),
        active_year=tuple(dict.fromkeys(str(y) for y in request.active_year)),
        kind=tuple(dict.fromkeys(request.kind)),
        type=tuple(dict.fromkeys(request.type)),
        status=tuple(dict.fromkeys(request.status)),
        year_from=request.year_from,
        year_to=request.year_to,
        active_from=request.active_from,
        active_to=request.active_to,
    )


def with_understood(filters: Filters, understood: list[Understood]) -> Filters:
    """Add the filters read from the query's words; explicit range parameters win over words."""
    changes: dict[str, Any] = {}
    for item in understood:
        bounds = item.bounds()
        if bounds is None:
            changes[item.facet] = (*changes.get(item.facet, filters.values(item.facet)), item.value)
            continue
        low_name, high_name = RANGES[item.facet]
        if getattr(filters, low_name) is None and getattr(filters, high_name) is None:
            changes[low_name], changes[high_name] = bounds
    unique: dict[str, Any] = {k: tuple(dict.fromkeys(v)) if isinstance(v, tuple) else v for k, v in changes.items()}
    return replace(filters, **unique)


def with_query_filters(filters: Filters, parsed: ParsedQuery, knows: Knows, result: SearchResult) -> Filters:
    """Add the field filters typed in the query (``pays:guinee année:2019..2022``) to the request's."""
    countries = list(filters.country)
    for value in parsed.filters.get("country", []):
        try:
            countries.append(country_code(value, knows))
        except BadQueryError:
            result.warnings.append(f"pays inconnu « {value} » : filtre ignoré")
    return replace(
        filters,
        country=tuple(dict.fromkeys(countries)),
        year=tuple(dict.fromkeys([*filters.year, *parsed.filters.get("year", [])])),
        kind=tuple(dict.fromkeys([*filters.kind, *parsed.filters.get("kind", [])])),
        type=tuple(dict.fromkeys([*filters.type, *parsed.filters.get("type", [])])),
        status=tuple(dict.fromkeys([*filters.status, *parsed.filters.get("status", [])])),
        year_from=parsed.year_from if parsed.year_from is not None else filters.year_from,
        year_to=parsed.year_to if parsed.year_to is not None else filters.year_to,
    )


def country_code(text: str, knows: Knows) -> str:
    """An ISO code from a code or a country name in any spelling `resolve_country` knows."""
    country = resolve_country(text)
    if country is not None:
        return country.code
    if knows("country", text):  # a code the gazetteer lacks but the documents use
        return text.strip().upper()
    raise BadQueryError("unknown_country", value=text[:60])
