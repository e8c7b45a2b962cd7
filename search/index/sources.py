"""The documents folder as a reindex sees it: its files, their bytes and checksums, their records."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.errors import BadDocumentError
from search.ingest import MAX_PAGE_BYTES, Document, checksum_bytes, decode_page, parse_text
from search.ingest.documents import jsonl_records

#: A file modified this recently may change again within the same mtime tick without its size
#: changing; its stat is not trusted next time (the checksum decides), as git does for the index.
_RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class Source:
    rel: str  # path under the documents folder, "/"-separated: the manifest key and sort key
    location: str  # the path as found (a str: 20,000 Path objects cost more than the rest of a no-op run)
    size: int
    mtime_ns: int

    @property
    def path(self) -> Path:
        return Path(self.location)

    @property
    def is_jsonl(self) -> bool:
        return self.rel.endswith(".jsonl")


def scan(documents_dir: Path) -> list[Source]:
    """Every ``*.txt`` and ``*.jsonl`` file under the folder, sorted, hidden files and folders left out.

    Symbolic links to folders are not followed (a link loop would never end).
    """
    found: list[Source] = []
    stack: list[tuple[str | Path, str]] = [(documents_dir, "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, f"{prefix}{entry.name}/"))
                elif entry.name.endswith((".txt", ".jsonl")) and entry.is_file():
                    stat = entry.stat()
                    found.append(Source(prefix + entry.name, entry.path, stat.st_size, stat.st_mtime_ns))
    found.sort(key=lambda source: source.rel)
    return found


def stat_key(source: Source, now_ns: int) -> list[int] | None:
    """The stat to trust next time, or None if the file is too fresh to trust it (see `_RACY_NS`)."""
    if now_ns - source.mtime_ns < _RACY_NS:
        return None
    return [source.size, source.mtime_ns]


@dataclass
class Parsed:
    """One file read this run: its manifest entry and the records, parallel to ``entry["ids"]``."""

    entry: dict[str, Any]
    docs: list[Document]


@dataclass(frozen=True)
class Content:
    """A file's content and checksum, or why it could not be read."""

    data: bytes = b""
    checksum: str | None = None
    problem: str | None = None


def read(source: Source) -> Content:
    """The file's bytes and checksum; a page too large to index is not even read."""

    if not source.is_jsonl and source.size > MAX_PAGE_BYTES:
        return Content(problem=str(BadDocumentError("file_too_large", size=source.size, limit=MAX_PAGE_BYTES)))
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        return Content(problem=str(BadDocumentError("unreadable", reason=exc.strerror or exc)))
    return Content(data, checksum_bytes(data))


def parse_source(source: Source, content: Content, stat: list[int] | None) -> Parsed:
    """Records of one file; bad records become ``skipped`` reasons instead of errors."""
    if content.problem is not None:
        stat = None  # look again next time: a permission fix does not change the mtime
    entry: dict[str, Any] = {"checksum": content.checksum, "stat": stat, "ids": [], "skipped": []}
    docs: list[Document] = []
    if content.problem is not None:
        entry["skipped"].append([None, content.problem])
        return Parsed(entry, docs)
    data = content.data
    if source.is_jsonl:
        entry["lines"] = []
        for number, doc, reason in jsonl_records(data.splitlines(keepends=True), source.path):
            if doc is None:
                entry["skipped"].append([number, reason])
            else:
                entry["ids"].append(doc.id)
                entry["lines"].append(number)
                docs.append(doc)
        return Parsed(entry, docs)
    try:
        doc = page_record(source, data)
    except BadDocumentError as exc:
        entry["skipped"].append([None, str(exc)])
    else:
        entry["ids"].append(doc.id)
        docs.append(doc)
    return Parsed(entry, docs)


def page_record(source: Source, data: bytes) -> Document:
    """`parse_page` on bytes already read for the checksum (same id, source and checksum)."""

    return parse_text(decode_page(data), source.path.stem, source=str(source.path), checksum=checksum_bytes(data))


def facet_presence(doc: Document) -> dict[str, bool]:
    """Which facet fields a record has: kept per id so coverage needs no index scan."""
    return {
        "country": bool(doc.countries),
        "year": doc.year is not None,
        "type": bool(doc.type),
        "status": bool(doc.status),
    }
