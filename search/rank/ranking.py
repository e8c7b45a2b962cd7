"""Ranked retrieval over an open index: the top hits, the exact total and the whole matched set."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from search.query import DEFAULT_RANKING, ParsedQuery, QueryPlan, Ranking, parse, plan
from search.query.suggest import SUGGEST_BELOW, suggest
from search.rank.bm25f import Scored, score, top
from search.rank.meaning import add_meaning
from search.rank.postings import PostingStore
from search.rank.proximity import add_proximity, phrase_mask

PARTIAL_WARNING = "résultats partiels : la vérification des expressions exactes a dépassé le temps imparti"


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


def score_plan(
    store: PostingStore,
    query_plan: QueryPlan,
    ranking: Ranking,
    deadline: float | None = None,
    keep_parts: bool = False,
) -> tuple[Scored, np.ndarray, bool]:
    """The scores of a query plan: its words, then its required phrases and exclusions applied.

    Returns the scores (0 outside the matches, no proximity bonus yet), the documents the words
    alone matched (before phrases and exclusions), and whether the phrase checks finished before
    ``deadline``. `rank` and the explanations (`explain`, with ``keep_parts``) both start here.
    """
    scored = score(store, query_plan.groups, ranking, keep_parts)
    if not query_plan.groups and query_plan.excluded and not query_plan.required:
        scored.matched = store.live.copy()  # only exclusions: everything else matches
    by_words = scored.matched.copy()
    complete = True
    for words in query_plan.required:
        found, done = phrase_mask(store, words, scored.matched, deadline)
        scored.matched &= found
        complete &= done
    for words in query_plan.excluded:
        found, done = phrase_mask(store, words, scored.matched, deadline)
        scored.matched &= ~found
        complete &= done
    scored.scores[~scored.matched] = 0
    return scored, by_words, complete


def rank(
    store: PostingStore,
    query: str | ParsedQuery,
    limit: int = 10,
    ranking: Ranking = DEFAULT_RANKING,
    mask: np.ndarray | None = None,
    deadline: float | None = None,
) -> RankedPage:
    """The ``limit`` best documents for ``query`` (restricted to ``mask`` if given) and the exact total.

    ``query`` is the text of the search box, or its already parsed syntax. Past ``deadline`` (a
    ``time.perf_counter()`` value) the slow optional work stops: phrase checks return what they
    verified (with a warning) and no suggestion is made.
    """
    parsed = parse(query) if isinstance(query, str) else query
    query_plan = plan(parsed, store, ranking)
    if isinstance(query, str):  # otherwise the caller parsed it and has its warnings
        query_plan.warnings[:0] = parsed.warnings
    scored, _, complete = score_plan(store, query_plan, ranking, deadline)
    if not complete:
        query_plan.warnings.append(PARTIAL_WARNING)
    add_proximity(store, scored, ranking, mask)
    add_meaning(store, scored, ranking, query_text(parsed), mask)
    docnums, total = top(scored, limit, mask)
    hits = [RankedHit(id=store.doc_id(int(d)), docnum=int(d), score=float(scored.scores[d])) for d in docnums]
    page = RankedPage(
        total=total,
        hits=hits,
        matched=scored.matched,
        terms=query_plan.terms,
        expansions=query_plan.expansions,
        warnings=query_plan.warnings,
    )
    in_time = deadline is None or time.perf_counter() < deadline
    if in_time and (total < SUGGEST_BELOW or query_plan.corrections):
        page.suggestion = suggest(query_text(parsed), store)
    return page


def query_text(parsed: ParsedQuery) -> str:
    """The words a user looks for, without the syntax and the excluded words."""
    return " ".join(c.text for c in parsed.clauses if not c.negated)
