"""Parse one OIM/IOM page text file into a `Document`: the steps, in order.

1. Decode and check (`decode`): UTF-8 or cp1252; empty, binary and oversized files refused.
2. Remove the site's navigation block (`menu`).
3. Recognise the layout and read its fields: a project or innovation sheet (`sheets`), else a
   news item, story or other page (`news`, which reads a news item's countries and year).

Facets are only taken from what the page states; None beats a guess. Text is kept as it is
(lost characters like `mis en uvre` included); escaping is the renderer's job.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from search.errors import BadDocumentError
from search.ingest.decode import MAX_PAGE_BYTES, check_text, decode_page
from search.ingest.documents import Document, checksum_bytes
from search.ingest.lines import clean_lines, cut, trim_blank
from search.ingest.menu import strip_navigation
from search.ingest.news import fill_article, read_article
from search.ingest.sheets import fill_sheet, read_sheet

log = logging.getLogger(__name__)

__all__ = ["MAX_TITLE_CHARS", "parse_page", "parse_pages", "parse_text"]

MAX_TITLE_CHARS = 500
_URL_LINE = re.compile(r"^(?:URL\s*:\s*|Source\s*:\s*)?(?P<url>https?://\S+)$", re.IGNORECASE)


def _finish_title(title: str, body: list[str]) -> tuple[str, list[str]]:
    """Cap an absurd title; its full text then stays at the top of the body, so nothing is lost."""
    title = " ".join(title.split())
    if len(title) <= MAX_TITLE_CHARS:
        return title, body
    return cut(title, MAX_TITLE_CHARS), [title, *body]


def _take_url(lines: list[str]) -> tuple[str | None, list[str]]:
    for index in [*range(min(3, len(lines))), *range(max(0, len(lines) - 3), len(lines))]:
        match = _URL_LINE.match(lines[index].strip())
        if match:
            return match["url"], lines[:index] + lines[index + 1 :]
    return None, lines


def parse_text(text: str, doc_id: str, source: str | None = None, checksum: str | None = None) -> Document:
    """Parse the text of one page into a record; `BadDocumentError` if there is no page in it."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PAGE_BYTES:
        raise BadDocumentError("page_too_large", limit=MAX_PAGE_BYTES)
    text = check_text(text)
    if checksum is None:
        checksum = checksum_bytes(text.encode("utf-8", "surrogatepass"))
    lines = trim_blank(strip_navigation(clean_lines(text)))
    if not any(line.strip() for line in lines):
        raise BadDocumentError("navigation_only")
    url, lines = _take_url(lines)
    found = read_sheet(lines)
    article = read_article(lines) if found is None else None
    if found is not None:
        sheet, kind = found
    else:
        assert article is not None  # a page that is no sheet is read as an article
        sheet, kind = article.sheet, article.kind
    title, body = _finish_title(sheet.title, sheet.body)
    body_text = "\n".join(body).strip()
    doc = Document(id=doc_id, title=title, body=body_text, url=url, source=source, checksum=checksum)
    if article is None:
        fill_sheet(doc, sheet, kind)
    else:
        fill_article(doc, article)
    if not doc.title and not doc.body:
        raise BadDocumentError("no_text")
    return doc


def parse_page(path: str | Path) -> Document:
    """Parse one page file; its id is the file name without extension."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_PAGE_BYTES:
            raise BadDocumentError("file_too_large", size=size, limit=MAX_PAGE_BYTES)
        data = path.read_bytes()
    except OSError as exc:
        raise BadDocumentError("unreadable", reason=exc.strerror or exc) from None
    text = decode_page(data)
    return parse_text(text, path.stem, source=str(path), checksum=checksum_bytes(data))


def parse_pages(paths: Iterable[str | Path]) -> list[Document]:
    """Parse several files, logging and skipping the bad ones (`file: reason`)."""
    documents = []
    for path in paths:
        try:
            documents.append(parse_page(path))
        except BadDocumentError as exc:
            log.warning("%s: %s", path, exc)
    return documents
