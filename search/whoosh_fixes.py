"""One small fix to whoosh-reloaded 2.7.5 internals, applied once on import.

Whoosh's segment writer asks for the length of every posting's field. For fields without a
lengths column (the ``spell_*`` word fields did-you-mean uses) its per-document reader answers
by checking the file system each time: one ``stat`` per posting, about a quarter of indexing
time. Remembering that the column is missing gives the same answers without the system calls.
"""

from __future__ import annotations

from whoosh.codec import whoosh3

_original_cached_reader = whoosh3.W3PerDocReader._cached_reader


def _cached_reader(self, fieldname, column):
    missing = self.__dict__.setdefault("_missing_columns", set())
    if fieldname in missing:
        return None
    reader = _original_cached_reader(self, fieldname, column)
    if reader is None:
        missing.add(fieldname)
    return reader


def apply() -> None:
    whoosh3.W3PerDocReader._cached_reader = _cached_reader


apply()
