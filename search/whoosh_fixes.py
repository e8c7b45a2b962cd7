"""Two small fixes to whoosh-reloaded 2.7.5 internals, applied once on import.

Whoosh's segment writer asks for the length of every posting's field. For fields without a
lengths column (the ``spell_*`` word fields did-you-mean uses) its per-document reader answers
by checking the file system each time: one ``stat`` per posting, about a quarter of indexing
time. Remembering that the column is missing gives the same answers without the system calls.

Whoosh maps a segment file into memory, then wraps each part it reads (postings, terms) in a
``BufferFile`` whose ``BytesIO`` *copies* the mapped bytes: at 100,000 documents every searcher
held a private copy of over 500 MB of postings, on top of the mapped pages it touched while
copying them. Reading straight from the mapping gives the same bytes, and pages stay shared
with the page cache (and between server workers). Pickles (a header per posting block) are
read from a small copied window, since unpickling from a Python file object costs one call per
opcode.
"""

from __future__ import annotations

import io
import pickle

from whoosh.codec import whoosh3
from whoosh.filedb import structfile

_original_cached_reader = whoosh3.W3PerDocReader._cached_reader


def _cached_reader(self, fieldname, column):
    missing = self.__dict__.setdefault("_missing_columns", set())
    if fieldname in missing:
        return None
    reader = _original_cached_reader(self, fieldname, column)
    if reader is None:
        missing.add(fieldname)
    return reader


class ViewFile:
    """A read-only, seekable file over a memoryview, without copying it (what ``BytesIO`` did)."""

    def __init__(self, view: memoryview):
        self._view = view
        self._size = len(view)
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = self._size if size is None or size < 0 else min(self._size, start + size)
        self._pos = max(start, end)
        return bytes(self._view[start:end])

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        # Only text pickles (protocol 0) ask for lines; Whoosh writes binary ones, so this is rare.
        end = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        line = bytearray()
        while self._pos < end:
            byte = self._view[self._pos]
            self._pos += 1
            line.append(byte)
            if byte == 10:
                break
        return bytes(line)

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, self._size)[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def load_pickle(self, window: int = 1024):
        """The pickled object at the current position; the position moves past it."""
        while True:
            chunk = io.BytesIO(self._view[self._pos : self._pos + window])
            try:
                value = pickle.load(chunk)
            except (EOFError, pickle.UnpicklingError):
                if self._pos + window >= self._size:
                    raise
                window *= 16  # cut short by the window: try a larger one
                continue
            self._pos += chunk.tell()
            return value

    def close(self) -> None:
        self._view = memoryview(b"")
        self._size = self._pos = 0

    def __iter__(self):
        while line := self.readline():
            yield line


def _buffer_file_init(self, buf, name=None, onclose=None):
    self._buf = buf
    self._name = name
    self.file = ViewFile(memoryview(buf))
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def _buffer_read_pickle(self):
    return self.file.load_pickle()


def apply() -> None:
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    structfile.BufferFile.__init__ = _buffer_file_init
    structfile.BufferFile.read_pickle = _buffer_read_pickle


apply()
