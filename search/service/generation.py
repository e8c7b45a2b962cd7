"""An opened generation of the embedded index: searcher, postings and facets, and who uses it."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

from search.index import Generation
from search.rank import PostingStore
from search.results import FacetIndex
from search.service.result import IndexStatus


class OpenGeneration:
    """One opened generation: searcher, postings, facets, and who is using it.

    Reads are serialised by ``lock``; ``users`` and ``retired`` let the service close it once the
    last request holding it is done.
    """

    def __init__(self, generation: Generation):
        self.name = generation.name
        self.manifest = generation.manifest()
        self.index = generation.open()
        try:
            self.searcher = self.index.searcher()
            self.store = PostingStore(self.searcher, folder=generation.path)
            self.facets = FacetIndex.load(self.searcher, self.store.live)
        except BaseException:
            self.index.close()
            raise
        self.lock = threading.RLock()
        self.users = 0
        self.retired = False

    def close(self) -> None:
        self.searcher.close()
        self.index.close()

    def status(self) -> IndexStatus:
        built_at = self.manifest.get("built_at")
        when = datetime.fromtimestamp(built_at, UTC).isoformat() if isinstance(built_at, int | float) else None
        return IndexStatus(documents=self.store.doc_count, generation=self.name, built_at=when)

    def record(self, doc_id: str) -> dict[str, Any] | None:
        """The whole stored record of a document id, or None if there is no such document."""
        if not isinstance(doc_id, str) or not doc_id:
            return None
        docnum = self.searcher.document_number(id=doc_id)
        if docnum is None:
            return None
        return json.loads(self.searcher.stored_fields(docnum)["record"])
