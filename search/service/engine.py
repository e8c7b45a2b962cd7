"""The engine seam: what the web app, the command line and the tools ask of a search engine.

Everything above this line (``web/``, ``python -m search query``, the bench) holds an `Engine`
and nothing else; the request and result types are this package's. The embedded engine
(`search.service.embedded.SearchService`, Whoosh generations on local disk) is one
implementation; a distributed one (OpenSearch) is another, answering the same requests with the
same result shapes. Engines raise `search.errors` types only.
"""

from __future__ import annotations

from typing import Any, Protocol

from search.results import Explanation
from search.service.request import SearchRequest
from search.service.result import IndexStatus, SearchResult
from search.service.similar import Related


class Engine(Protocol):
    """A searchable collection of documents. Thread-safe: a server shares one across requests."""

    def search(self, request: SearchRequest) -> SearchResult:
        """One page of ranked (or sorted) hits with snippets, the exact total and facet counts."""
        ...

    def explain(self, request: SearchRequest, doc_id: str) -> Explanation:
        """Why ``doc_id`` is, or is not, among the results of ``request``."""
        ...

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """The stored record of a document, or None for an unknown id."""
        ...

    def similar(self, doc_id: str, limit: int = 5) -> list[Related]:
        """Documents related to ``doc_id``, best first; [] for an unknown id."""
        ...

    def status(self) -> IndexStatus:
        """Document count and which build of the index answers."""
        ...

    def close(self) -> None:
        """Release files, connections and threads."""
        ...
