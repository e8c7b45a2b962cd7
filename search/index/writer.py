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
import heapq
import itertools
import marshal
import multiprocessing
import operator
import queue
import re
import struct
import tempfile
import traceback
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from hashlib import md5
from pickle import dumps

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import md5_hash
from whoosh.formats import Characters, Frequency, Positions
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort, unpack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from search.analysis import FrenchAnalyzer
from search.analysis.fast import FAST_TOKEN_PATTERN, IndexEntries

#: Rough bytes of memory one buffered posting takes (four list slots, its share of the term's
#: dict entry and list, the value object's header), besides the value's own bytes.
POSTING_BYTES = 80
#: The same for an ``*_exact`` posting, whose weight and value are shared objects.
EXACT_POSTING_BYTES = 40
#: How many (field, value) → index terms a writer remembers for the other fields.
INDEXED_VALUES = 20_000
#: Items per marshalled chunk of a spilled run.
RUN_CHUNK = 2_000
#: Documents sent to a worker process at a time.
BATCH_SIZE = 100


def open_writer(ix, limitmb: int = 256, procs: int = 1):
    """The writer for ``ix``: ours for an empty index (a build from scratch), else Whoosh's."""
    if ix.doc_count_all():
        return ix.writer(limitmb=limitmb)
    if procs > 1:
        return ParallelWriter(ix, procs=procs, limitmb=limitmb)
    return FastSegmentWriter(ix, limitmb=limitmb)


#: The tokenizer's words with what lies between them: ``[gap, word, gap, word, ..., gap]``.
SPLIT = re.compile(f"({FAST_TOKEN_PATTERN})")
ZEROS = itertools.repeat(0)  # where each word starts, when nothing needs it


def analyse(text: str, chars: bool, entries: IndexEntries) -> tuple[dict[bytes, list], list[bytes]]:
    """One pass of the French analyzer over a field value, as Whoosh's formats would see it.

    Returns ``{term: occurrences}`` in token order, each occurrence ``(position, start char,
    end char)``, or only the position without ``chars``; and the whole folded word of each of
    those tokens, in order: the terms of the unstemmed ``*_exact`` field and of the spelling
    field (what ``analyzer(value, no_morph=True)`` yields). `encode_value` turns a term's
    occurrences into Whoosh's posting value.
    """
    # The token loop, written out for the common word (one part, not a number): the raw words
    # and their entries come from C (`re.split` keeps the words at odd indexes, the running sum
    # of the pieces' lengths gives where each starts), then one tuple unpack, one list append
    # and one dict subscript per token; compounds, numbers and ordinals take the general path.
    pieces = SPLIT.split(text)
    found = map(entries.__getitem__, pieces[1::2])
    starts = itertools.islice(itertools.accumulate(map(len, pieces)), 0, None, 2) if chars else ZEROS
    seen: defaultdict[bytes, list] = defaultdict(list)
    words: list[bytes] = []
    keep = words.append
    pos = 0
    after_number = False
    for (term, word, start, end), base in zip(found, starts, strict=False):  # starts: maybe ZEROS, endless
        if term is not None:
            after_number = False
            keep(word)
            seen[term].append((pos, base + start, base + end) if chars else pos)
            pos += 1
        elif word is None:  # a stop word
            after_number = False
            pos += 1
        else:
            parts, width = word
            for term, word, stopped, is_suffix, is_number, rel, start, end in parts:
                if after_number and is_suffix:
                    after_number = False
                    continue
                after_number = is_number
                if stopped:
                    continue
                keep(word)
                seen[term].append((pos + rel, base + start, base + end) if chars else pos + rel)
            pos += width
    return seen, words


def encode_value(occurrences: list, chars: bool) -> bytes:
    """Whoosh's `Characters.encode` (or `Positions.encode`) of one term's occurrences in a document.

    That is ``pack_uint(count) + pickle.dumps(codes, 2)``: here the pickle's bytes are joined
    from precomputed opcodes (each code an int below 65,536, at most 255 tuples or 1,000 ints),
    twice as fast as making the codes list and pickling it; anything else goes to `pickle`.
    """
    n = len(occurrences)
    try:
        if chars:
            if n == 1:
                p, s, e = occurrences[0]
                return b"".join((_ONE_VALUE, _INT[p], _INT[s], _INT[e - s], _LAST_TUPLE))
            if n < 256:
                parts = [pack_uint(n), _LIST, b"("]  # MARK: the tuples, then APPENDS
                last_pos = last_end = 0
                memo = 1
                for p, s, e in occurrences:
                    parts += (_INT[p - last_pos], _INT[s - last_end], _INT[e - s], _TUPLE_PUT[memo])
                    last_pos, last_end = p, e
                    memo += 1
                parts.append(b"e.")
                return b"".join(parts)
        elif n == 1:
            return b"".join((_ONE_VALUE, _INT[occurrences[0]], b"a."))
        elif n <= 1000:  # pickle appends a list's items in batches of 1,000
            deltas = map(_INT.__getitem__, map(operator.sub, occurrences, itertools.chain((0,), occurrences)))
            return b"".join((pack_uint(n), _LIST, b"(", *deltas, b"e."))
    except KeyError:  # a code negative or past 65,535: pickle's own encoding
        pass
    return _pickled_value(occurrences, chars)


def _pickled_value(occurrences: list, chars: bool) -> bytes:
    if chars:
        codes = []
        last_pos = last_end = 0
        for p, s, e in occurrences:
            codes.append((p - last_pos, s - last_end, e - s))
            last_pos, last_end = p, e
    else:
        codes = list(map(operator.sub, occurrences, itertools.chain((0,), occurrences)))
    return pack_uint(len(codes)) + dumps(codes, 2)


#: Pickle protocol 2 opcodes of each int below 65,536: BININT1 below 256, else BININT2.
_INT = {n: b"K" + bytes((n,)) if n < 256 else b"M" + n.to_bytes(2, "little") for n in range(65536)}
_LIST = b"\x80\x02]q\x00"  # PROTO 2, EMPTY_LIST, BINPUT 0
_ONE_VALUE = pack_uint(1) + _LIST
_TUPLE_PUT = tuple(b"\x87q" + bytes((i,)) for i in range(256))  # TUPLE3, BINPUT i (the memo index)
_LAST_TUPLE = _TUPLE_PUT[1] + b"a."  # the only tuple, APPEND, STOP


def _dfl(length: int):
    """What Whoosh's per-document reader answers for a field of this length (byte-quantised)."""
    lbyte = length_to_byte(length) if length else 0
    return byte_to_length(lbyte) if lbyte else None


#: Shared weight and value objects for small frequencies: a posting then costs no new object.
WEIGHTS = tuple(float(n) for n in range(256))
FREQUENCY_VALUES = tuple(pack_uint(n) for n in range(256))

#: What a field's values go through: the positional French fields (with or without character
#: offsets) and the unstemmed ``*_exact`` fields, which only count whole words.
CHARACTERS, POSITIONS, EXACT = "characters", "positions", "exact"


class TermPool:
    """Postings grouped by field and term, spilled to sorted runs past ``limitmb``.

    A term's postings are one flat list, ``[docnum, weight, value, length, docnum, ...]``: a
    4-tuple per posting would take twice the memory and a `marshal` round trip twice the time.
    A spelling field keeps a count per word (each of its postings is ``(0, 1, b"", None)``, as
    Whoosh writes them).
    """

    def __init__(self, tempdir: str, limitmb: int):
        self.tempdir = tempdir
        self.limit = limitmb * 1024 * 1024
        self.size = 0
        self.fields: dict[str, dict[bytes, list]] = {}
        self.spell: dict[str, Counter] = {}
        self.runs: list = []

    def terms(self, fieldname: str) -> dict[bytes, list]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        return terms

    def add_words(self, fieldname: str, words) -> None:
        """One posting for each distinct word of ``words`` (an iterable without repeats)."""
        counts = self.spell.get(fieldname)
        if counts is None:
            counts = self.spell[fieldname] = Counter()
        before = len(counts)
        counts.update(words)  # Counter counts an iterable in C
        self.size += 100 * (len(counts) - before)

    def check_size(self) -> None:
        if self.size > self.limit:
            self._spill()

    def _sorted_items(self) -> Iterator[tuple[str, bytes, object]]:
        names = sorted(set(self.fields) | set(self.spell))
        for name in names:
            if name in self.spell:
                counts = self.spell[name]
                for term in sorted(counts):
                    yield name, term, counts[term]
            else:
                terms = self.fields[name]
                for term in sorted(terms):
                    yield name, term, terms[term]

    def _spill(self) -> None:
        # marshal, not pickle: no memo to fill and clear for every posting, ~5x faster here.
        # Items go in chunks, each a length and one marshalled list: `marshal.load` on a file
        # calls its ``readinto`` for every object inside, `marshal.loads` on bytes does not.
        run = tempfile.TemporaryFile(dir=self.tempdir, prefix="run-")
        items = self._sorted_items()
        while True:
            chunk = list(itertools.islice(items, RUN_CHUNK))
            if not chunk:
                break
            data = marshal.dumps(chunk)
            run.write(pack_uint(len(data)))
            run.write(data)
        run.flush()
        self.runs.append(run)
        self.fields.clear()
        self.spell.clear()
        self.size = 0

    @staticmethod
    def _read_run(run) -> Iterator[tuple[str, bytes, object]]:
        run.seek(0)
        while True:
            header = run.read(4)
            if not header:
                return
            yield from marshal.loads(run.read(unpack_uint(header)[0]))

    def merged(self) -> Iterator[tuple[str, bytes, object]]:
        """Every (field, term, postings or count) in order, runs and memory merged in doc order."""
        if not self.runs:
            yield from self._sorted_items()
            return
        sources = [self._read_run(run) for run in self.runs] + [self._sorted_items()]
        # heapq.merge is stable: equal keys come in source order, which is document order.
        merged = heapq.merge(*sources, key=_item_key)
        for (name, term), group in itertools.groupby(merged, key=_item_key):
            payloads = [item[2] for item in group]
            if isinstance(payloads[0], int):
                yield name, term, sum(payloads)
            else:
                yield name, term, payloads[0] if len(payloads) == 1 else list(itertools.chain.from_iterable(payloads))

    def close(self) -> None:
        for run in self.runs:
            run.close()
        self.runs = []
        self.fields.clear()
        self.spell.clear()


_item_key = operator.itemgetter(0, 1)


def postings(payload) -> list[tuple]:
    """A pooled term's postings as Whoosh's writer takes them: ``(docnum, weight, value, length)``."""
    if isinstance(payload, int):
        return [(0, 1, b"", None)] * payload
    return list(zip(*[iter(payload)] * 4, strict=True))


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
                        flength = _dfl(length)
                        for tbytes, _freq, weight, vbytes in items:
                            size += self._post(terms, tbytes, docnum, weight * fieldboost, vbytes, flength)
                    else:
                        seen, words, counts = self._analysed(analysed, value, kind)
                        if field.scorable:
                            length = len(words)
                        flength = _dfl(length)
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


def _deltas(ids) -> tuple:
    # whoosh.util.numlists.delta_encode, at C speed
    return tuple(map(operator.sub, ids, itertools.chain((0,), ids)))


class TermsWriter:
    """A segment's postings file and terms table, byte for byte what Whoosh's writer writes.

    Whoosh's `W3FieldWriter` does this posting by posting (``start_term``, ``add`` per
    posting, ``finish_term``), and its terms table (`OrderedHashWriter`) writes each row with
    three file calls. This encodes each block of ``blocklimit`` postings at once with the same
    encoding (a ``W3Bl`` header, then per block its length, negative for the last, the pickled
    block info and the zlib-compressed pickle of (id deltas, weights, values); then the
    `W3TermInfo` totals) and writes a batch of terms with one write per file.
    """

    def __init__(self, fieldwriter, batch: int = 2_048):
        self.fieldwriter = fieldwriter
        self.postfile = fieldwriter._postfile
        self.tindex = fieldwriter._tindex
        probe = fieldwriter._codec.postings_writer(self.postfile)
        self.limit = probe._blocklimit
        self.comp = probe._compression
        self.batch = batch
        self.offset = self.postfile.tell()
        self.posts: list[bytes] = []
        self.rows: list[tuple[bytes, bytes]] = []
        # A spelling term's postings depend only on their number: encoded once per number.
        self.spelling: dict[tuple, tuple[bytes, bytes]] = {}
        self.prefix = b""
        self.fixedsize = None

    def start_field(self, name: str, field) -> None:
        self.fieldwriter.start_field(name, field)
        self.prefix = pack_ushort(self.fieldwriter._fieldid)
        self.fixedsize = field.format.fixed_value_size()

    def add(self, btext: bytes, payload) -> None:
        """One term: ``payload`` as `TermPool` keeps it (flat postings, or a spelling count)."""
        if isinstance(payload, int):
            key = (payload, self.fixedsize)
            encoded = self.spelling.get(key)
            if encoded is None:
                encoded = self.spelling[key] = self._encode_spelling(payload)
            data, totals = encoded
        else:
            data, totals = encode_postings(payload, self.limit, self.comp, self.fixedsize)
        self.rows.append((self.prefix + btext, totals + pack_long(self.offset) + pack_int(len(data))))
        self.posts.append(data)
        self.offset += len(data)
        if len(self.rows) >= self.batch:
            self.flush()

    def _encode_spelling(self, count: int) -> tuple[bytes, bytes]:
        # Whoosh adds each spelling posting as (document 0, weight 1, no value, no length).
        return encode_postings([0, 1.0, b"", None] * count, self.limit, self.comp, self.fixedsize, top=1)

    def finish_field(self) -> None:
        self.flush()
        self.fieldwriter.finish_field()

    def flush(self) -> None:
        """Write the pending postings, then the terms-table rows as `OrderedHashWriter.add` would."""
        if self.posts:
            self.postfile.write(b"".join(self.posts))
            self.posts.clear()
        if not self.rows:
            return
        tindex = self.tindex
        if self.rows[0][0] <= tindex.lastkey:
            raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{self.rows[0][0]!r}")
        dbfile = tindex.dbfile
        hashfn = _md5_hash if tindex.hashfn is md5_hash else tindex.hashfn
        buckets = tindex.buckets
        index = tindex.index
        pos = dbfile.tell()
        out = []
        for key, value in self.rows:
            index.append(pos)
            h = hashfn(key)
            buckets[h & 255].append((h, pos))
            out += (_LENGTHS.pack(len(key), len(value)), key, value)
            pos += 8 + len(key) + len(value)
        dbfile.write(b"".join(out))
        tindex.lastkey = self.rows[-1][0]
        self.rows.clear()


_LENGTHS = struct.Struct("!ii")  # filetables._lengths: a terms-table row's key and value lengths


def _md5_hash(key: bytes) -> int:
    # filetables.md5_hash (the low 32 bits of the digest) without the hex round trip.
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")


_TERMINFO = W3TermInfo._struct


def encode_postings(payload: list, limit: int, comp: int, fixedsize, top=None) -> tuple[bytes, bytes]:
    """One term's postings file bytes, and its `W3TermInfo` row without the extent.

    ``payload`` is a flat list ``docnum, weight, value, length, ...``. ``top`` forces the
    blocks' maximum weight (Whoosh keeps an int 1 for spelling postings).
    """
    count = len(payload) // 4
    parts = [WHOOSH3_HEADER_MAGIC]
    total_weight = 0
    minlength = None
    maxlength = 0
    maxweight = 0
    for start in range(0, count, limit):
        n = min(limit, count - start)
        block = payload if n == count else payload[4 * start : 4 * (start + n)]
        ids = block[0::4]
        block_weights = block[1::4]
        values = block[2::4]
        lengths = block[3::4]
        weights = array("f", block_weights)  # Whoosh keeps block weights as float32
        if b"" in values or None in values:
            values = [value for value in values if value]
        if None in lengths or 0 in lengths:
            lengths = [length for length in lengths if length]
        block_top = top
        if block_top is None:
            block_top = max(block_weights)
            if not block_top > 0:
                block_top = 0
        low = min(lengths) if lengths else None
        high = max(lengths) if lengths else 0
        # W3TermInfo.add_block
        total_weight += sum(weights)
        minlength = low if minlength is None else min(minlength, low)
        maxlength = max(maxlength, high)
        maxweight = max(maxweight, block_top)
        # W3PostingsWriter._write_block (_mini_ids, _mini_weights, _mini_values)
        if weights.count(1.0) == n:
            mini_weights = None
        elif weights.count(weights[0]) == n:
            mini_weights = weights[0]
        else:
            mini_weights = tuple(weights)
        if fixedsize is None or fixedsize < 0:
            mini_values = tuple(values)
        elif fixedsize == 0:
            mini_values = None
        else:
            mini_values = b"".join(values)
        databytes = dumps((_deltas(ids), mini_weights, mini_values), 2)
        if comp:
            databytes = zlib.compress(databytes, comp)
        infobytes = dumps((n, ids[-1], block_top, comp, length_to_byte(low), length_to_byte(high)), 2)
        blocklength = len(infobytes) + len(databytes)
        parts += (pack_int(-blocklength if start + n >= count else blocklength), infobytes, databytes)
    # W3TermInfo.to_bytes, not inlined
    totals = _TERMINFO.pack(
        False,
        total_weight,
        count,
        0 if minlength is None else length_to_byte(minlength),
        length_to_byte(maxlength),
        maxweight,
        payload[0],
        payload[-4],
    )
    return b"".join(parts), totals


class ParallelWriter:
    """Several `FastSegmentWriter` processes, one segment each, fed batches in turn.

    Offers what a build needs of a Whoosh writer: ``add_document``, ``commit``, ``cancel``.
    """

    def __init__(self, ix, procs: int = 2, limitmb: int = 256, batchsize: int = BATCH_SIZE):
        # The parent's own writer holds the write lock and writes the TOC; it adds no document.
        self.writer = FastSegmentWriter(ix, limitmb=8)
        self.batchsize = batchsize
        self.batch: list[dict] = []
        self.turn = 0
        context = multiprocessing.get_context("fork")
        self.results = context.Queue()
        self.jobs = [context.Queue(4) for _ in range(procs)]
        self.workers = [
            context.Process(
                target=_work,
                args=(number, ix.storage, ix.indexname, jobs, self.results, max(16, limitmb // procs)),
                daemon=True,
            )
            for number, jobs in enumerate(self.jobs)
        ]
        for worker in self.workers:
            worker.start()
        self.is_closed = False

    def add_document(self, **fields) -> None:
        self.batch.append(fields)
        if len(self.batch) >= self.batchsize:
            self._send()

    def _send(self) -> None:
        jobs, worker = self.jobs[self.turn], self.workers[self.turn]
        self._put(jobs, worker, self.batch)
        self.batch = []
        self.turn = (self.turn + 1) % len(self.jobs)

    def _put(self, jobs, worker, item) -> None:
        while True:
            try:
                jobs.put(item, timeout=1.0)
                return
            except queue.Full:
                if not worker.is_alive():
                    self._raise_worker_error()

    def _raise_worker_error(self) -> None:
        while True:
            try:
                _number, result = self.results.get(timeout=1.0)
            except queue.Empty:
                raise RuntimeError("an indexing process died") from None
            if isinstance(result, str):
                raise RuntimeError(f"an indexing process failed:\n{result}")

    def commit(self) -> None:
        if self.batch:
            self._send()
        for jobs, worker in zip(self.jobs, self.workers, strict=True):
            self._put(jobs, worker, None)
        segments: dict[int, object] = {}
        while len(segments) < len(self.workers):
            try:
                number, result = self.results.get(timeout=1.0)
            except queue.Empty:
                if any(not w.is_alive() for n, w in enumerate(self.workers) if n not in segments):
                    # it may have put its result just before exiting: one last look
                    try:
                        number, result = self.results.get(timeout=1.0)
                    except queue.Empty:
                        raise RuntimeError("an indexing process died") from None
                else:
                    continue
            if isinstance(result, str):
                raise RuntimeError(f"an indexing process failed:\n{result}")
            segments[number] = result
        for worker in self.workers:
            worker.join()
        writer = self.writer
        writer._close_segment()
        writer._commit_toc([segments[n] for n in sorted(segments) if segments[n] is not None])
        writer._finish()
        self.is_closed = True

    def cancel(self) -> None:
        for worker in self.workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        if not self.writer.is_closed:
            self.writer.cancel()
        self.is_closed = True


def _work(number: int, storage, indexname: str, jobs, results, limitmb: int) -> None:
    """One indexing process: add every batch it is given, then finish its segment."""
    gc.disable()  # see gc_paused: this process only builds
    try:
        ix = storage.open_index(indexname)
        writer = FastSegmentWriter(ix, _lk=False, limitmb=limitmb)
        while True:
            batch = jobs.get()
            if batch is None:
                break
            for fields in batch:
                writer.add_document(**fields)
        if writer.docnum:
            segment = writer._finalize_segment()
        else:
            writer._close_segment()
            segment = None
        results.put((number, segment))
    except BaseException:
        results.put((number, traceback.format_exc()))
