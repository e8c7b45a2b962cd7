"""Recherche OIM: French full-text and faceted search over the OIM/IOM French web pages.

The public API, for the web app, the command line and other tools::

    from search import SearchRequest, SearchService

    service = SearchService("index_data/index")
    result = service.search(SearchRequest(q="santé migrants guinée", country=("GN",)))
    result.total, [hit.title for hit in result.hits], result.facets["year"]

The code is layered, each package importing only those before it: `analysis` (the French
chain) → `ingest` (pages to documents) → `index` (the embedded engine's files) → `query`
(syntax, plan, filters read from words) → `rank` (BM25F, proximity, meaning) → `results`
(facets, snippets, explanations) → `service` (requests, results, the engine seam). The
developer tools (`search.tools`) sit on top and are never imported by the search itself.

Names are imported on first use (PEP 562), so ``import search.opensearch.cluster`` or
``import search.errors`` does not load Whoosh, numpy and the sentence encoder.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the package that defines it.
_EXPORTS = {
    "search.analysis": ("MAX_INSPECTED_CHARS", "TokenSteps", "inspect", "tokens"),
    "search.errors": (
        "BadDocumentError",
        "BadQueryError",
        "DocumentsMissingError",
        "IndexLockedError",
        "IndexMissingError",
        "EngineUnavailableError",
        "SearchError",
    ),
    "search.engines": ("ENGINES", "engine_name", "open_engine"),
    "search.index": ("build_index", "reindex"),
    "search.ingest": ("KIND_LABELS", "Country", "Document", "parse_page", "read_jsonl", "resolve_country"),
    "search.results": ("MATCH_KIND_LABELS", "Explanation"),
    "search.service": (
        "MAX_DEPTH",
        "MAX_PER_PAGE",
        "MAX_QUERY_CHARS",
        "SORTS",
        "CountryRef",
        "Engine",
        "Hit",
        "IndexStatus",
        "Related",
        "SearchRequest",
        "SearchResult",
        "SearchService",
    ),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = [
    "ENGINES",
    "EngineUnavailableError",
    "engine_name",
    "open_engine",
    "KIND_LABELS",
    "MATCH_KIND_LABELS",
    "MAX_DEPTH",
    "MAX_INSPECTED_CHARS",
    "MAX_PER_PAGE",
    "MAX_QUERY_CHARS",
    "SORTS",
    "BadDocumentError",
    "BadQueryError",
    "Country",
    "CountryRef",
    "Document",
    "DocumentsMissingError",
    "Engine",
    "Explanation",
    "Hit",
    "IndexLockedError",
    "IndexMissingError",
    "IndexStatus",
    "Related",
    "SearchError",
    "SearchRequest",
    "SearchResult",
    "SearchService",
    "TokenSteps",
    "build_index",
    "inspect",
    "parse_page",
    "read_jsonl",
    "reindex",
    "resolve_country",
    "tokens",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'search' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # next time without this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:
    from search.analysis import MAX_INSPECTED_CHARS, TokenSteps, inspect, tokens
    from search.engines import ENGINES, engine_name, open_engine
    from search.errors import (
        BadDocumentError,
        BadQueryError,
        DocumentsMissingError,
        EngineUnavailableError,
        IndexLockedError,
        IndexMissingError,
        SearchError,
    )
    from search.index import build_index, reindex
    from search.ingest import KIND_LABELS, Country, Document, parse_page, read_jsonl, resolve_country
    from search.results import MATCH_KIND_LABELS, Explanation
    from search.service import (
        MAX_DEPTH,
        MAX_PER_PAGE,
        MAX_QUERY_CHARS,
        SORTS,
        CountryRef,
        Engine,
        Hit,
        IndexStatus,
        Related,
        SearchRequest,
        SearchResult,
        SearchService,
    )
