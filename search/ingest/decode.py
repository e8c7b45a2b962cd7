"""Bytes of a page file → text, or `BadDocumentError` saying why it is no usable page.

UTF-8 (BOM stripped), else cp1252; empty, binary and oversized files are refused with a short
reason, so `make reindex` can log the file and go on. Carriage returns are dropped.
"""

from __future__ import annotations

import re

from search.errors import BadDocumentError

__all__ = ["MAX_PAGE_BYTES", "check_text", "decode_page"]

MAX_PAGE_BYTES = 2_000_000
_MAX_CONTROL_SHARE = 0.05


def decode_page(data: bytes) -> str:
    """Text of a page file, or `BadDocumentError` saying why it is not a usable page."""
    if len(data) > MAX_PAGE_BYTES:
        raise BadDocumentError("file_too_large", size=len(data), limit=MAX_PAGE_BYTES)
    if not data.strip():
        raise BadDocumentError("empty_file")
    if b"\x00" in data:
        raise BadDocumentError("binary_nul")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise BadDocumentError("not_text") from None
    return check_text(text)


def check_text(text: str) -> str:
    """`text` with one kind of line end, or `BadDocumentError` if it is empty or binary."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise BadDocumentError("empty_file")
    if "\x00" in text:
        raise BadDocumentError("binary_nul")
    if len(_CONTROL.findall(text)) > _MAX_CONTROL_SHARE * len(text):
        raise BadDocumentError("binary_control")
    return text


#: Control characters (Unicode category Cc) other than tab, newline and form feeds, and U+FFFD.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
