"""A faster Whoosh segment writer for building an index from scratch.

Whoosh's `SegmentWriter` spends most of a build on per-posting Python work: the French text is
analysed twice per field (once for the postings, once more for the ``spell_*`` word fields),
every posting becomes a 5-tuple pushed through a `PostingPool` that sorts them all at commit,
and the commit then asks a column reader for the field length and appends to arrays once per
posting. `FastSegmentWriter` writes the same segment with less of that:

- title and body are analysed once: one pass over the memoised words (`analysis.IndexEntries`)
  gives the index terms with their positions (and character offsets for the body), and the
  whole folded words that are both the ``*_exact`` fields' terms and the spelling words;
- postings are grouped by term as they arrive (documents come in order, so each list is already
  sorted), each term's postings one flat list, instead of being sorted one by one at the end;
  past ``limitmb`` the groups are written to a sorted run on disk and merged back term by term
  at commit, so memory stays bounded;
- each posting carries the field length the commit needs, and the commit encodes a block of
  postings at a time (`encode_postings`) and writes the terms table in batches (`TermsWriter`);
- no cyclic garbage collection while building (`gc_paused`), and freed heap kept for the next
  zlib stream (`keep_freed_heap`).

The files use Whoosh's codec unchanged (its per-document writer, terms table and block
encoding), so the index reads exactly as one written by Whoosh: same terms, frequencies,
positions, character offsets, stored fields, columns and lengths (tests compare the two term
by term). One difference, by design: Whoosh gives each ``spell_*`` posting, whose value no
reader ever decodes, a copy of the value of the field's last posting in that document (a leftover
loop variable); here it is empty, which only makes the postings file smaller.

`ParallelWriter` runs several `FastSegmentWriter` processes, each leaving its own segment;
batches of documents go to them in turn, so the same input always gives the same index.

Only for an empty index: adding to an existing one (which may merge old segments into the
new one) stays with Whoosh's writer, see `open_writer`.
"""

from __future__ import annotations

import ctypes
import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from whoosh.formats import Characters, Frequency, Positions
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

from search.analysis import FrenchAnalyzer
from search.analysis.fast import IndexEntries
from search.index.encoding import FREQUENCY_VALUES, WEIGHTS, TermsWriter, analyse, encode_value, quantised_length
from search.index.term_pool import TermPool

#: Rough bytes of memory one buffered posting takes (four list slots, its share of the term's
#: dict entry and list, the value object's header), besides the value's own bytes.
POSTING_BYTES = 80
#: The same for an ``*_exact`` posting, whose weight and value are shared objects.
EXACT_POSTING_BYTES = 40
#: How many (field, value) → index terms a writer remembers for the other fields.
INDEXED_VALUES = 20_000


#: What a field's values go through: the positional French fields (with or without character
#: offsets) and the unstemmed ``*_exact`` fields, which only count whole words.
CHARACTERS, POSITIONS, EXACT = "characters", "positions", "exact"


def keep_freed_heap(trim_threshold: int = 32 << 20) -> bool:
    """Ask glibc's malloc to keep up to ``trim_threshold`` bytes of freed heap instead of
    returning it to the system at once; False where that cannot be asked (not glibc).

    Every posting block is compressed with a fresh zlib stream, which allocates and frees
    ~256 KB. By default glibc hands that memory back (trims the heap top) after each free, so
    the next stream page-faults it in again: a 100-byte `zlib.compress` then takes ~60 µs
    instead of ~8, most of the time a build spends writing its postings.
    """
    try:
        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(M_TRIM_THRESHOLD, trim_threshold))
    except (OSError, AttributeError):
        return False


M_TRIM_THRESHOLD = -1  # glibc's malloc.h


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a build runs.

    A build holds millions of posting lists, which the collector walks again at every full
    collection (~10% of a build's time), and makes no reference cycles worth collecting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class FastSegmentWriter(SegmentWriter):
    """`SegmentWriter` with one analysis pass per French text and postings grouped by term."""

    def __init__(self, ix, limitmb: int = 256, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        keep_freed_heap()
        if self.segments:
            raise ValueError("FastSegmentWriter only builds an empty index")
        self.pool.cleanup()
        self.termpool = TermPool(self._tempstorage.folder, limitmb)
        self.entries = IndexEntries()
        self._indexed: dict[tuple, list] = {}
        self._fast = {name: kind for name, field in self.schema.items() if (kind := _fast_kind(field))}

    def add_document(self, **fields):
        # The same steps as SegmentWriter.add_document, with the fast path for French text.
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.termpool
        size = 0
        # title and title_exact (body and body_exact) share their value: analysed once.
        analysed: dict[str, tuple] = {}

        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields.keys() if not name.startswith("_")])
        self._check_fields(schema, fieldnames)

        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                kind = self._fast.get(fieldname) if isinstance(value, str) else None
                counts = None

                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    terms = pool.terms(fieldname)
                    if kind is None:
                        items = self._items(fieldname, field, value)
                        if field.scorable:
                            length = sum(item[1] for item in items)
                        flength = quantised_length(length)
                        for tbytes, _freq, weight, vbytes in items:
                            size += self._post(terms, tbytes, docnum, weight * fieldboost, vbytes, flength)
                    else:
                        seen, words, counts = self._analysed(analysed, value, kind)
                        if field.scorable:
                            length = len(words)
                        flength = quantised_length(length)
                        boost = field.format.field_boost
                        plain = boost == 1.0 and fieldboost == 1.0
                        if kind == EXACT:
                            for term, freq in counts.items():
                                if plain and freq < 256:
                                    weight, vbytes = WEIGHTS[freq], FREQUENCY_VALUES[freq]
                                else:
                                    weight, vbytes = float(freq) * boost * fieldboost, pack_uint(freq)
                                postings = terms.get(term)
                                if postings is None:
                                    terms[term] = [docnum, weight, vbytes, flength]
                                else:
                                    postings += (docnum, weight, vbytes, flength)
                            size += EXACT_POSTING_BYTES * len(counts)
                        else:
                            chars = kind == CHARACTERS
                            for term, occurrences in seen.items():
                                freq = len(occurrences)
                                weight = WEIGHTS[freq] if plain and freq < 256 else float(freq) * boost * fieldboost
                                vbytes = encode_value(occurrences, chars)
                                postings = terms.get(term)
                                if postings is None:
                                    terms[term] = [docnum, weight, vbytes, flength]
                                else:
                                    postings += (docnum, weight, vbytes, flength)
                                size += POSTING_BYTES + len(vbytes)

                if field.separate_spelling():
                    if kind is None or counts is None:
                        spelled = {word.encode("utf-8") for word in field.spellable_words(value)}
                    else:
                        spelled = counts.keys()
                    pool.add_words(field.spelling_fieldname(fieldname), spelled)

                if field.vector:
                    raise ValueError(f"FastSegmentWriter does not write term vectors ({fieldname})")

                customval = fields.get(f"_stored_{fieldname}", value)
                sv = customval if field.stored else None
                perdocwriter.add_field(fieldname, field, sv, length)

                column = field.column_type
                if column and customval is not None:
                    cv = field.to_column_value(customval)
                    perdocwriter.add_column_value(fieldname, column, cv)
        except Exception:
            perdocwriter.cancel_doc()
            raise

        perdocwriter.finish_doc()
        pool.size += size
        pool.check_size()
        self._added = True
        self.docnum += 1

    def _analysed(self, analysed: dict, value: str, kind: str) -> tuple:
        """(term postings state, whole words, whole word counts) of a value, analysed once per document.

        An ``*_exact`` field needs only the words, which any analysis of the value gives; the
        positional fields need their own kind (with or without character offsets).
        """
        found = analysed.get(value)
        if found is not None and (kind == EXACT or found[0] == kind):
            return found[1:]
        seen, words = analyse(value, kind == CHARACTERS, self.entries)
        counts = Counter(words) if found is None else found[3]
        analysed[value] = (kind, seen, words, counts)
        return seen, words, counts

    def _items(self, fieldname: str, field, value) -> list[tuple]:
        """``field.index(value)``, remembered: years, kinds, countries and types repeat a lot,
        and a numeric value costs a dozen tiered terms."""
        if field.unique or not isinstance(value, str | int | float):
            return list(field.index(value))
        key = (fieldname, value)
        items = self._indexed.get(key)
        if items is None:
            if len(self._indexed) >= INDEXED_VALUES:
                self._indexed.clear()
            items = self._indexed[key] = list(field.index(value))
        return items

    @staticmethod
    def _post(terms: dict, term: bytes, docnum: int, weight: float, vbytes: bytes, flength) -> int:
        postings = terms.get(term)
        if postings is None:
            terms[term] = [docnum, weight, vbytes, flength]
        else:
            postings += (docnum, weight, vbytes, flength)
        return POSTING_BYTES + len(vbytes or b"")

    def add_reader(self, reader):
        raise NotImplementedError("FastSegmentWriter only builds an empty index")

    def _flush_segment(self):
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        terms = TermsWriter(fieldwriter)
        schema = self.schema
        lastname = None
        for name, term, payload in self.termpool.merged():
            if name != lastname:
                if lastname is not None:
                    terms.finish_field()
                terms.start_field(name, schema[name])
                lastname = name
            terms.add(term, payload)
        if lastname is not None:
            terms.finish_field()
        fieldwriter.close()
        self.termpool.close()

    def _close_segment(self):
        super()._close_segment()
        self.termpool.close()


def _fast_kind(field) -> str | None:
    """Which fast path, if any, a field's values take (see `analyse`)."""
    analyzer = getattr(field, "analyzer", None)
    if not isinstance(analyzer, FrenchAnalyzer) or field.vector:
        return None
    if analyzer.stem_words and type(field.format) in (Positions, Characters):
        return CHARACTERS if type(field.format) is Characters else POSITIONS
    if not analyzer.stem_words and type(field.format) is Frequency:
        return EXACT
    return None
