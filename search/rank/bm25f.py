"""BM25F scoring with numpy over postings read from the Whoosh index.

Whoosh's own matchers score one posting at a time in Python; a query over a common word walks
tens of thousands of them. Here each posting list is read once per index generation (block by
block), kept as numpy arrays, and a query is scored for every document at once:

    tf~(d)   = Σ_fields  w_f · tf_f(d) / (1 − b_f + b_f · len_f(d) / avglen_f)
    score(d) = Σ_terms   idf(t) · tf~(d) / (k1 + tf~(d))        (true BM25F, Robertson 2004)

or, with ``Ranking.fields == "dismax"``, each field saturated on its own and combined as the best
field plus ``tie`` times the other; plus the same over the unstemmed words (``exact_weight``);
then multiplied by a coordination factor (share of query words matched) and re-ranked on the
top candidates by a proximity bonus (query words near each other in the body).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from search.rank.postings import FIELDS, PostingStore

if TYPE_CHECKING:
    from search.query import Group, Ranking

#: BM25 length normalisation per field, one value per document.
Norms = dict[str, np.ndarray]

EXACT_SUFFIX = "_exact"  # title_exact, body_exact: the folded words before stemming
NORMS_CACHE = 8  # rankings whose length normalisation a store keeps (evaluation grids try many)


@dataclass(frozen=True)
class WordScore:
    """One query word's part of one document's score, as `score` added it up.

    ``score`` is after the word's weight and the coordination factor; ``exact`` and ``title``
    are the parts of it from the exact-word bonus and from the title (the rest is the body's:
    the split follows the field-weighted, length-normalised frequencies BM25F adds up before it
    saturates them, a convention, since BM25F itself has no split).
    """

    score: float
    exact: float
    title: float
    present: bool
    via_long_form: bool  # an acronym's long form scored higher than the word itself

    @property
    def body(self) -> float:
        return self.score - self.title


@dataclass
class Scored:
    """Scores of every document (0 where nothing matched) and which documents match the query.

    Built with ``score(..., keep_parts=True)`` it can also say how each document's score was
    added up (`word_scores`, `coordination`), for « pourquoi ce résultat ? ».
    """

    scores: np.ndarray
    matched: np.ndarray  # bool mask of matching documents
    groups: list[list[str]]
    parts: list[_GroupParts] | None = None
    coordination_factor: np.ndarray | None = None

    def coordination(self, docnum: int) -> float:
        return 1.0 if self.coordination_factor is None else float(self.coordination_factor[docnum])

    def word_scores(self, docnum: int) -> list[WordScore]:
        """Each query word's part of the document's score (needs ``keep_parts``)."""
        if self.parts is None:
            raise ValueError("score(..., keep_parts=True) keeps the parts of a score")
        factor = self.coordination(docnum)
        return [part.of(docnum, factor) for part in self.parts]


@dataclass
class _FieldPart:
    """A BM25F part over all documents and the per-field frequencies it saturated."""

    values: np.ndarray
    tf: dict[str, np.ndarray]
    present: np.ndarray
    ranking: Ranking

    def title_share(self, docnum: int) -> float:
        by_field = {f: float(self.tf[f][docnum]) for f in FIELDS}
        if self.ranking.fields == "dismax":
            k1 = self.ranking.k1
            saturated = {f: tf * (k1 + 1) / (k1 + tf) for f, tf in by_field.items()}
            best = max(saturated, key=lambda f: saturated[f])
            by_field = {f: v if f == best else self.ranking.tie * v for f, v in saturated.items()}
        total = by_field["title"] + by_field["body"]
        return by_field["title"] / total if total else 0.0


@dataclass
class _GroupParts:
    """What `score` added up for one query word, kept to explain any document's score."""

    weight: float
    terms: _FieldPart | None = None
    exact: _FieldPart | None = None  # already times ``exact_weight``
    long_forms: list[tuple[np.ndarray, list[_FieldPart]]] = field(default_factory=list)  # × expansion_weight
    present: np.ndarray | None = None

    def of(self, docnum: int, coordination: float) -> WordScore:
        value = title = exact = 0.0
        if self.terms is not None:
            value = float(self.terms.values[docnum])
            title = value * self.terms.title_share(docnum)
            if self.exact is not None:
                exact = float(self.exact.values[docnum])
                value = float(np.float32(self.terms.values[docnum]) + np.float32(exact))  # float32, as score()
                title += exact * self.exact.title_share(docnum)
        via_long_form = False
        for values, words in self.long_forms:
            if float(values[docnum]) > value:  # score() keeps the larger (np.maximum)
                value, exact, via_long_form = float(values[docnum]), 0.0, True
                title = sum(float(w.values[docnum]) * w.title_share(docnum) for w in words)
        factor = self.weight * coordination
        present = self.present is not None and bool(self.present[docnum])
        return WordScore(value * factor, exact * factor, title * factor, present, via_long_form)


def idf(doc_count: int, df: int) -> float:
    """BM25 idf, never negative (Lucene's form)."""
    return math.log(1.0 + (doc_count - df + 0.5) / (df + 0.5))


def score(store: PostingStore, groups: list[Group], ranking: Ranking, keep_parts: bool = False) -> Scored:
    """Score every document for the planned query ``groups`` (the one BM25F formula).

    ``keep_parts`` keeps each word's arrays so that `Scored.word_scores` can say how any
    document's score was added up; the scores are the same either way.
    """
    size = store.size
    scores = np.zeros(size, dtype=np.float32)
    matched_groups = np.zeros(size, dtype=np.int16)
    norms = _norms(store, ranking)
    kept = []
    for group in groups:
        parts = _GroupParts(weight=group.weight)
        kept.append(parts)
        terms = _term_part(store, group.terms, ranking, norms)
        part, present = (None, None) if terms is None else (terms.values, terms.present)
        if terms is not None and keep_parts:
            parts.terms = replace(terms, values=terms.values.copy())  # `part` grows in place below
        if part is not None and ranking.exact_weight > 0 and group.words:
            exact = _term_part(store, group.words, ranking, norms, EXACT_SUFFIX)
            if exact is not None:
                exact.values *= ranking.exact_weight
                part += exact.values
                parts.exact = exact if keep_parts else None
        for phrase in group.phrases:
            phrase_part, phrase_present = _phrase_part(store, phrase, ranking, norms)
            if phrase_present is not None:
                phrase_part *= ranking.expansion_weight
                if keep_parts:
                    parts.long_forms.append((phrase_part, _long_form_words(store, phrase, ranking, norms)))
                part = phrase_part if part is None else np.maximum(part, phrase_part)
                present = phrase_present if present is None else present | phrase_present
        parts.present = present
        if part is None:
            continue
        scores += part if group.weight == 1.0 else part * group.weight
        matched_groups += present
    matched = matched_groups > 0
    if groups and ranking.operator == "and":
        matched = matched_groups == len(groups)
    coordination = None
    if len(groups) > 1 and ranking.operator == "coord" and ranking.coord > 0:
        coordination = np.power(matched_groups / len(groups), ranking.coord, dtype=np.float32)
        scores *= coordination
    scores[~matched] = 0
    return Scored(
        scores=scores,
        matched=matched,
        groups=[g.terms for g in groups],
        parts=kept if keep_parts else None,
        coordination_factor=coordination if keep_parts else None,
    )


def _long_form_words(store: PostingStore, phrase: Sequence[str], ranking: Ranking, norms: Norms) -> list[_FieldPart]:
    """Each word of a long form scored alone, times ``expansion_weight`` (its title/body split)."""
    words = []
    for word in phrase:
        found = _term_part(store, [word], ranking, norms)
        if found is not None:
            words.append(replace(found, values=found.values * ranking.expansion_weight))
    return words


def _norms(store: PostingStore, ranking: Ranking) -> Norms:
    """BM25 length normalisation of every document, per field (read only: shared between queries).

    It depends only on the generation and the two ``b`` of the ranking, yet cost two passes over
    every document's lengths per query: kept on the store for the last few rankings used.
    """
    key = (ranking.title_b, ranking.b)
    cached = store.norms.get(key)
    if cached is None:
        b = {"title": ranking.title_b, "body": ranking.b}
        cached = {
            name: 1.0 - b[name] + b[name] * store.lengths[name] / max(store.avg_length[name], 1e-9) for name in FIELDS
        }
        for array in cached.values():
            array.setflags(write=False)
        if len(store.norms) >= NORMS_CACHE:
            store.norms.clear()
        store.norms[key] = cached
    return cached


def _term_part(
    store: PostingStore, terms: Sequence[str], ranking: Ranking, norms: Norms, suffix: str = ""
) -> _FieldPart | None:
    """BM25F of a set of alternative terms (their frequencies add up), and where they occur.

    ``suffix`` picks the fields: ``""`` the stemmed title and body, ``_exact`` their whole words
    (same lengths: stemming never changes how many words a name has). With ``ranking.fields ==
    "dismax"`` each name saturates on its own: best name plus ``tie`` times the other.
    """
    found = _term_tf(store, terms, ranking, norms, suffix)
    if found is None:
        return None
    tf, mask = found
    docs = np.flatnonzero(mask)
    part = np.zeros(store.size, dtype=np.float32)
    part[docs] = _saturated(store, tf, docs, len(docs), ranking)
    return _FieldPart(part, tf, mask, ranking)


def _term_tf(
    store: PostingStore, terms: Sequence[str], ranking: Ranking, norms: Norms, suffix: str = ""
) -> tuple[dict, np.ndarray] | None:
    """Each field's weighted, length-normalised frequency of the terms in every document, and
    where they occur (None: nowhere)."""
    weights = {"title": ranking.title_boost, "body": 1.0}
    tf = {name: np.zeros(store.size, dtype=np.float32) for name in FIELDS}
    # Where the terms occur, as a mask: its nonzero positions are the sorted union of the posting
    # lists (np.unique of their concatenation sorts; at 100,000 documents that was most of a query).
    mask = np.zeros(store.size, dtype=bool)
    found = False
    for term in terms:
        for name in FIELDS:
            ids, freqs = store.postings(name + suffix, term)
            if len(ids):
                tf[name][ids] += weights[name] * freqs / norms[name][ids]
                mask[ids] = True
                found = True
    return (tf, mask) if found else None


def _saturated(store: PostingStore, tf: dict, docs: np.ndarray, df: int, ranking: Ranking) -> np.ndarray:
    """The BM25F part of the documents ``docs`` (float32, elementwise: the same for a document
    whichever others are computed with it), for terms found in ``df`` documents."""
    k1 = ranking.k1
    if ranking.fields == "dismax":
        title, body = ((tf[name][docs] * (k1 + 1) / (k1 + tf[name][docs])) for name in FIELDS)
        best = np.maximum(title, body)
        saturated = best + ranking.tie * (title + body - best)
    else:
        summed = tf["title"][docs] + tf["body"][docs]
        saturated = summed * (k1 + 1) / (k1 + summed)
    return idf(store.doc_count, df) * saturated


def _phrase_part(
    store: PostingStore, phrase: Sequence[str], ranking: Ranking, norms: Norms
) -> tuple[np.ndarray, np.ndarray | None]:
    """Sum of the words' BM25F over the documents that contain every word of ``phrase``.

    Saturated only where every word occurs: a long form of common words (an acronym's expansion)
    would otherwise be scored over most of the documents, then zeroed outside the few that match.
    """
    total = np.zeros(store.size, dtype=np.float32)
    words = []
    everywhere = None
    for word in phrase:
        found = _term_tf(store, [word], ranking, norms)
        if found is None:
            return total, None
        words.append(found)
        everywhere = found[1] if everywhere is None else everywhere & found[1]
    if everywhere is None or not everywhere.any():
        return total, None
    docs = np.flatnonzero(everywhere)
    sums = np.zeros(len(docs), dtype=np.float32)
    for tf, mask in words:  # in the phrase's order, as the sum over whole arrays was
        sums += _saturated(store, tf, docs, int(np.count_nonzero(mask)), ranking)
    total[docs] = sums
    return total, everywhere


def top(scored: Scored, limit: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Document numbers of the ``limit`` best matches (best first) and the exact total."""
    candidates = scored.matched if mask is None else scored.matched & mask
    docnums = np.flatnonzero(candidates)
    total = len(docnums)
    if total == 0 or limit <= 0:
        return docnums[:0], total
    values = scored.scores[docnums]
    if total > limit:
        part = np.argpartition(-values, limit - 1)[:limit]
        docnums, values = docnums[part], values[part]
    order = np.lexsort((docnums, -values))  # ties: lower document number first, deterministic
    return docnums[order], total
