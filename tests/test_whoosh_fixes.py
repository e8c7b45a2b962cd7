"""The zero-copy file Whoosh now reads segments through behaves like the ``BytesIO`` it replaces."""

from __future__ import annotations

import io
import pickle

from search.index.whoosh_fixes import ViewFile

DATA = pickle.dumps({"a": [1, 2, 3]}, protocol=-1) + b"line one\nline two\n" + pickle.dumps(("x", 2.5), protocol=0)


def _both() -> tuple[ViewFile, io.BytesIO]:
    return ViewFile(memoryview(DATA)), io.BytesIO(DATA)


def test_reads_like_bytesio() -> None:
    view, reference = _both()
    for size in (3, 0, 10, -1, 5):
        assert view.read(size) == reference.read(size)
        assert view.tell() == reference.tell()


def test_seeks_like_bytesio() -> None:
    view, reference = _both()
    for offset, whence in ((5, 0), (3, 1), (-4, 2), (0, 0), (len(DATA) + 10, 0)):
        assert view.seek(offset, whence) == reference.seek(offset, whence)
        assert view.read(4) == reference.read(4)


def test_pickles_and_lines_like_bytesio() -> None:
    view, reference = _both()
    assert pickle.load(view) == pickle.load(reference)
    assert view.readline() == reference.readline()
    assert view.readline(4) == reference.readline(4)
    assert view.readline() == reference.readline()
    assert pickle.load(view) == pickle.load(reference)
    assert view.read() == reference.read() == b""


def test_loads_pickles_longer_than_its_window() -> None:
    big = pickle.dumps(list(range(5000)), protocol=-1)
    view = ViewFile(memoryview(big + DATA))
    assert view.load_pickle(window=16) == list(range(5000))
    assert view.tell() == len(big)
    assert view.load_pickle() == {"a": [1, 2, 3]}
