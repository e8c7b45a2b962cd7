"""The posting store: a generation's postings, lengths and stored values read into numpy arrays once."""

from __future__ import annotations

import bisect
import itertools
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from search.analysis import fold, tokens
from search.analysis.acronyms import AcronymTables, Equivalent, learned_tables
from search.index import VectorFile, Vectors

if TYPE_CHECKING:
    pass


#: Decoded posting lists kept per generation (least recently used go first): bounds a worker's memory.
FIELDS = ("title", "body")
POSTING_CACHE_BYTES = 128 * 1024 * 1024


SPELL_PREFIX = "spell_"


PREFIX_EXPANSION = 50  # a prefix* matches at most this many index terms


PREFIX_SCAN = 2_000


NEAR_WORDS_CACHE = 10_000


@dataclass(frozen=True)
class Blocks:
    """Where each posting block of a term starts in one segment's postings file, and the last
    (segment-local) document number it holds: a block can be read without walking the ones before."""

    max_ids: np.ndarray
    offsets: list[int]


@dataclass(frozen=True)
class Postings:
    """A term's decoded posting list in one field (live documents), and its blocks per segment."""

    ids: np.ndarray
    freqs: np.ndarray
    blocks: list[Blocks | None]  # one per leaf; None: the term is not there, or not a Whoosh 3 list

    @property
    def nbytes(self) -> int:
        return (
            self.ids.nbytes + self.freqs.nbytes + sum(b.max_ids.nbytes + 8 * len(b.offsets) for b in self.blocks if b)
        )


class PostingStore:
    """Postings, field lengths and live documents of one open Whoosh searcher (one generation)."""

    def __init__(self, searcher: Searcher, cache_bytes: int = POSTING_CACHE_BYTES, folder: str | Path | None = None):
        """``folder``: the generation's folder, whose sentence vectors (if any) re-rank by meaning."""
        self.searcher = searcher
        self.leaves = [(s.reader(), offset) for s, offset in searcher.leaf_searchers()]
        self.size = searcher.reader().doc_count_all()
        self.live = np.zeros(self.size, dtype=bool)
        for reader, offset in self.leaves:
            for docnum in reader.all_doc_ids():
                self.live[docnum + offset] = True
        self.doc_count = int(self.live.sum())
        self.lengths = {field: self._lengths(field) for field in FIELDS}
        self.avg_length = {
            field: float(lengths[self.live].mean()) if self.doc_count else 1.0
            for field, lengths in self.lengths.items()
        }
        self._cache: OrderedDict[tuple[str, str], Postings] = OrderedDict()
        self._cache_bytes = cache_bytes
        self._cached_bytes = 0
        self._acronym_tables: AcronymTables | None = None
        self._ids: list[str] | None = None
        self._near_words: dict[tuple[str, int], list[str]] = {}
        self.norms: dict[tuple[float, float], dict[str, np.ndarray]] = {}  # see `_norms`
        self.vectors: Vectors | None = None
        if folder is not None:
            found = VectorFile.load(Path(folder))
            if found is not None:
                self._ids = self._read_ids()
                self.vectors = Vectors(found, self._ids)

    def _lengths(self, field: str) -> np.ndarray:
        lengths = np.zeros(self.size, dtype=np.float32)
        for reader, offset in self.leaves:
            count = reader.doc_count_all()
            lengths[offset : offset + count] = _leaf_lengths(reader, field, count)
        return lengths

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, term frequencies) of a term in a field, live documents only."""
        entry = self._entry(field, term)
        return entry.ids, entry.freqs

    def _entry(self, field: str, term: str) -> Postings:
        key = (field, term)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        ids: list[int] = []
        freqs: list[float] = []
        blocks: list[Blocks | None] = []
        for reader, offset in self.leaves:
            leaf_blocks = None
            if (field, term) in reader:
                leaf_ids, leaf_freqs, leaf_blocks = _read_postings(reader.postings(field, term))
                ids.extend(i + offset for i in leaf_ids)
                freqs.extend(leaf_freqs)
            blocks.append(leaf_blocks)
        id_array = np.fromiter(ids, dtype=np.int32, count=len(ids))
        freq_array = np.fromiter(freqs, dtype=np.float32, count=len(freqs))
        keep = self.live[id_array]
        result = Postings(id_array[keep], freq_array[keep], blocks)
        self._cache[key] = result
        self._cached_bytes += result.nbytes
        while self._cached_bytes > self._cache_bytes and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._cached_bytes -= old.nbytes
        return result

    def values(self, field: str, term: str, docnums: np.ndarray, kind: str) -> dict[int, Any]:
        """The stored ``kind`` (``positions``, ``characters``) of a term in each of ``docnums`` that has it.

        Only documents whose cached posting list holds the term are looked up, each by jumping to
        its block: Whoosh's ``skip_to`` reads the header of every block on the way and steps
        through a block posting by posting, milliseconds for a common word.
        """
        entry = self._entry(field, term)
        wanted = _present(entry.ids, docnums)
        found: dict[int, Any] = {}
        if len(wanted) == 0:
            return found
        for (reader, offset), blocks in zip(self.leaves, entry.blocks, strict=True):
            local = [int(d) - offset for d in wanted if offset <= d < offset + reader.doc_count_all()]
            if not local:
                continue
            matcher = reader.postings(field, term)
            leaf = _block_values(matcher, blocks, local, kind) if blocks else _skipped_values(matcher, local, kind)
            found.update((docnum + offset, value) for docnum, value in leaf.items())
        return found

    def doc_id(self, docnum: int) -> str:
        """The id of a document, from the ``id`` column (read once per generation)."""
        if self._ids is None:
            self._ids = self._read_ids()
        return self._ids[docnum]

    def _read_ids(self) -> list[str]:
        ids: list[str] = []
        for reader, _ in self.leaves:
            if reader.has_column("id"):
                ids += [v.decode("utf-8") if isinstance(v, bytes) else v for v in reader.column_reader("id")]
            else:  # an index written before ids were a column
                ids += [(reader.stored_fields(d) or {}).get("id", "") for d in range(reader.doc_count_all())]
        return ids

    # The query planner's view of the index (query.Vocabulary).

    def has_term(self, term: str) -> bool:
        reader = self.searcher.reader()
        return any((field, term) in reader for field in FIELDS)

    def prefix_terms(self, prefix: str, limit: int = PREFIX_EXPANSION) -> list[str]:
        """Index terms of the whole words starting with ``prefix``, most frequent words first."""
        words = self.words_with_prefix(fold(prefix).lower())
        terms: list[str] = []
        for word in words:
            for term in tokens(word):
                if term not in terms:
                    terms.append(term)
            if len(terms) >= limit:
                break
        return terms[:limit]

    # Whole folded words (Whoosh's spell_* fields): did-you-mean and prefix search.

    def is_word(self, word: str) -> bool:
        reader = self.searcher.reader()
        return any((SPELL_PREFIX + field, word) in reader for field in FIELDS)

    def words_with_prefix(self, prefix: str, limit: int = PREFIX_SCAN) -> list[str]:
        reader = self.searcher.reader()
        found: set[str] = set()
        for field in FIELDS:
            for raw in itertools.islice(reader.expand_prefix(SPELL_PREFIX + field, prefix), limit):
                found.add(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
        return sorted(found, key=lambda w: (-self._word_frequency(w), w))

    def near_words(self, word: str, max_edits: int) -> list[str]:
        """Whole words within ``max_edits`` of ``word`` (same first letter), most frequent first.

        Whoosh walks its word graph for this (tens of milliseconds): remembered per generation,
        since the typo fallback and did-you-mean ask for the same words.
        """
        key = (word, max_edits)
        if key not in self._near_words:
            reader = self.searcher.reader()
            fields = [SPELL_PREFIX + field for field in FIELDS]
            found = {w for field in fields for w in reader.terms_within(field, word, max_edits, prefix=1)}
            if len(self._near_words) >= NEAR_WORDS_CACHE:
                self._near_words.clear()
            self._near_words[key] = sorted(found, key=lambda w: (-self._word_frequency(w), w))
        return self._near_words[key]

    def _word_frequency(self, word: str) -> int:
        reader = self.searcher.reader()
        return sum(reader.doc_frequency(SPELL_PREFIX + field, word) for field in FIELDS)

    def learned_equivalents(self, term: str) -> list[Equivalent]:
        pair = self._acronyms()[0].get(term)
        return [pair] if pair else []

    def learned_acronym(self, terms: tuple[str, ...]) -> Equivalent | None:
        return self._acronyms()[1].get(terms)

    def _acronyms(self) -> AcronymTables:
        """Acronym → its most frequent long form in the pages, and long form → acronym."""
        if self._acronym_tables is None:
            reader = self.searcher.reader()
            lexicon = reader.lexicon("acronyms") if "acronyms" in reader.schema else []
            terms = [raw.decode("utf-8") if isinstance(raw, bytes) else raw for raw in lexicon]
            self._acronym_tables = learned_tables((term, reader.doc_frequency("acronyms", term)) for term in terms)
        return self._acronym_tables

    def positions(self, field: str, term: str, docnums: np.ndarray) -> dict[int, list[int]]:
        """Word positions of a term in each of the given documents (those that contain it)."""
        return self.values(field, term, docnums, "positions")


def _present(ids: np.ndarray, docnums) -> np.ndarray:
    """The sorted distinct ``docnums`` found in the sorted array ``ids``."""
    wanted = np.unique(np.asarray(docnums, dtype=np.int64))
    if len(ids) == 0 or len(wanted) == 0:
        return wanted[:0]
    at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    return wanted[ids[at] == wanted]


def _block_values(matcher, blocks: Blocks, local: list[int], kind: str) -> dict[int, Any]:
    """Values of the postings of sorted segment-local documents, reading only their blocks."""
    found: dict[int, Any] = {}
    loaded = 0  # a fresh matcher has read its first block
    for docnum in local:
        block = int(np.searchsorted(blocks.max_ids, docnum))  # first block ending at or after it
        if block == len(blocks.offsets):
            break
        if block != loaded:
            matcher._goto(blocks.offsets[block])
            loaded = block
        if matcher._ids is None:
            matcher._read_ids()
        at = bisect.bisect_left(matcher._ids, docnum)
        if at < len(matcher._ids) and matcher._ids[at] == docnum:
            matcher._i = at
            found[docnum] = matcher.value_as(kind)
    return found


def _skipped_values(matcher, local: list[int], kind: str) -> dict[int, Any]:
    """The same through Whoosh's public ``skip_to`` (posting lists of other formats)."""
    found: dict[int, Any] = {}
    for docnum in local:
        if not matcher.is_active():
            break
        matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            found[docnum] = matcher.value_as(kind)
    return found


_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


def _leaf_lengths(reader, field: str, count: int) -> np.ndarray:
    """Field lengths of one segment's documents, read as one block of the lengths column.

    Whoosh stores each length as one byte; asking for them one document at a time costs seconds
    at 100,000 documents. Falls back to the public per-document call for other codecs.
    """
    perdoc: Any = getattr(reader, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) if hasattr(perdoc, "_cached_reader") else None
    if column is not None and hasattr(column, "_dbfile") and getattr(column, "_fixedlen", None) == 1:
        raw = column._dbfile.get(column._basepos, min(column._count, count))
        lengths = np.zeros(count, dtype=np.float32)
        lengths[: len(raw)] = _BYTE_TO_LENGTH[np.frombuffer(raw, dtype=np.uint8)]
        return lengths
    return np.array([reader.doc_field_length(d, field, 0) or 0 for d in range(count)], dtype=np.float32)


def _read_postings(matcher) -> tuple[list[int], list[float], Blocks | None]:
    ids: list[int] = []
    freqs: list[float] = []
    if all(hasattr(matcher, name) for name in ("_read_ids", "_next_block", "_goto", "_baseoffset")):
        # Whoosh 3 codec: decode whole blocks rather than stepping posting by posting, and note
        # where each block starts for `PostingStore.values`.
        max_ids: list[int] = []
        offsets: list[int] = []
        position = matcher._baseoffset
        while matcher.is_active():
            max_ids.append(matcher._maxid)
            offsets.append(position)
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            freqs.extend(matcher._weights)
            position = matcher._nextoffset
            matcher._next_block()
        return ids, freqs, Blocks(np.array(max_ids, dtype=np.int64), offsets)
    while matcher.is_active():
        ids.append(matcher.id())
        freqs.append(matcher.weight())
        matcher.next()
    return ids, freqs, None
