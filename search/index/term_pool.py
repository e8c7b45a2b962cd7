"""Postings grouped by term as documents arrive, spilled to sorted runs on disk past a memory limit."""

from __future__ import annotations

import heapq
import itertools
import marshal
import operator
import tempfile
from collections import Counter
from collections.abc import Iterator
from typing import Any

from whoosh.system import pack_uint, unpack_uint

#: Items per marshalled chunk of a spilled run.
RUN_CHUNK = 2_000
_item_key = operator.itemgetter(0, 1)


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
            payloads: list[Any] = [item[2] for item in group]
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


def postings(payload) -> list[tuple]:
    """A pooled term's postings as Whoosh's writer takes them: ``(docnum, weight, value, length)``."""
    if isinstance(payload, int):
        return [(0, 1, b"", None)] * payload
    return list(zip(*[iter(payload)] * 4, strict=True))
