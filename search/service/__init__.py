"""Service: one request in, one result out, over an engine.

Owns the request and result types (`request`, `result`), the engine seam (`engine.Engine`), and
the embedded engine: an opened index generation (`generation`), the search pipeline over it
(`pipeline`: filters, words read as filters, ranking or browsing, facets, hits with snippets,
explanations), related pages (`similar`) and the service that keeps the current generation open
and switches to a newly published one (`embedded`). It may import every layer below it; nothing
here knows about HTTP.
"""

from search.service.embedded import SearchService
from search.service.engine import Engine
from search.service.request import MAX_DEPTH, MAX_PER_PAGE, MAX_QUERY_CHARS, SORTS, SearchRequest
from search.service.result import CountryRef, Hit, IndexStatus, SearchResult
from search.service.similar import Related

__all__ = [
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
]
