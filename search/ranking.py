"""Ranked retrieval over an open index: the top hits and the exact number of matches."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .query import DEFAULT_RANKING, Ranking, query_terms
from .scoring import PostingStore, add_proximity, score, top


@dataclass(frozen=True)
class RankedHit:
    id: str
    docnum: int
    score: float


@dataclass
class RankedPage:
    total: int
    hits: list[RankedHit] = field(default_factory=list)


def rank(
    store: PostingStore,
    text: str,
    limit: int = 10,
    ranking: Ranking = DEFAULT_RANKING,
    mask: np.ndarray | None = None,
) -> RankedPage:
    """The ``limit`` best documents for ``text`` (restricted to ``mask`` if given) and the exact total."""
    scored = score(store, query_terms(text), ranking)
    add_proximity(store, scored, ranking, mask)
    docnums, total = top(scored, limit, mask)
    stored = store.searcher.stored_fields
    hits = [RankedHit(id=stored(int(d))["id"], docnum=int(d), score=float(scored.scores[d])) for d in docnums]
    return RankedPage(total=total, hits=hits)
