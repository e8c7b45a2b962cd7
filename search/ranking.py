"""Ranked retrieval over an open index: the top hits, the exact total and the whole matched set."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .query import DEFAULT_RANKING, Ranking, plan
from .scoring import PostingStore, add_proximity, score, top


@dataclass(frozen=True)
class RankedHit:
    id: str
    docnum: int
    score: float


@dataclass
class RankedPage:
    """One page of ranked hits plus what a caller needs to build facets and highlights.

    matched: every matching document (bool mask by document number), *before* ``mask`` was
    applied, so a caller can count facets with some filters left out (multi-select facets).
    terms: the analysed index terms the query looked for, for highlighting.
    """

    total: int
    hits: list[RankedHit] = field(default_factory=list)
    matched: np.ndarray | None = None
    terms: set[str] = field(default_factory=set)
    expansions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    suggestion: str | None = None


def rank(
    store: PostingStore,
    text: str,
    limit: int = 10,
    ranking: Ranking = DEFAULT_RANKING,
    mask: np.ndarray | None = None,
) -> RankedPage:
    """The ``limit`` best documents for ``text`` (restricted to ``mask`` if given) and the exact total."""
    query_plan = plan(text, store, ranking)
    scored = score(store, query_plan.groups, ranking)
    add_proximity(store, scored, ranking, mask)
    docnums, total = top(scored, limit, mask)
    stored = store.searcher.stored_fields
    hits = [RankedHit(id=stored(int(d))["id"], docnum=int(d), score=float(scored.scores[d])) for d in docnums]
    return RankedPage(
        total=total,
        hits=hits,
        matched=scored.matched,
        terms=query_plan.terms,
        expansions=query_plan.expansions,
    )
