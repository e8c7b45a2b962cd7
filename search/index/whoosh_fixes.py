"""Small fixes to whoosh-reloaded 2.7.5 internals, applied once on import.

Whoosh's segment writer asks for the length of every posting's field. For fields without a
lengths column (the ``spell_*`` word fields did-you-mean uses) its per-document reader answers
by checking the file system each time: one ``stat`` per posting, about a quarter of indexing
time. Remembering that the column is missing gives the same answers without the system calls.

Whoosh maps a segment file into memory, then wraps each part it reads (postings, terms) in a
``BufferFile`` whose ``BytesIO`` *copies* the mapped bytes: at 100,000 documents every searcher
held a private copy of over 500 MB of postings, on top of the mapped pages it touched while
copying them. Segment parts are now read with ``os.pread`` instead: the bytes come from the
operating system's page cache, shared by every process, and a process's resident memory is its
own data only (mapped pages that a search touched counted in each server worker's RSS, some
400 MB at 100k). Pickles (a header per posting block) are read from a small window, since
unpickling from a Python file object costs one call per opcode.
"""

from __future__ import annotations

import io
import os
import pickle

from whoosh.codec import whoosh3
from whoosh.filedb import compound, structfile

_original_cached_reader = whoosh3.W3PerDocReader._cached_reader
_original_compound_init = compound.CompoundStorage.__init__
_original_compound_open_file = compound.CompoundStorage.open_file


def _cached_reader(self, fieldname, column):
    missing = self.__dict__.setdefault("_missing_columns", set())
    if fieldname in missing:
        return None
    reader = _original_cached_reader(self, fieldname, column)
    if reader is None:
        missing.add(fieldname)
    return reader


class Stream:
    """A read-only, seekable file over ``size`` bytes that `_bytes` returns slices of."""

    def __init__(self, size: int):
        self._size = size
        self._pos = 0

    def _bytes(self, start: int, end: int) -> bytes:
        raise NotImplementedError

    def get(self, position: int, length: int) -> bytes:
        """``length`` bytes from ``position``, without moving (fewer at the end)."""
        start = min(max(0, position), self._size)
        return self._bytes(start, min(self._size, start + max(0, length)))

    def read(self, size: int | None = -1) -> bytes:
        start = min(self._pos, self._size)
        end = self._size if size is None or size < 0 else min(self._size, start + size)
        self._pos = max(self._pos, end)
        return self._bytes(start, end)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        # Only text pickles (protocol 0) ask for lines; Whoosh writes binary ones, so this is rare.
        end = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        line = bytearray()
        while self._pos < end:
            chunk = self._bytes(self._pos, min(end, self._pos + 256))
            cut = chunk.find(b"\n")
            taken = chunk if cut < 0 else chunk[: cut + 1]
            line += taken
            self._pos += len(taken)
            if cut >= 0:
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
            chunk = io.BytesIO(self.get(self._pos, window))
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
        self._size = self._pos = 0

    def __iter__(self):
        while line := self.readline():
            yield line


class ViewFile(Stream):
    """A stream over a memoryview, without copying it (what ``BytesIO`` did)."""

    def __init__(self, view: memoryview):
        super().__init__(len(view))
        self._view = view

    def _bytes(self, start: int, end: int) -> bytes:
        return bytes(self._view[start:end])

    def close(self) -> None:
        super().close()
        self._view = memoryview(b"")


class PreadStream(Stream):
    """A stream over ``size`` bytes at ``base`` of an open file descriptor, read with ``os.pread``
    (no shared file position: readers of one segment do not disturb each other)."""

    def __init__(self, fd: int, base: int, size: int):
        super().__init__(size)
        self._fd = fd
        self._base = base

    def _bytes(self, start: int, end: int) -> bytes:
        return os.pread(self._fd, end - start, self._base + start) if end > start else b""


class SegmentPart(structfile.StructFile):
    """One part of a compound segment file (postings, terms, a column), read with ``os.pread``."""

    def __init__(self, stream: Stream, name: str | None = None):
        self.file = stream
        self._name = name
        self.onclose = None
        self.is_real = False  # no fileno: Whoosh must not read arrays with array.fromfile
        self.is_closed = False

    def subset(self, position: int, length: int, name: str | None = None):
        stream = self.file
        if isinstance(stream, PreadStream):
            return SegmentPart(PreadStream(stream._fd, stream._base + position, length), name or self._name)
        return SegmentPart(ViewFile(memoryview(stream.get(position, length))), name or self._name)

    def get(self, position: int, length: int) -> bytes:
        return self.file.get(position, length)

    def read_pickle(self):
        return self.file.load_pickle()


def _compound_init(self, dbfile, use_mmap=True, basepos=0):
    # Keep the file open (no map): parts are read from it with pread.
    _original_compound_init(self, dbfile, use_mmap=False, basepos=basepos)


def _compound_open_file(self, name, *args, **kwargs):
    fileno = getattr(self._file, "fileno", None)
    if self.is_closed or fileno is None:
        return _original_compound_open_file(self, name, *args, **kwargs)
    offset, length = self.range(name)
    return SegmentPart(PreadStream(fileno(), offset, length), name)


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
    compound.CompoundStorage.__init__ = _compound_init
    compound.CompoundStorage.open_file = _compound_open_file
    # Other in-memory files (RAM storage, a map of a whole file) still avoid the BytesIO copy.
    structfile.BufferFile.__init__ = _buffer_file_init
    structfile.BufferFile.read_pickle = _buffer_read_pickle


apply()
