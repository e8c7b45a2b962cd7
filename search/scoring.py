"""BM25F scoring with numpy over postings read from the Whoosh index.

Whoosh's own matchers score one posting at a time in Python; a query over a common word walks
tens of thousands of them. Here each posting list is read once per index generation (block by
block), kept as numpy arrays, and a query is scored for every document at once:

    tf~(d)   = Σ_fields  w_f · tf_f(d) / (1 − b_f + b_f · len_f(d) / avglen_f)
    score(d) = Σ_terms   idf(t) · tf~(d) / (k1 + tf~(d))        (true BM25F, Robertson 2004)

or, with ``Ranking.fields == "dismax"``, each field saturated on its own and combined as the best
field plus ``tie`` times the other; plus the same over the unstemmed words (``exact_weight``);
then multiplied by a coordination factor (share of query words matched) and re-ranked on the
top candidates by a proximity bonus (query words near each other in the body).
"""

from __future__ import annotations

import bisect
import itertools
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from search.acronyms import Equivalent, decode
from search.analysis import fold, tokens
from search.semantic import VectorFile, Vectors

if TYPE_CHECKING:
    from search.query import Group

FIELDS = ("title", "body")
#: Decoded posting lists kept per generation (least recently used go first): bounds a worker's memory.
POSTING_CACHE_BYTES = 128 * 1024 * 1024
SPELL_PREFIX = "spell_"
PREFIX_EXPANSION = 50  # a prefix* matches at most this many index terms
PREFIX_SCAN = 2_000
NEAR_WORDS_CACHE = 10_000
PHRASE_CHUNK = 256
PROXIMITY_CANDIDATES = 200
EXACT_SUFFIX = "_exact"  # title_exact, body_exact: the folded words before stemming
NORMS_CACHE = 8  # rankings whose length normalisation a store keeps (evaluation grids try many)


@dataclass
class Scored:
    """Scores of every document (0 where nothing matched) and which documents match the query."""

    scores: np.ndarray
    matched: np.ndarray  # bool mask of matching documents
    groups: list[list[str]]


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

    def __init__(self, searcher, cache_bytes: int = POSTING_CACHE_BYTES, folder: str | Path | None = None):
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
        self._acronym_tables = None
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

    def _acronyms(self) -> tuple[dict[str, Equivalent], dict[tuple[str, ...], Equivalent]]:
        """Acronym → its most frequent long form in the pages, and long form → acronym."""
        if self._acronym_tables is None:
            reader = self.searcher.reader()
            best: dict[str, tuple[int, Equivalent, Equivalent]] = {}
            if "acronyms" in reader.schema:
                for raw in reader.lexicon("acronyms"):
                    term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                    pair = decode(term)
                    if pair is None:
                        continue
                    acronym, long_terms, label = pair
                    df = reader.doc_frequency("acronyms", term)
                    if acronym not in best or df > best[acronym][0]:
                        best[acronym] = (df, Equivalent(long_terms, label), Equivalent((acronym,), acronym.upper()))
            forward = {acronym: long_form for acronym, (_, long_form, _) in best.items()}
            backward = {long_form.terms: short for _, long_form, short in best.values()}
            self._acronym_tables = (forward, backward)
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
    perdoc = getattr(reader, "_perdoc", None)
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


def idf(doc_count: int, df: int) -> float:
    """BM25 idf, never negative (Lucene's form)."""
    return math.log(1.0 + (doc_count - df + 0.5) / (df + 0.5))


def score(store: PostingStore, groups: list[Group], ranking) -> Scored:
    """Score every document for the planned query ``groups``."""
    size = store.size
    scores = np.zeros(size, dtype=np.float32)
    matched_groups = np.zeros(size, dtype=np.int16)
    norms = _norms(store, ranking)
    for group in groups:
        part, present = _term_part(store, group.terms, ranking, norms)
        if part is not None and ranking.exact_weight > 0 and group.words:
            exact, _ = _term_part(store, group.words, ranking, norms, EXACT_SUFFIX)
            if exact is not None:
                part += ranking.exact_weight * exact
        for phrase in group.phrases:
            phrase_part, phrase_present = _phrase_part(store, phrase, ranking, norms)
            if phrase_present is not None:
                phrase_part *= ranking.expansion_weight
                part = phrase_part if part is None else np.maximum(part, phrase_part)
                present = phrase_present if present is None else present | phrase_present
        if part is None:
            continue
        scores += part if group.weight == 1.0 else part * group.weight
        matched_groups += present
    matched = matched_groups > 0
    if groups and ranking.operator == "and":
        matched = matched_groups == len(groups)
    if len(groups) > 1 and ranking.operator == "coord" and ranking.coord > 0:
        scores *= np.power(matched_groups / len(groups), ranking.coord, dtype=np.float32)
    scores[~matched] = 0
    return Scored(scores=scores, matched=matched, groups=[g.terms for g in groups])


def _norms(store: PostingStore, ranking) -> dict[str, np.ndarray]:
    """BM25 length normalisation of every document, per field (read only: shared between queries).

    It depends only on the generation and the two ``b`` of the ranking, yet cost two passes over
    every document's lengths per query: kept on the store for the last few rankings used.
    """
    key = (ranking.title_b, ranking.b)
    cached = store.norms.get(key)
    if cached is None:
        b = {"title": ranking.title_b, "body": ranking.b}
        cached = {
            field: 1.0 - b[field] + b[field] * store.lengths[field] / max(store.avg_length[field], 1e-9)
            for field in FIELDS
        }
        for array in cached.values():
            array.setflags(write=False)
        if len(store.norms) >= NORMS_CACHE:
            store.norms.clear()
        store.norms[key] = cached
    return cached


def _term_part(
    store: PostingStore, terms, ranking, norms, suffix: str = ""
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """BM25F of a set of alternative terms (their frequencies add up), and where they occur.

    ``suffix`` picks the fields: ``""`` the stemmed title and body, ``_exact`` their whole words
    (same lengths: stemming never changes how many words a field has). With ``ranking.fields ==
    "dismax"`` each field saturates on its own: best field plus ``tie`` times the other.
    """
    found = _term_tf(store, terms, ranking, norms, suffix)
    if found is None:
        return None, None
    tf, mask = found
    docs = np.flatnonzero(mask)
    part = np.zeros(store.size, dtype=np.float32)
    part[docs] = _saturated(store, tf, docs, len(docs), ranking)
    return part, mask


def _term_tf(store: PostingStore, terms, ranking, norms, suffix: str = "") -> tuple[dict, np.ndarray] | None:
    """Each field's weighted, length-normalised frequency of the terms in every document, and
    where they occur (None: nowhere)."""
    weights = {"title": ranking.title_boost, "body": 1.0}
    tf = {field: np.zeros(store.size, dtype=np.float32) for field in FIELDS}
    # Where the terms occur, as a mask: its nonzero positions are the sorted union of the posting
    # lists (np.unique of their concatenation sorts; at 100,000 documents that was most of a query).
    mask = np.zeros(store.size, dtype=bool)
    found = False
    for term in terms:
        for field in FIELDS:
            ids, freqs = store.postings(field + suffix, term)
            if len(ids):
                tf[field][ids] += weights[field] * freqs / norms[field][ids]
                mask[ids] = True
                found = True
    return (tf, mask) if found else None


def _saturated(store: PostingStore, tf: dict, docs: np.ndarray, df: int, ranking) -> np.ndarray:
    """The BM25F part of the documents ``docs`` (float32, elementwise: the same for a document
    whichever others are computed with it), for terms found in ``df`` documents."""
    k1 = ranking.k1
    if ranking.fields == "dismax":
        title, body = ((tf[field][docs] * (k1 + 1) / (k1 + tf[field][docs])) for field in FIELDS)
        best = np.maximum(title, body)
        saturated = best + ranking.tie * (title + body - best)
    else:
        summed = tf["title"][docs] + tf["body"][docs]
        saturated = summed * (k1 + 1) / (k1 + summed)
    return idf(store.doc_count, df) * saturated


def _phrase_part(store: PostingStore, phrase, ranking, norms) -> tuple[np.ndarray, np.ndarray | None]:
    """Sum of the words' BM25F over the documents that contain every word of ``phrase``.

    Saturated only where every word occurs: a long form of common words (an acronym's expansion)
    would otherwise be scored over most of the documents, then zeroed outside the few that match.
    """
    total = np.zeros(store.size, dtype=np.float32)
    words = []
    everywhere = None
    for word in phrase:
        found = _term_tf(store, [word], ranking, norms)
        if found is None:
            return total, None
        words.append(found)
        everywhere = found[1] if everywhere is None else everywhere & found[1]
    if everywhere is None or not everywhere.any():
        return total, None
    docs = np.flatnonzero(everywhere)
    sums = np.zeros(len(docs), dtype=np.float32)
    for tf, mask in words:  # in the phrase's order, as the sum over whole arrays was
        sums += _saturated(store, tf, docs, int(np.count_nonzero(mask)), ranking)
    total[docs] = sums
    return total, everywhere


def phrase_mask(
    store: PostingStore, words, within: np.ndarray, deadline: float | None = None
) -> tuple[np.ndarray, bool]:
    """Documents (among ``within``) whose title or body has ``words`` at their relative positions.

    ``words`` is a sequence of (term, offset); a one-word phrase is a plain term match. Positions
    are checked in chunks; past ``deadline`` (a ``time.perf_counter()`` value) the check stops and
    the second value is False: the mask then holds only the documents verified so far.
    """
    found = np.zeros(store.size, dtype=bool)
    for field in FIELDS:
        candidates = within.copy()
        for term, _ in words:
            ids, _ = store.postings(field, term)
            present = np.zeros(store.size, dtype=bool)
            present[ids] = True
            candidates &= present
        docnums = np.flatnonzero(candidates)
        if len(words) == 1 or len(docnums) == 0:
            found |= candidates
            continue
        for start in range(0, len(docnums), PHRASE_CHUNK):
            if deadline is not None and time.perf_counter() > deadline:
                return found, False
            chunk = docnums[start : start + PHRASE_CHUNK]
            positions = [store.positions(field, term, chunk) for term, _ in words]
            for docnum in chunk:
                if _has_phrase(int(docnum), words, positions):
                    found[docnum] = True
    return found, True


def _has_phrase(docnum: int, words, positions: list[dict[int, list[int]]]) -> bool:
    starts = set(positions[0].get(docnum, ()))
    for (_, offset), where in zip(words[1:], positions[1:], strict=True):
        starts &= {p - offset for p in where.get(docnum, ())}
        if not starts:
            return False
    return bool(starts)


def top(scored: Scored, limit: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Document numbers of the ``limit`` best matches (best first) and the exact total."""
    candidates = scored.matched if mask is None else scored.matched & mask
    docnums = np.flatnonzero(candidates)
    total = len(docnums)
    if total == 0 or limit <= 0:
        return docnums[:0], total
    values = scored.scores[docnums]
    if total > limit:
        part = np.argpartition(-values, limit - 1)[:limit]
        docnums, values = docnums[part], values[part]
    order = np.lexsort((docnums, -values))  # ties: lower document number first, deterministic
    return docnums[order], total


def add_proximity(store: PostingStore, scored: Scored, ranking, mask: np.ndarray | None = None) -> None:
    """Reward the best candidates whose body has consecutive query words within ``slop`` positions."""
    groups = scored.groups
    if ranking.proximity <= 0 or len(groups) < 2:
        return
    candidates, _ = top(scored, PROXIMITY_CANDIDATES, mask)
    if len(candidates) == 0:
        return
    positions = []
    for group in groups:
        merged: dict[int, list[int]] = {}
        for term in group:
            for docnum, pos in store.positions("body", term, candidates).items():
                merged.setdefault(docnum, []).extend(pos)
        positions.append(merged)
    for left, right in zip(positions, positions[1:], strict=False):
        for docnum, left_pos in left.items():
            right_pos = right.get(docnum)
            if right_pos:
                near = _near_pairs(left_pos, right_pos, ranking.slop)
                if near:
                    scored.scores[docnum] += ranking.proximity * near / (near + 1.0)


def _near_pairs(left: list[int], right: list[int], slop: int) -> int:
    """How many positions of ``left`` have a ``right`` position within ``slop`` after or before."""
    right_sorted = np.sort(np.asarray(right))
    left_arr = np.asarray(left)
    lo = np.searchsorted(right_sorted, left_arr - slop, side="left")
    hi = np.searchsorted(right_sorted, left_arr + slop, side="right")
    return int(np.count_nonzero(hi > lo))
