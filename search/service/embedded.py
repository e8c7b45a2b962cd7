"""The embedded engine: an index folder on this machine, searched in this process.

`SearchService` implements `search.service.engine.Engine` and owns the open index. It keeps, per
index generation, one Whoosh searcher, its `PostingStore` and its `FacetIndex`, and notices (by
a stat of ``CURRENT`` at most once a second) when a rebuild publishes a newer generation: it
opens that one, switches, and closes the old one once the requests still using it are done.
Reads of one generation are serialised, since neither Whoosh readers nor the posting cache
promise to be thread-safe.

Each request holds the current generation (`lease`) while `pipeline` answers it. Nothing here
knows about HTTP.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from search.errors import IndexMissingError
from search.index import CURRENT, current_generation, warm_up
from search.ingest import find_cities, resolve_country
from search.results import Explanation
from search.service.generation import OpenGeneration
from search.service.pipeline import explain_in, search_in
from search.service.request import SearchRequest
from search.service.result import IndexStatus, SearchResult
from search.service.similar import Related, similar_in

log = logging.getLogger(__name__)

CHECK_INTERVAL_S = 1.0


class SearchService:
    """Searches the current generation of an index folder; see the module docstring."""

    def __init__(
        self, index_dir: str | Path, check_interval: float = CHECK_INTERVAL_S, switch_in_background: bool = False
    ):
        self.index_dir = Path(index_dir)
        self.check_interval = check_interval
        # Opening a generation reads every stored record for the facets (~7 s at 100,000
        # documents): a server does it in a thread and keeps answering from the current one.
        self.switch_in_background = switch_in_background
        self._lock = threading.Lock()  # guards _open, users and retired flags
        self._switch_lock = threading.Lock()  # one thread opens a new generation at a time
        self._pointer = self._stat_pointer()
        self._open = self._load()
        resolve_country("GN")  # build the gazetteers now, not during the first requests (~1 s, ~2 s)
        find_cities("Bichkek")
        if self._open.store.vectors is not None:
            warm_up()  # load the sentence encoder now too (~2 s)
        self._checked = time.monotonic()

    # -- generations -------------------------------------------------------------------------

    def _load(self) -> OpenGeneration:
        generation = current_generation(self.index_dir)
        try:
            return OpenGeneration(generation)
        except IndexMissingError:
            raise
        except Exception as exc:  # whoosh raises many types for a damaged folder
            raise IndexMissingError("damaged", folder=self.index_dir, detail=f"{generation.name}: {exc}") from exc

    def _stat_pointer(self) -> tuple[int, int] | None:
        try:
            info = os.stat(self.index_dir / CURRENT)
        except OSError:
            return None
        return (info.st_ino, info.st_mtime_ns)

    def _maybe_switch(self) -> None:
        """Open a newly published generation, at most one stat per ``check_interval``."""
        now = time.monotonic()
        if now - self._checked < self.check_interval:
            return
        self._checked = now
        pointer = self._stat_pointer()
        if pointer is None or pointer == self._pointer:
            return
        if not self._switch_lock.acquire(blocking=False):
            return  # another request is opening it; keep serving the current one meanwhile
        self._pointer = pointer
        if self.switch_in_background:
            try:
                threading.Thread(target=self._switch, name="open-generation", daemon=True).start()
                return
            except RuntimeError:  # no thread to be had: open it in this request, as before
                pass
        self._switch()

    def _switch(self) -> None:
        """Open the published generation and make it current; called holding ``_switch_lock``."""
        try:
            try:
                if current_generation(self.index_dir).name == self._open.name:
                    return
                fresh = self._load()
            except IndexMissingError as exc:
                log.warning("keeping generation %s: %s", self._open.name, exc)
                return
            with self._lock:
                old, self._open = self._open, fresh
                old.retired = True
                if old.users == 0:
                    old.close()
            log.info("switched to index generation %s", fresh.name)
        finally:
            self._switch_lock.release()

    @contextmanager
    def lease(self) -> Iterator[OpenGeneration]:
        """The current generation, held open (and to ourselves) for the duration of the block."""
        self._maybe_switch()
        with self._lock:
            current = self._open
            current.users += 1
        try:
            with current.lock:
                yield current
        finally:
            with self._lock:
                current.users -= 1
                if current.retired and current.users == 0:
                    current.close()

    def close(self) -> None:
        with self._switch_lock:  # let a generation being opened finish, then close it too
            pass
        with self._lock:
            self._open.retired = True
            if self._open.users == 0:
                self._open.close()

    # -- queries: each holds the current generation for its duration -----------------------

    def status(self) -> IndexStatus:
        with self.lease() as current:
            return current.status()

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """The whole stored record of a document id, or None if the index has no such document."""
        with self.lease() as current:
            return current.record(doc_id)

    def search(self, request: SearchRequest) -> SearchResult:
        """One page of hits with snippets, the exact total and the facet counts."""
        request.validate()
        with self.lease() as current:
            return search_in(current, request)

    def explain(self, request: SearchRequest, doc_id: str) -> Explanation:
        """Why the document ``doc_id`` is (or is not) in the results of ``request``, at which rank.

        Ranked and filtered exactly as `search` would (words understood as filters included); an
        unknown id gives an explanation whose ``exists`` is False (``verdict`` "not_found").
        """
        request.validate()
        with self.lease() as current:
            return explain_in(current, request, doc_id)

    def similar(self, doc_id: str, limit: int = 5) -> list[Related]:
        """Pages like ``doc_id`` (same subject first, then same country or type); [] if unknown."""
        with self.lease() as current:
            return similar_in(current, doc_id, limit)
