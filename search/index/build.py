"""A full build: every record into a new generation, published when complete."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable
from pathlib import Path

from whoosh import index as whoosh_index

from search.index import whoosh_fixes  # noqa: F401  (applied on import)
from search.index.files import index_lock
from search.index.generations import new_generation, prune, publish
from search.index.parallel import open_writer
from search.index.schema import build_schema, document_fields
from search.index.vectors import MODEL, VectorBuilder
from search.index.writer import gc_paused
from search.ingest import Document

log = logging.getLogger(__name__)


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
