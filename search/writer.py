"""A faster Whoosh segment writer for building an index from scratch.

Whoosh's `SegmentWriter` spends most of a build on per-posting Python work: the French text is
analysed twice per field (once for the postings, once more for the ``spell_*`` word fields),
every posting becomes a 5-tuple pushed through a `PostingPool` that sorts them all at commit,
and the commit then asks a column reader for the field length and appends to arrays once per
posting. `FastSegmentWriter` writes the same segment with less of that:

- title and body are analysed once: one pass over the memoised words (`analysis.index_entry`)
  gives the index terms with their positions (and character offsets for the body) and the whole
  words for the spelling field;
- postings are grouped by term as they arrive (documents come in order, so each list is already
  sorted) instead of being sorted one by one at the end; past ``limitmb`` the groups are written
  to a sorted run on disk and merged back term by term at commit, so memory stays bounded;
- each posting carries the field length the commit needs, and the commit fills Whoosh's posting
  block buffer a block at a time, then lets Whoosh's own `_write_block` encode it.

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

import heapq
import itertools
import marshal
import multiprocessing
import operator
import queue
import tempfile
import traceback
import zlib
from array import array
from collections.abc import Iterator
from pickle import dumps

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.formats import Characters, Positions
from whoosh.system import pack_int, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .analysis import WORD, FrenchAnalyzer, index_entry

#: Rough bytes of memory one buffered posting takes (tuple, ints, float), besides its value.
POSTING_BYTES = 170
#: Documents sent to a worker process at a time.
BATCH_SIZE = 100


def open_writer(ix, limitmb: int = 256, procs: int = 1):
    """The writer for ``ix``: ours for an empty index (a build from scratch), else Whoosh's."""
    if ix.doc_count_all():
        return ix.writer(limitmb=limitmb)
    if procs > 1:
        return ParallelWriter(ix, procs=procs, limitmb=limitmb)
    return FastSegmentWriter(ix, limitmb=limitmb)


def analyse(text: str, chars: bool) -> tuple[dict[bytes, list], set[bytes]]:
    """One pass of the French analyzer over a field value, as Whoosh's formats would see it.

    Returns ``{term: [last position, last end char, deltas]}`` where deltas are Whoosh's
    `Characters` (or `Positions`, without chars) delta codes, in token order; and the set of
    whole words of the spelling field (what ``analyzer(value, no_morph=True)`` yields).
    """
    seen: dict[bytes, list] = {}
    words: set[bytes] = set()
    pos = 0
    after_number = False
    for match in WORD.finditer(text):
        parts, width = index_entry(match.group(0))
        base = match.start()
        for term, word, stopped, is_suffix, is_number, rel, start, end in parts:
            if after_number and is_suffix:
                after_number = False
                continue
            after_number = is_number
            if stopped:
                continue
            words.add(word)
            p = pos + rel
            state = seen.get(term)
            if chars:
                s = base + start
                e = base + end
                if state is None:
                    seen[term] = [p, e, [(p, s, e - s)]]
                else:
                    state[2].append((p - state[0], s - state[1], e - s))
                    state[0] = p
                    state[1] = e
            elif state is None:
                seen[term] = [p, 0, [p]]
            else:
                state[2].append(p - state[0])
                state[0] = p
        pos += width
    return seen, words


def _dfl(length: int):
    """What Whoosh's per-document reader answers for a field of this length (byte-quantised)."""
    lbyte = length_to_byte(length) if length else 0
    return byte_to_length(lbyte) if lbyte else None


class TermPool:
    """Postings grouped by field and term, spilled to sorted runs past ``limitmb``.

    A posting is ``(docnum, weight, value, length)``; a spelling field keeps a count per word
    (each of its postings is ``(0, 1, b"", None)``, as Whoosh writes them).
    """

    def __init__(self, tempdir: str, limitmb: int):
        self.tempdir = tempdir
        self.limit = limitmb * 1024 * 1024
        self.size = 0
        self.fields: dict[str, dict[bytes, list]] = {}
        self.spell: dict[str, dict[bytes, int]] = {}
        self.runs: list = []

    def terms(self, fieldname: str) -> dict[bytes, list]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        return terms

    def add_words(self, fieldname: str, words) -> None:
        counts = self.spell.get(fieldname)
        if counts is None:
            counts = self.spell[fieldname] = {}
        for word in words:
            counts[word] = counts.get(word, 0) + 1
        self.size += 8 * len(words)

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
        run = tempfile.TemporaryFile(dir=self.tempdir, prefix="run-")
        for item in self._sorted_items():
            marshal.dump(item, run)
        run.flush()
        self.runs.append(run)
        self.fields.clear()
        self.spell.clear()
        self.size = 0

    @staticmethod
    def _read_run(run) -> Iterator[tuple[str, bytes, object]]:
        run.seek(0)
        while True:
            try:
                yield marshal.load(run)
            except EOFError:
                return

    def merged(self) -> Iterator[tuple[str, bytes, object]]:
        """Every (field, term, postings or count) in order, runs and memory merged in doc order."""
        if not self.runs:
            yield from self._sorted_items()
            return
        sources = [self._read_run(run) for run in self.runs] + [self._sorted_items()]
        # heapq.merge is stable: equal keys come in source order, which is document order.
        merged = heapq.merge(*sources, key=lambda item: (item[0], item[1]))
        for (name, term), group in itertools.groupby(merged, key=lambda item: (item[0], item[1])):
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


class FastSegmentWriter(SegmentWriter):
    """`SegmentWriter` with one analysis pass per text field and postings grouped by term."""

    def __init__(self, ix, limitmb: int = 256, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        if self.segments:
            raise ValueError("FastSegmentWriter only builds an empty index")
        self.pool.cleanup()
        self.termpool = TermPool(self._tempstorage.folder, limitmb)
        self._fast = {
            name: isinstance(field.format, Characters)
            for name, field in self.schema.items()
            if isinstance(field.analyzer if hasattr(field, "analyzer") else None, FrenchAnalyzer)
            and field.analyzer.stem_words
            and type(field.format) in (Positions, Characters)
            and not field.vector
        }

    def add_document(self, **fields):
        # The same steps as SegmentWriter.add_document, with the fast path for French text.
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.termpool
        size = 0

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
                chars = self._fast.get(fieldname) if isinstance(value, str) else None
                words = None

                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    if chars is not None:
                        seen, words = analyse(value, chars)
                        fb = field.format.field_boost
                        items = [
                            (term, len(codes), float(len(codes)) * fb, pack_uint(len(codes)) + dumps(codes, 2))
                            for term, (_, _, codes) in seen.items()
                        ]
                    else:
                        items = list(field.index(value))
                    if field.scorable:
                        length = sum(item[1] for item in items)
                    flength = _dfl(length)
                    terms = pool.terms(fieldname)
                    for tbytes, _freq, weight, vbytes in items:
                        posting = (docnum, weight * fieldboost, vbytes, flength)
                        postings = terms.get(tbytes)
                        if postings is None:
                            terms[tbytes] = [posting]
                        else:
                            postings.append(posting)
                        size += POSTING_BYTES + len(vbytes or b"")

                if field.separate_spelling():
                    if words is None:
                        words = {word.encode("utf-8") for word in field.spellable_words(value)}
                    pool.add_words(field.spelling_fieldname(fieldname), words)

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

    def add_reader(self, reader):
        raise NotImplementedError("FastSegmentWriter only builds an empty index")

    def _flush_segment(self):
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        schema = self.schema
        lastname = None
        for name, term, payload in self.termpool.merged():
            if name != lastname:
                if lastname is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(name, schema[name])
                lastname = name
            write_term(fieldwriter, term, payload)
        if lastname is not None:
            fieldwriter.finish_field()
        fieldwriter.close()
        self.termpool.close()

    def _close_segment(self):
        super()._close_segment()
        self.termpool.close()


def _deltas(ids) -> tuple:
    # whoosh.util.numlists.delta_encode, at C speed
    return tuple(map(operator.sub, ids, itertools.chain((0,), ids)))


def write_term(fieldwriter, btext: bytes, payload) -> None:
    """One term's postings and its terms-table row, byte for byte what Whoosh's writer writes.

    Whoosh's `W3FieldWriter` does this posting by posting (``start_term``, ``add`` per
    posting, ``finish_term``); this writes each block of ``blocklimit`` postings at once with
    the same encoding: a ``W3Bl`` header, then per block its length (negative for the last),
    pickled block info and the zlib-compressed pickle of (id deltas, weights, values), and the
    `W3TermInfo` totals. ``payload`` is a list of ``(docnum, weight, value, length)``, or for a
    spelling field the number of postings (document 0, weight 1, no value, no length).
    """
    postwriter = fieldwriter._postwriter
    postfile = postwriter._postfile
    limit = postwriter._blocklimit
    comp = postwriter._compression
    fixedsize = fieldwriter._format.fixed_value_size()
    spelling = isinstance(payload, int)
    count = payload if spelling else len(payload)

    parts = [WHOOSH3_HEADER_MAGIC]
    size = len(WHOOSH3_HEADER_MAGIC)
    total_weight = 0
    minlength = None
    maxlength = 0
    maxweight = 0
    minid = None
    maxid = 0
    for start in range(0, count, limit):
        n = min(limit, count - start)
        if spelling:
            ids = array("I", bytes(4 * n))
            weights = array("f", [1.0]) * n
            values = []
            top = 1  # an int, as Whoosh adds spelling postings
            low = None
            high = 0
        else:
            docnums, block_weights, block_values, lengths = zip(*payload[start : start + n], strict=True)
            ids = array("I", docnums)
            weights = array("f", block_weights)
            values = [value for value in block_values if value]
            top = max(block_weights)
            if not top > 0:
                top = 0
            lengths = [length for length in lengths if length]
            low = min(lengths) if lengths else None
            high = max(lengths) if lengths else 0
        # W3TermInfo.add_block
        total_weight += sum(weights)
        minlength = low if minlength is None else min(minlength, low)
        maxlength = max(maxlength, high)
        maxweight = max(maxweight, top)
        if minid is None:
            minid = ids[0]
        maxid = ids[-1]
        # W3PostingsWriter._write_block (_mini_ids, _mini_weights, _mini_values)
        if all(w == 1.0 for w in weights):
            mini_weights = None
        elif all(w == weights[0] for w in weights):
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
        infobytes = dumps((n, ids[-1], top, comp, length_to_byte(low), length_to_byte(high)), 2)
        blocklength = len(infobytes) + len(databytes)
        if start + n >= count:
            blocklength = -blocklength
        parts += (pack_int(blocklength), infobytes, databytes)
        size += 4 + len(infobytes) + len(databytes)

    offset = postfile.tell()
    postfile.write(b"".join(parts))
    terminfo = W3TermInfo(total_weight, count, minlength, maxlength, maxweight, minid, maxid)
    terminfo.set_extent(offset, size)
    fieldwriter._tindex.add(pack_ushort(fieldwriter._fieldid) + btext, terminfo.to_bytes())


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
