"""Index: the embedded engine's files on disk.

Owns the Whoosh schema (`schema`), index generations behind an atomic ``CURRENT`` pointer
(`generations`, `files`), the full build (`build`) and the incremental reindex (`incremental`), our
segment writer (`writer`, `whoosh_fixes`) and the sentence vectors each generation keeps
(`vectors`). It may import `search.errors`, `search.analysis` and `search.ingest`; it knows
nothing of queries, ranking or the service.
"""

from search.index.build import build_index
from search.index.generations import CURRENT, Generation, current_generation, open_index
from search.index.incremental import reindex
from search.index.schema import SCHEMA_VERSION
from search.index.vectors import MODEL, Encoder, VectorFile, Vectors, encoder, query_vector, warm_up

__all__ = [
    "CURRENT",
    "MODEL",
    "SCHEMA_VERSION",
    "Encoder",
    "Generation",
    "VectorFile",
    "Vectors",
    "build_index",
    "current_generation",
    "encoder",
    "open_index",
    "query_vector",
    "reindex",
    "warm_up",
]
