"""Documents related to a document: shared words, shared countries, same project type.

The text part runs a query made of the document's title and its most distinctive body words
(highest tf·idf among words other documents also use) through `search.rank.ranking.rank`, so
"related" means what a search would mean. Each candidate then gets

    score = text / best text score  +  COUNTRY_BONUS × shared countries  +  TYPE_BONUS × same type

so that two projects in the same country relate even with different wording, across kinds
(a project, a press release and an innovation page about Guinea meet). The document itself is
never among its related documents.

    service.similar("002_51041fb97fa8d595", limit=5)  # -> list[Related]
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from whoosh.searching import Searcher

from search.analysis import french_analyzer
from search.rank import rank

if TYPE_CHECKING:
    from search.service.generation import OpenGeneration

COUNTRY_BONUS = 0.5
TYPE_BONUS = 0.3
BODY_TERMS = 12
TEXT_CANDIDATES = 50
MAX_BODY_CHARS = 20_000  # enough words to find what a page is about; keeps long pages cheap


@dataclass(frozen=True)
class Related:
    """One related document and why it relates (for display)."""

    id: str
    title: str
    kind: str
    score: float
    year: int | None = None
    countries: list[dict[str, str]] = field(default_factory=list)
    shared_countries: list[str] = field(default_factory=list)  # ISO codes shared with the document
    same_type: bool = False
    text_score: float = 0.0


def similar_in(current: OpenGeneration, doc_id: str, limit: int = 5) -> list[Related]:
    """Up to ``limit`` documents related to ``doc_id`` (best first); [] for an unknown id."""
    if not isinstance(doc_id, str) or not doc_id or limit < 1:
        return []
    searcher, store, columns = current.searcher, current.store, current.facets.columns
    docnum = searcher.document_number(id=doc_id)
    if docnum is None:
        return []
    record = json.loads(searcher.stored_fields(docnum)["record"])
    others = store.live.copy()
    others[docnum] = False
    if not others.any():
        return []

    text_scores = np.zeros(store.size, dtype=np.float64)
    query = " ".join([record.get("title") or "", *distinctive_words(searcher, record.get("body") or "")]).strip()
    if query:
        ranked = rank(store, query, limit=TEXT_CANDIDATES, mask=others)
        for hit in ranked.hits:
            text_scores[hit.docnum] = hit.score
    best = text_scores.max()
    if best > 0:
        text_scores /= best

    countries = set(columns.countries[docnum])
    doc_type = columns.type[docnum]
    candidates: dict[int, tuple[float, list[str], bool]] = {}
    for docnum_other in np.flatnonzero(others):
        other = int(docnum_other)
        shared = [c for c in columns.countries[other] if c in countries]
        same_type = doc_type is not None and columns.type[other] == doc_type
        total = float(text_scores[other]) + COUNTRY_BONUS * len(shared) + (TYPE_BONUS if same_type else 0.0)
        if total > 0:
            candidates[other] = (total, shared, same_type)

    chosen = sorted(candidates.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
    related = []
    for other, (total, shared, same_type) in chosen:
        stored = json.loads(searcher.stored_fields(other)["record"])
        related.append(
            Related(
                id=stored["id"],
                title=stored.get("title") or stored["id"],
                kind=stored.get("kind") or "other",
                score=round(total, 6),
                year=stored.get("year"),
                countries=[
                    {"code": c["code"], "name": c.get("name") or c["code"]} for c in stored.get("countries") or []
                ],
                shared_countries=shared,
                same_type=same_type,
                text_score=round(float(text_scores[other]), 6),
            )
        )
    return related


def distinctive_words(searcher: Searcher, body: str, count: int = BODY_TERMS) -> list[str]:
    """The body words (as written) whose terms have the highest tf·idf, among terms another document has."""
    frequencies, surface = body_terms(body)
    reader = searcher.reader()
    doc_frequency = {term: reader.doc_frequency("body", term) for term in frequencies}
    return most_distinctive(frequencies, surface, doc_frequency, reader.doc_count(), count)


def body_terms(body: str) -> tuple[Counter[str], dict[str, str]]:
    """How often each index term occurs in the (start of the) body, and its first written form."""
    text = body[:MAX_BODY_CHARS]
    frequencies: Counter[str] = Counter()
    surface: dict[str, str] = {}
    for token in french_analyzer()(text, chars=True):
        frequencies[token.text] += 1
        surface.setdefault(token.text, text[token.startchar : token.endchar])
    return frequencies, surface


def most_distinctive(
    frequencies: Counter[str],
    surface: dict[str, str],
    doc_frequency: dict[str, int],
    total: int,
    count: int = BODY_TERMS,
) -> list[str]:
    """The written forms of the ``count`` terms of highest tf·idf; both engines choose with this.

    A term only this document holds (document frequency below 2) cannot match anything else, so it
    is left out.
    """
    total = max(total, 1)
    weights = []
    for term, tf in frequencies.items():
        df = doc_frequency.get(term, 0)
        if df < 2:
            continue
        weights.append(((1 + math.log(tf)) * math.log(1 + total / df), term))
    weights.sort(key=lambda item: (-item[0], item[1]))
    return [surface[term] for _, term in weights[:count]]
