"""The on-disk index: its schema, how records enter it, and index generations.

An index folder holds generations (``gen-000001``, ``gen-000002``, …), each a complete Whoosh
index, and a ``CURRENT`` file naming the one readers use. A build writes a new generation and
then replaces ``CURRENT`` with an atomic rename, so a reader never sees a half-written index and
a build killed at any moment leaves the previous generation complete.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from search import whoosh_fixes  # noqa: F401  (applied on import)
from search.acronyms import encode, extract_pairs
from search.analysis import french_analyzer
from search.errors import IndexLockedError, IndexMissingError
from search.ingest.documents import Document
from search.semantic import MODEL, VectorBuilder
from search.writer import gc_paused, open_writer

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
GENERATION_PREFIX = "gen-"
MANIFEST = "manifest.json"
LOCK_FILE = ".lock"
#: Bump when build_schema() or document_fields() change: `reindex` then rebuilds from scratch.
#: 7: the numbers are indexed as one term each (``shift_step=0``), not 8 or 16 tiered terms.
SCHEMA_VERSION = 7


def build_schema() -> Schema:
    """Title and body share the French chain; facets are columns for fast counting and sorting."""
    analyzer = french_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),  # a column: ids of ranked hits without stored reads
        title=TEXT(analyzer=analyzer, phrase=True, spelling=True),
        # Character offsets with positions: snippets are cut and highlighted without re-analysis.
        body=TEXT(analyzer=analyzer, phrase=True, chars=True, spelling=True),
        # The same words folded but not stemmed: an exact-word bonus (Elasticsearch's ``most_fields``
        # with an exact subfield) ranks ``formation`` above ``formé`` for a query typed ``formation``.
        title_exact=TEXT(analyzer=french_analyzer(stem_words=False), phrase=False),
        body_exact=TEXT(analyzer=french_analyzer(stem_words=False), phrase=False),
        kind=ID(stored=True),
        country=KEYWORD(stored=True, lowercase=False, scorable=False),
        # One index term per number (shift_step=0), not Whoosh's 8 (int) or 16 (float) tiers,
        # which only speed up range queries on the terms: facets, ranges and sorts read the
        # stored values into arrays instead (`facets`), and a Whoosh NumericRange still works.
        # The tiers were ~40 postings per document, most of them single-document terms.
        year=NUMERIC(int, stored=True, sortable=True, signed=False, bits=32, shift_step=0),
        # with end_year: the years a project ran
        start_year=NUMERIC(int, stored=True, signed=False, bits=32, shift_step=0),
        end_year=NUMERIC(int, stored=True, sortable=True, signed=False, bits=32, shift_step=0),
        budget=NUMERIC(float, stored=True, shift_step=0),
        type=ID(stored=True, sortable=True),
        status=ID(stored=True, sortable=True),
        # "cdd=contrat dur determin": acronym pairs the page spells out, for query expansion.
        acronyms=KEYWORD(commas=True, lowercase=False, scorable=False),
        record=STORED,
    )


def document_fields(doc: Document) -> dict:
    """The Whoosh fields of one record; the whole record is stored as JSON for display."""
    fields = {
        "id": doc.id,
        "title": doc.title,
        "body": doc.body,
        "title_exact": doc.title,
        "body_exact": doc.body,
        "kind": doc.kind,
        "record": json.dumps(doc.to_dict(), ensure_ascii=False),
    }
    pairs = extract_pairs(doc.title) | extract_pairs(doc.body)
    if pairs:
        fields["acronyms"] = ",".join(encode(acronym, long_form) for acronym, long_form in sorted(pairs))
    if doc.countries:
        fields["country"] = " ".join(c.code for c in doc.countries)
    if doc.year is not None:
        fields["year"] = doc.year
    if doc.start_year is not None:
        fields["start_year"] = doc.start_year
    if doc.end_year is not None:
        fields["end_year"] = doc.end_year
    if doc.budget_usd is not None:
        fields["budget"] = float(doc.budget_usd)
    if doc.type:
        fields["type"] = doc.type
    if doc.status:
        fields["status"] = doc.status
    return fields


@dataclass
class Generation:
    """One complete Whoosh index inside an index folder."""

    path: Path
    # Parsed once per object: a manifest of 20,000 pages takes 0.1 s to parse, and one reindex
    # run with nothing to do used to parse it four times. Treat the returned dict as read-only.
    _manifest: dict | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.path.name

    def open(self):
        return whoosh_index.open_dir(str(self.path))

    def manifest(self) -> dict:
        if self._manifest is None:
            manifest_path = self.path / MANIFEST
            self._manifest = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else {}
        return self._manifest


def current_generation(index_dir: str | Path) -> Generation:
    """The generation readers should use; a clear error when there is none."""
    index_dir = Path(index_dir)
    pointer = index_dir / CURRENT
    if not pointer.exists():
        raise IndexMissingError(
            f"no index in {index_dir}: build one with `make reindex` "
            f"(or `python -m search index --jsonl FILE --index {index_dir}`)"
        )
    name = pointer.read_text("utf-8").strip()
    path = index_dir / name
    try:
        readable = bool(name) and whoosh_index.exists_in(str(path))
    except Exception as exc:  # a truncated or garbage TOC: EOFError, UnpicklingError, IndexError, ...
        raise IndexMissingError(
            f"the index in {index_dir} is damaged ({name} is not readable: {type(exc).__name__}): run `make reindex`"
        ) from exc
    if not readable:
        raise IndexMissingError(
            f"the index in {index_dir} is damaged ({name or 'CURRENT is empty'} is not readable): run `make reindex`"
        )
    generation = Generation(path)
    built_with = _manifest_schema(generation)
    if built_with != SCHEMA_VERSION:
        raise IndexMissingError(
            f"the index in {index_dir} was built by another version of this program "
            f"(schema {built_with}, this one reads {SCHEMA_VERSION}): run `make reindex`"
        )
    return generation


def _manifest_schema(generation: Generation) -> object:
    try:
        return generation.manifest().get("schema")
    except (OSError, ValueError):  # an unreadable manifest: treated like an old one
        return None


def open_index(index_dir: str | Path):
    """Open the current generation's Whoosh index."""
    generation = current_generation(index_dir)
    try:
        return generation.open()
    except Exception as exc:  # whoosh raises many types for a damaged folder
        raise IndexMissingError(f"the index in {index_dir} is damaged ({exc}): run `make reindex`") from exc


def new_generation(index_dir: str | Path) -> Generation:
    """A fresh, empty generation folder numbered after every existing one."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    numbers = [
        int(p.name[len(GENERATION_PREFIX) :])
        for p in index_dir.glob(GENERATION_PREFIX + "*")
        if p.name[len(GENERATION_PREFIX) :].isdigit()
    ]
    path = index_dir / f"{GENERATION_PREFIX}{max(numbers, default=0) + 1:06d}"
    path.mkdir()
    return Generation(path)


def publish(generation: Generation, manifest: dict) -> None:
    """Write the manifest, then point CURRENT at the generation with an atomic rename."""
    manifest = {**manifest, "generation": generation.name, "built_at": time.time(), "schema": SCHEMA_VERSION}
    write_atomic(generation.path / MANIFEST, json.dumps(manifest, ensure_ascii=False))
    write_atomic(generation.path.parent / CURRENT, generation.name)


def prune(index_dir: str | Path, keep: int = 2) -> None:
    """Remove old generations, keeping the current one and the ``keep - 1`` before it.

    An old generation may still be open in a server that has not switched yet, hence keep=2.
    """
    index_dir = Path(index_dir)
    try:  # the pointer alone: validating the generation would parse its whole manifest again
        current = (index_dir / CURRENT).read_text("utf-8").strip()
    except FileNotFoundError:
        return
    if not current:
        return
    generations = sorted(p for p in index_dir.glob(GENERATION_PREFIX + "*") if p.is_dir())
    keep_names = {current} | {p.name for p in generations if p.name <= current}
    keep_names = set(sorted(keep_names)[-keep:]) | {current}
    for path in generations:
        if path.name not in keep_names:
            shutil.rmtree(path, ignore_errors=True)


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """Hold ``INDEX/.lock`` for the run; a second run fails at once instead of waiting.

    The lock file is never deleted: removing it would let two runs lock two different files.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            raise IndexLockedError(
                f"another reindex is running on {index_dir} (it holds {path}); wait for it to finish"
            ) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def build_index(
    docs: Iterable[Document], index_dir: str | Path, limitmb: int = 256, procs: int = 1, meaning: bool = True
) -> int:
    """Index every record into a new generation and publish it; returns the document count.

    ``procs=2`` analyses and writes in two processes, each leaving its own segment (measured on
    2 cores: 171 → 340 documents/s on 4,000 pages); searching handles several segments.
    ``meaning`` also encodes each document's sentence vector (`semantic`; about 50 documents/s).
    """
    with index_lock(Path(index_dir)), gc_paused():
        return _build(docs, index_dir, limitmb, procs, meaning)


def _build(docs: Iterable[Document], index_dir: str | Path, limitmb: int, procs: int, meaning: bool) -> int:
    generation = new_generation(index_dir)
    ix = whoosh_index.create_in(str(generation.path), build_schema())
    writer = open_writer(ix, limitmb=limitmb, procs=procs)
    vectors = VectorBuilder() if meaning else None
    count = 0
    checksums = {}
    try:
        for doc in docs:
            if doc.id in checksums:
                log.warning("duplicate document id %r (%s): the first one is kept", doc.id, doc.source)
                continue
            writer.add_document(**document_fields(doc))
            if vectors is not None:
                vectors.add(doc.id, doc.checksum, doc.title, doc.body)
            checksums[doc.id] = doc.checksum
            count += 1
        if vectors is not None:
            vectors.finish(checksums).save(generation.path)
        writer.commit()
    except BaseException:
        writer.cancel()
        shutil.rmtree(generation.path, ignore_errors=True)
        raise
    publish(generation, {"documents": checksums, "count": count, "vectors": MODEL if meaning else None})
    prune(index_dir)
    return count
