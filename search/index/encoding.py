"""Whoosh's on-disk formats, written in bulk: a field's terms and occurrences, posting blocks, the terms table."""

from __future__ import annotations

import itertools
import operator
import re
import struct
import zlib
from array import array
from collections import defaultdict
from hashlib import md5
from pickle import dumps

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import md5_hash
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from search.analysis.fast import FAST_TOKEN_PATTERN, IndexEntries

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


def quantised_length(length: int):
    """What Whoosh's per-document reader answers for a field of this length (byte-quantised)."""
    lbyte = length_to_byte(length) if length else 0
    return byte_to_length(lbyte) if lbyte else None


#: Shared weight and value objects for small frequencies: a posting then costs no new object.
WEIGHTS = tuple(float(n) for n in range(256))


FREQUENCY_VALUES = tuple(pack_uint(n) for n in range(256))


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
        out: list[bytes] = []
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
        mini_values: tuple | bytes | None
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
