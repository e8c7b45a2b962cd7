"""Ingest: from a page file or a JSON record to a `Document` with its facets.

Owns the document model (`documents`), the page parser (`pages`: decoding, site menu, project
and innovation sheets, news and stories) and the country gazetteer (`places`). It may import
`search.errors` and `search.analysis` only; nothing here knows about indexes or queries.
"""

from search.ingest.documents import KIND_LABELS, Country, Document, checksum_bytes, read_jsonl
from search.ingest.pages import parse_page, parse_text
from search.ingest.places import resolve_country

__all__ = [
    "KIND_LABELS",
    "Country",
    "Document",
    "checksum_bytes",
    "parse_page",
    "parse_text",
    "read_jsonl",
    "resolve_country",
]
