"""Ingest: from a page file or a JSON record to a `Document` with its facets.

One module, one step: `decode` (bytes → text), `menu` (site navigation removed), `lines` (line
clean-up, hard-wrap joining, derived titles), `sheets` (project and innovation sheets), `news` (news
items and stories: title, dateline, lead), `subjects` (the countries a news item is about), `dates`
(French dates, the year of the event), `parser` (the steps in order); `documents` (the record and
the JSONL reader); `name_keys`, `gazetteer`, `places` and `demonyms` (names, cities and demonyms).
`pages` only re-exports the parser's old names until other packages import from here.
It may import `search.errors` and `search.analysis` only; nothing here knows about indexes or
queries. Other packages import from here, not from the modules.
"""

from search.ingest.decode import MAX_PAGE_BYTES, decode_page
from search.ingest.documents import (
    KIND_LABELS,
    Country,
    Document,
    checksum_bytes,
    inconsistencies,
    jsonl_records,
    read_jsonl,
)
from search.ingest.gazetteer import all_countries, canonical_name, resolve_country
from search.ingest.name_keys import name_key
from search.ingest.parser import MAX_TITLE_CHARS, parse_page, parse_pages, parse_text
from search.ingest.places import Match, find_cities, find_countries

__all__ = [
    "KIND_LABELS",
    "MAX_PAGE_BYTES",
    "MAX_TITLE_CHARS",
    "Country",
    "Document",
    "Match",
    "all_countries",
    "canonical_name",
    "checksum_bytes",
    "decode_page",
    "name_key",
    "find_cities",
    "find_countries",
    "inconsistencies",
    "jsonl_records",
    "parse_page",
    "parse_pages",
    "parse_text",
    "read_jsonl",
    "resolve_country",
]
