"""Safe incremental reindexing of a documents folder (``python -m search reindex``).

The documents folder holds page files (``*.txt``, one record each, parsed by `search.pages`) and
JSON Lines files (``*.jsonl``, one record a line). A run compares them with the current
generation's manifest and only touches what changed:

- a file whose size and mtime match the manifest is not even read; one whose bytes hash to the
  recorded checksum is not parsed; a changed ``.jsonl`` file is re-read and its records compared
  one by one, so changing one line updates one record;
- the changes go into a *new* generation: the current generation's Whoosh files are hard-linked
  into it (Whoosh never rewrites a file it has written, so sharing them is safe), deletions and
  additions are committed there, then `publish` switches ``CURRENT`` with an atomic rename.

A run killed at any moment therefore leaves the previous generation complete; the next run
removes the unpublished folder and starts again. An exclusive lock on ``INDEX/.lock`` keeps two
runs from writing at once. When the same id comes from two files, the first file in sorted order
wins and the other is reported as skipped.

Manifest (``gen-NNNNNN/manifest.json``), besides what `publish` adds::

    documents: {id: checksum}             what the generation holds
    facets:    {id: {country, year, type, status: bool}}   field coverage without an index scan
    dates:     {id: [start, end, status]}            sheets with dates, checked on every run
    files:     {relpath: {checksum, stat: [size, mtime_ns] | null, ids: [...],
                          lines: [...] (jsonl), skipped: [[line | null, reason], ...]}}
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index

from search.errors import DocumentsMissingError
from search.index import sources
from search.index.files import index_lock, write_atomic
from search.index.generations import (
    CURRENT,
    GENERATION_PREFIX,
    MANIFEST,
    Generation,
    current_generation,
    new_generation,
    prune,
    publish,
)
from search.index.parallel import open_writer
from search.index.report import FACET_FIELDS, ReindexReport
from search.index.schema import build_schema, document_fields
from search.index.vectors import MODEL, VECTORS_FILE, VECTORS_META, VectorBuilder, VectorFile
from search.index.writer import gc_paused
from search.ingest import Document
from search.ingest.documents import inconsistencies

__all__ = ["ReindexReport", "reindex"]

MANIFEST_FORMAT = 1
_PROGRESS_EVERY_S = 0.1
#: A build from scratch of at least this many files uses two indexing processes.
PARALLEL_BUILD_FILES = 1_000
#: Files of a generation a new one does not hard-link: it writes its own.
NOT_SHARED = (MANIFEST, VECTORS_FILE, VECTORS_META)


# --------------------------------------------------------------------------------------------
# Entry point


def reindex(
    documents_dir: str | Path, index_dir: str | Path, progress: bool = False, full: bool = False, meaning: bool = True
) -> ReindexReport:
    """Bring the index in line with the documents folder, writing a new generation only if needed.

    `full` ignores the current generation and builds from scratch (after a schema change).
    `meaning` keeps a sentence vector per document (`semantic`); a generation built the other
    way is rebuilt from scratch.
    """
    start = time.perf_counter()
    documents_dir, index_dir = Path(documents_dir), Path(index_dir)
    if not documents_dir.is_dir():
        raise DocumentsMissingError("no_folder", folder=documents_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with index_lock(index_dir), gc_paused():
        _remove_unpublished(index_dir)
        previous = None if full else _usable_generation(index_dir)
        manifest = previous.manifest() if previous is not None else {}
        if previous is not None and not isinstance(manifest.get("documents"), dict):
            previous, manifest = None, {}  # a generation we cannot diff against: rebuild it whole
        if previous is not None and manifest.get("vectors") != (MODEL if meaning else None):
            previous, manifest = None, {}  # built with(out) sentence vectors: every document needs one (or none)
        run = _Run(documents_dir, index_dir, previous, manifest, _Progress(progress), meaning)
        report = run.execute()
    report.elapsed_s = time.perf_counter() - start
    return report


def _current_name(index_dir: Path) -> str | None:

    try:
        return (index_dir / CURRENT).read_text("utf-8").strip() or None
    except FileNotFoundError:
        return None


def _remove_unpublished(index_dir: Path) -> None:
    """Delete what a killed run left: generations newer than CURRENT and temporary files.

    Only called under the lock, so no other run is writing them.
    """

    current = _current_name(index_dir)
    for path in index_dir.glob(GENERATION_PREFIX + "*"):
        if path.is_dir() and path.name != current and (current is None or path.name > current):
            shutil.rmtree(path, ignore_errors=True)
    stale = list(index_dir.glob(f".{CURRENT}.*.tmp"))
    if current is not None:
        stale += (index_dir / current).glob(f".{MANIFEST}.*.tmp")
    for path in stale:
        path.unlink(missing_ok=True)


def _usable_generation(index_dir: Path):
    """The current generation if it opens with today's schema, else None (then the run builds from scratch)."""
    try:
        generation = current_generation(index_dir)
        ix = generation.open()
        try:
            with ix.searcher() as searcher:  # opens every segment: a truncated one fails here, not at open
                searcher.doc_count_all()
        finally:
            ix.close()
    except Exception:  # IndexMissingError (another schema, too), or the many types whoosh raises
        return None
    return generation


# --------------------------------------------------------------------------------------------
# A run


class _Progress:
    """A ``\\r`` counter on stderr, only when asked (the CLI asks when stderr is a terminal)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._last = 0.0

    def update(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if force or now - self._last >= _PROGRESS_EVERY_S:
            self._last = now
            sys.stderr.write(f"\rreindex: {text}\x1b[K")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


class _Run:
    """One reindex: walks the files in sorted order and streams the changes into a writer.

    Streaming keeps memory to one file's records: an id's owner is the first file (in sorted order)
    that holds it, so it is known the moment that file is read.
    """

    def __init__(
        self, documents_dir: Path, index_dir: Path, previous, manifest: dict, progress: _Progress, meaning: bool
    ):
        self.documents_dir = documents_dir
        self.index_dir = index_dir
        self.previous = previous
        self.manifest = manifest
        self.progress = progress
        self.old_docs: dict[str, str] = manifest.get("documents") or {}
        self.old_facets: dict[str, dict[str, bool]] = manifest.get("facets") or {}
        self.old_dates: dict[str, list] = manifest.get("dates") or {}
        self.old_files: dict[str, dict] = manifest.get("files") or {}
        self.old_owner = _owners(self.old_files)
        self.files: dict[str, dict] = {}
        self.documents: dict[str, str | None] = {}
        self.facets: dict[str, dict[str, bool]] = {}
        self.dates: dict[str, list] = {}
        self.owner: dict[str, tuple[str, int | None]] = {}
        self.report = ReindexReport(index_dir=str(index_dir))
        self.generation: Generation | None = None
        self.writer = None
        self.meaning = meaning
        self.vectors: VectorBuilder | None = None
        self.parallel = False
        self.now_ns = time.time_ns()

    # The walk ----------------------------------------------------------------------------

    def execute(self) -> ReindexReport:
        files = sources.scan(self.documents_dir)
        self.parallel = self.previous is None and len(files) >= PARALLEL_BUILD_FILES and (os.cpu_count() or 1) > 1
        try:
            for number, source in enumerate(files, start=1):
                self._visit(source)
                self.progress.update(f"{number}/{len(files)} files, {self._written()} to index")
            deleted = [doc_id for doc_id in self.old_docs if doc_id not in self.documents]
            self.report.deleted = len(deleted)
            if deleted or self.writer is not None or self.previous is None:
                self._commit(deleted)
            elif self.files != self.old_files:
                self._refresh_manifest()
        except BaseException:
            self._abandon()
            raise
        finally:
            self.progress.done()
        if self.previous is not None or self.generation is not None:
            prune(self.index_dir)  # also finishes a prune a killed run left half done
        self.report.current = _current_name(self.index_dir)
        self.report.coverage = self._coverage()
        self.report.inconsistent = self._inconsistent()
        return self.report

    def _visit(self, source: sources.Source) -> None:
        """Decide, for one file, which of its records are new, changed or unchanged."""
        old = self.old_files.get(source.rel)
        stat = sources.stat_key(source, self.now_ns)
        parsed: sources.Parsed | None = None
        if old is not None and old.get("stat") == [source.size, source.mtime_ns]:
            entry = old
        else:
            content = sources.read(source)
            if old is not None and content.checksum is not None and old.get("checksum") == content.checksum:
                entry = {**old, "stat": stat}
            else:
                parsed = sources.parse_source(source, content, stat)
                entry = parsed.entry
        if parsed is None and self._needs_records(source.rel, entry):
            parsed = sources.parse_source(
                source, sources.read(source), stat
            )  # it now owns an id it held as a duplicate
            entry = parsed.entry
        self.files[source.rel] = entry
        self._record_skips(source, entry)
        lines = entry.get("lines") or [None] * len(entry["ids"])
        for position, (doc_id, line) in enumerate(zip(entry["ids"], lines, strict=True)):
            if doc_id in self.owner:
                self._skip_duplicate(source, doc_id, line)
                continue
            self.owner[doc_id] = (source.rel, line)
            self._settle(source.rel, doc_id, parsed.docs[position] if parsed is not None else None)

    def _needs_records(self, rel: str, entry: dict) -> bool:
        """An unchanged file must be parsed only if it now owns an id it did not own before."""
        return any(
            doc_id not in self.owner and (self.old_owner.get(doc_id) != rel or doc_id not in self.old_docs)
            for doc_id in entry["ids"]
        )

    def _settle(self, rel: str, doc_id: str, doc: Document | None) -> None:
        """Count one owned record as added, updated or unchanged, and queue it if it must be written."""
        old_checksum = self.old_docs.get(doc_id)
        previous_owner = self.old_owner.get(doc_id)
        if doc is None:  # unchanged file that already owned the id
            self.documents[doc_id] = old_checksum
            self.facets[doc_id] = self.old_facets.get(doc_id) or dict.fromkeys(FACET_FIELDS, False)
            if doc_id in self.old_dates:
                self.dates[doc_id] = self.old_dates[doc_id]
            self.report.unchanged += 1
            return
        self.documents[doc_id] = doc.checksum
        self.facets[doc_id] = sources.facet_presence(doc)
        if doc.dates() is not None:
            self.dates[doc_id] = list(doc.dates() or ())
        if old_checksum is None:
            self.report.added += 1
        elif old_checksum != doc.checksum or previous_owner not in (None, rel):
            self.report.updated += 1
        else:
            self.report.unchanged += 1
            return
        self._write(doc)

    def _record_skips(self, source: sources.Source, entry: dict) -> None:
        for line, reason in entry.get("skipped") or []:
            self.report.skipped.append((self._where(source, line), reason))

    def _skip_duplicate(self, source: sources.Source, doc_id: str, line: int | None) -> None:
        owner_rel, owner_line = self.owner[doc_id]
        if owner_rel == source.rel:
            reason = f"duplicate id {doc_id!r}: line {owner_line} of the same file is kept"
        else:
            kept = str(self.documents_dir / owner_rel) + (f":{owner_line}" if owner_line is not None else "")
            reason = f"duplicate id {doc_id!r}: {kept} is kept (first in sorted order)"
        self.report.skipped.append((self._where(source, line), reason))

    def _where(self, source: sources.Source, line: int | None) -> str:
        return source.location + (f":{line}" if line is not None else "")

    def _written(self) -> int:
        return self.report.added + self.report.updated

    # The new generation ----------------------------------------------------------------------

    def _write(self, doc: Document) -> None:

        writer = self._writer()
        if self.previous is not None:
            writer.delete_by_term("id", doc.id)  # also heals a stray copy the manifest did not know
        writer.add_document(**document_fields(doc))
        if self.vectors is not None:
            self.vectors.add(doc.id, doc.checksum, doc.title, doc.body)

    def _writer(self):
        """The writer of the next generation, created on the first change (none on a no-op run)."""
        if self.writer is None:
            self.generation = new_generation(self.index_dir)
            if self.previous is None:
                ix = whoosh_index.create_in(str(self.generation.path), build_schema())
            else:
                _link_files(self.previous.path, self.generation.path)
                ix = whoosh_index.open_dir(str(self.generation.path))
            # A big build from scratch uses two processes, two segments.
            self.writer = open_writer(ix, limitmb=256, procs=2 if self.parallel else 1)
            if self.meaning:
                previous = VectorFile.load(self.previous.path) if self.previous is not None else None
                self.vectors = VectorBuilder(previous)
        return self.writer

    def _generation(self) -> Generation:
        assert self.generation is not None, "the writer creates the generation first"
        return self.generation

    def _commit(self, deleted: list[str]) -> None:
        """Apply deletions, commit the Whoosh writer, then publish the generation."""

        writer = self._writer()
        for doc_id in deleted:
            writer.delete_by_term("id", doc_id)
        if self.vectors is not None:
            self.progress.update(f"encoding the meaning of {self._written()} records", force=True)
            self.vectors.finish(self.documents).save(self._generation().path)
            self.report.encoded = self.vectors.encoded
        self.progress.update(f"committing {self._written()} records, {len(deleted)} deletions", force=True)
        writer.commit()
        self.writer = None
        publish(self._generation(), self._manifest())
        self.report.generation = self._generation().name

    def _abandon(self) -> None:
        """On an error or Ctrl-C: drop the unpublished generation; the current one is untouched."""
        if self.writer is not None:
            try:
                self.writer.cancel()
            except Exception:  # the folder goes anyway
                pass
            self.writer = None
        if self.generation is not None and self.report.generation is None:
            shutil.rmtree(self.generation.path, ignore_errors=True)

    def _manifest(self) -> dict:
        return {
            "format": MANIFEST_FORMAT,
            "documents": self.documents,
            "count": len(self.documents),
            "facets": self.facets,
            "dates": self.dates,
            "files": self.files,
            "vectors": MODEL if self.meaning else None,
        }

    def _refresh_manifest(self) -> None:
        """Same records, different file bookkeeping (touched files, a new bad file): update the
        current manifest in place, atomically, instead of writing a generation for nothing."""

        manifest = {**self.manifest, **self._manifest()}
        write_atomic(self.previous.path / MANIFEST, json.dumps(manifest, ensure_ascii=False))

    def _coverage(self) -> dict[str, int]:
        missing = dict.fromkeys(FACET_FIELDS, 0)
        for present in self.facets.values():  # one pass: this runs on every reindex, even a no-op
            for name in FACET_FIELDS:
                if not present.get(name):
                    missing[name] += 1
        return {"documents": len(self.facets), **{f"no_{name}": count for name, count in missing.items()}}

    def _inconsistent(self) -> list[tuple[str, str]]:
        """Sheets whose dates contradict each other or their status, judged today (so re-judged each run)."""
        this_year = datetime.now().year
        return [
            (doc_id, problem)
            for doc_id in sorted(self.dates)
            for problem in inconsistencies(tuple(self.dates[doc_id]), this_year)
        ]


def _owners(files: dict[str, dict]) -> dict[str, str]:
    """Which file owned each id in a manifest: the first in sorted order that holds it."""
    owners: dict[str, str] = {}
    for rel in sorted(files):
        for doc_id in files[rel].get("ids", []):
            owners.setdefault(doc_id, rel)
    return owners


def _link_files(source: Path, target: Path) -> None:
    """Share the previous generation's Whoosh files with the new one.

    Whoosh writes each segment and TOC file once under a fresh name and never opens one for
    writing again (deletions live in the new TOC), so a hard link cannot change the old
    generation. The manifest, the vectors (rewritten whole), lock files and temporary files are
    not Whoosh's to share.
    """

    for path in source.iterdir():
        name = path.name
        if name in NOT_SHARED or name.startswith(".") or name.endswith("LOCK") or not path.is_file():
            continue
        try:
            os.link(path, target / name)
        except OSError:
            shutil.copy2(path, target / name)  # another file system, or no hard links here
