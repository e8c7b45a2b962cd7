"""Old home of the page parser, kept only so that other packages' imports still work.

The parser is now split by step (see `search.ingest`); import from `search.ingest`. Delete this
module once no `search.ingest.pages` import is left outside the package.
"""

from search.ingest.decode import MAX_PAGE_BYTES, decode_page
from search.ingest.parser import MAX_TITLE_CHARS, parse_page, parse_pages, parse_text

__all__ = ["MAX_PAGE_BYTES", "MAX_TITLE_CHARS", "decode_page", "parse_page", "parse_pages", "parse_text"]
