"""Word positions: required phrases ("…") and the bonus for query words found close together."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from search.query import Ranking
from search.rank.bm25f import Scored, top
from search.rank.postings import FIELDS, PostingStore

if TYPE_CHECKING:
    pass


PHRASE_CHUNK = 256


PROXIMITY_CANDIDATES = 200


def phrase_mask(
    store: PostingStore, words, within: np.ndarray, deadline: float | None = None
) -> tuple[np.ndarray, bool]:
    """Documents (among ``within``) whose title or body has ``words`` at their relative positions.

    ``words`` is a sequence of (term, offset); a one-word phrase is a plain term match. Positions
    are checked in chunks; past ``deadline`` (a ``time.perf_counter()`` value) the check stops and
    the second value is False: the mask then holds only the documents verified so far.
    """
    found = np.zeros(store.size, dtype=bool)
    for field in FIELDS:
        candidates = within.copy()
        for term, _ in words:
            ids, _ = store.postings(field, term)
            present = np.zeros(store.size, dtype=bool)
            present[ids] = True
            candidates &= present
        docnums = np.flatnonzero(candidates)
        if len(words) == 1 or len(docnums) == 0:
            found |= candidates
            continue
        for start in range(0, len(docnums), PHRASE_CHUNK):
            if deadline is not None and time.perf_counter() > deadline:
                return found, False
            chunk = docnums[start : start + PHRASE_CHUNK]
            positions = [store.positions(field, term, chunk) for term, _ in words]
            for docnum in chunk:
                if _has_phrase(int(docnum), words, positions):
                    found[docnum] = True
    return found, True


def _has_phrase(docnum: int, words, positions: list[dict[int, list[int]]]) -> bool:
    starts = set(positions[0].get(docnum, ()))
    for (_, offset), where in zip(words[1:], positions[1:], strict=True):
        starts &= {p - offset for p in where.get(docnum, ())}
        if not starts:
            return False
    return bool(starts)


def add_proximity(store: PostingStore, scored: Scored, ranking: Ranking, mask: np.ndarray | None = None) -> None:
    """Reward the best candidates whose body has consecutive query words within ``slop`` positions."""
    groups = scored.groups
    if ranking.proximity <= 0 or len(groups) < 2:
        return
    candidates, _ = top(scored, PROXIMITY_CANDIDATES, mask)
    if len(candidates) == 0:
        return
    positions = []
    for group in groups:
        merged: dict[int, list[int]] = {}
        for term in group:
            for docnum, pos in store.positions("body", term, candidates).items():
                merged.setdefault(docnum, []).extend(pos)
        positions.append(merged)
    for left, right in zip(positions, positions[1:], strict=False):
        for docnum, left_pos in left.items():
            right_pos = right.get(docnum)
            if right_pos:
                near = _near_pairs(left_pos, right_pos, ranking.slop)
                if near:
                    scored.scores[docnum] += ranking.proximity * near / (near + 1.0)


def _near_pairs(left: list[int], right: list[int], slop: int) -> int:
    """How many positions of ``left`` have a ``right`` position within ``slop`` after or before."""
    right_sorted = np.sort(np.asarray(right))
    left_arr = np.asarray(left)
    lo = np.searchsorted(right_sorted, left_arr - slop, side="left")
    hi = np.searchsorted(right_sorted, left_arr + slop, side="right")
    return int(np.count_nonzero(hi > lo))
