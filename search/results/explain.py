"""Why a document is (or is not) in the results of a query: « Pourquoi ce résultat ? ».

An `Explainer` is made once per request (query, filters, ranking, sort, page) over one open
generation; `Explainer.explain(docnum, doc_id)` then says, for one document:

- for each query word as typed (each plan `Group`), which index terms it looked for, how often
  the document has them in its title and body, the words of the document that matched (as
  written: body forms from the character offsets stored in the index, title forms by running
  the French chain over the title again) and through which transformation (`MATCH_KINDS`);
- its score, split per query word, each word's share split between title and body, plus the
  proximity bonus and the closeness of meaning (`rank.meaning`); the total is the score the ranking
  gives the document;
- which filters kept it (the document's value that satisfies each one) or which one left it out;
- why it is not shown, when it is not: no such document, a filter, no query word, a missing
  "phrase", an excluded -word, or a rank past the page (« classé 37e sur 120 »).

The ranking is run by the same steps as `rank.rank` (`rank.score_plan` with its parts kept,
`rank.proximity.add_proximity`, `rank.add_meaning`) over every document, so the total and the
rank are exactly the ranking's, and each word's part is read from what `rank.bm25f.score` added
up (`Scored.word_scores`): the formula is written once. The title/body split of a word's part is
a convention, not something BM25F defines (see `rank.bm25f.WordScore`).

The data is in `explanation`, its French sentences in `sentences`. Nothing here knows about HTTP.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from search.analysis import fold, french_analyzer, inspect, tokens
from search.query import DEFAULT_RANKING, Group, ParsedQuery, QueryPlan, Ranking, plan
from search.query.plan import phrase
from search.rank import FIELDS, PostingStore, Scored, add_meaning, query_text, score_plan
from search.rank.bm25f import top
from search.rank.proximity import add_proximity, phrase_mask
from search.results import facets as facets_module
from search.results.explanation import (
    FILTER_LABELS,
    MATCH_KINDS,
    MAX_FORMS,
    Condition,
    Explanation,
    FilterCheck,
    Form,
    ScoreParts,
    WordPart,
)
from search.results.facets import FACETS, FacetIndex, Filters
from search.results.sentences import sentences

#: Facets a request may bound by a range, and the `Filters` fields holding the bounds.
_RANGES: dict[str, tuple[str, str]] = getattr(facets_module, "RANGES", {"year": ("year_from", "year_to")})
_ELIDED_BEFORE = re.compile(r"(?<![^\W\d_])(?:l|m|t|qu|n|s|j|d|c|jusqu|quoiqu|lorsqu|puisqu)['’‘ʼ′]\Z", re.IGNORECASE)


class Explainer:
    """Explanations for one request over one open generation (see the module docstring).

    ``order``, for sorts other than relevance, returns the candidates' document numbers in the
    order the results list them; ``deadline`` bounds the phrase checks as in `ranking.rank`.
    """

    def __init__(
        self,
        searcher,
        store: PostingStore,
        facets: FacetIndex,
        parsed: ParsedQuery,
        filters: Filters,
        ranking: Ranking = DEFAULT_RANKING,
        *,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 10,
        order: Callable[[np.ndarray], np.ndarray] | None = None,
        deadline: float | None = None,
    ):
        self.searcher = searcher
        self.store = store
        self.facets = facets
        self.parsed = parsed
        self.filters = filters
        self.ranking = ranking
        self.page = page
        self.per_page = per_page
        self.mask = facets.filter_mask(filters)
        self.text_query = bool(parsed.clauses)
        self.sort = sort if self.text_query or sort != "relevance" else "newest"
        self._order_fn = order
        self._order: np.ndarray | None = None
        self.warnings: list[str] = []
        self.plan: QueryPlan | None = None
        if self.text_query:
            self.plan = plan(parsed, store, ranking)
            self._rank(self.plan, deadline)
        else:
            self.scored = Scored(np.zeros(store.size, np.float32), store.live.copy(), [])
            self.before_proximity = self.scored.scores
            self.meaning: np.ndarray | None = None
        self.results = self.scored.matched & self.mask
        self.total = int(self.results.sum())

    # -- the ranking, as `ranking.rank` computes it ----------------------------------------------

    def _rank(self, query_plan: QueryPlan, deadline: float | None) -> None:
        store, ranking = self.store, self.ranking
        scored, self.text_matched, complete = score_plan(store, query_plan, ranking, deadline, keep_parts=True)
        if not complete:
            self.warnings.append("vérification des expressions exactes incomplète (temps dépassé)")
        self.before_proximity = scored.scores.copy()
        add_proximity(store, scored, ranking, self.mask)
        self.meaning = add_meaning(store, scored, ranking, query_text(self.parsed), self.mask)
        self.scored = scored

    def rank_of(self, docnum: int) -> int | None:
        """1-based place of a document in the results, or None when it is not in them."""
        if not self.results[docnum]:
            return None
        if self.sort == "relevance":
            scores = self.scored.scores
            value = scores[docnum]
            better = self.results & (scores > value)
            tied = self.results & (scores == value)
            return int(better.sum()) + int(tied[:docnum].sum()) + 1
        order = self._sorted()
        return int(np.flatnonzero(order == docnum)[0]) + 1

    def _sorted(self) -> np.ndarray:
        if self._order is None:
            if self._order_fn is not None:
                self._order = np.asarray(self._order_fn(self.results))
            else:
                self._order = np.flatnonzero(self.results)
        return self._order

    def at_rank(self, rank: int) -> int | None:
        """The document number at a 1-based place of the results."""
        if rank < 1 or rank > self.total:
            return None
        if self.sort == "relevance":
            docnums, _ = top(self.scored, rank, self.mask)
            return int(docnums[rank - 1])
        return int(self._sorted()[rank - 1])

    # -- one document -------------------------------------------------------------------------------

    def explain(self, docnum: int | None, doc_id: str) -> Explanation:
        query = self.parsed.text
        if docnum is None or not 0 <= docnum < self.store.size or not self.store.live[docnum]:
            shown_id = doc_id[:200]
            return Explanation(
                id=shown_id,
                query=query,
                exists=False,
                verdict="not_found",
                sort=self.sort,
                total=self.total,
                sentences=[f"Aucun document n’a l’identifiant « {shown_id} »."],
            )
        record = json.loads(self.searcher.stored_fields(docnum)["record"])
        title = record.get("title") or ""
        body = record.get("body") or ""
        result = Explanation(id=record.get("id", doc_id), query=query, exists=True, verdict="shown", title=title)
        result.sort = self.sort
        result.total = self.total
        result.warnings = list(self.warnings)
        result.passes_filters = bool(self.mask[docnum])
        result.filters = self._filters(docnum, result.passes_filters)
        result.ignored = ignored_words(self.parsed)
        if self.text_query:
            result.words = self._words(docnum, title, body)
            result.conditions = self._conditions(docnum)
            result.matches_query = bool(self.scored.matched[docnum])
            if result.matches_query:
                result.score = self._score(docnum, result.words)
        else:
            result.matches_query = True
        result.in_results = bool(self.results[docnum])
        result.rank = self.rank_of(docnum)
        if result.rank is not None:
            result.page = (result.rank - 1) // self.per_page + 1
            result.shown = result.page == self.page
        result.last_shown = self._last_shown()
        result.verdict = self._verdict(result, docnum)
        result.sentences = sentences(result, self.ranking.operator, self.text_query)
        return result

    def _verdict(self, result: Explanation, docnum: int) -> str:
        return verdict(result, words_match=not self.text_query or bool(self.text_matched[docnum]))

    def _last_shown(self) -> dict[str, Any] | None:
        last = min(self.page * self.per_page, self.total)
        if last < (self.page - 1) * self.per_page + 1:
            return None
        docnum = self.at_rank(last)
        if docnum is None:
            return None
        value = float(self.scored.scores[docnum]) if self.sort == "relevance" and self.text_query else None
        return {"id": self.store.doc_id(docnum), "rank": last, "score": value}

    # -- filters ------------------------------------------------------------------------------------

    def _filters(self, docnum: int, passes: bool) -> list[FilterCheck]:
        """One check per facet with selected values or a range, judged by the facet index's own mask."""
        checks: list[FilterCheck] = []
        for name in FACETS:
            wanted = tuple(self.filters.values(name))
            low, high = (getattr(self.filters, bound, None) for bound in _RANGES.get(name, ("", "")))
            if not wanted and low is None and high is None:
                continue
            facet = self.facets.facets[name]
            have = [facet.labels[int(o)] for o in facet.ordinals[facet.docs == docnum]]
            labels = [facet.labels[o] if (o := facet.ordinal(v)) is not None else v for v in wanted]
            mask = self.facets.facet_mask(name, self.filters)
            passed = True if mask is None else bool(mask[docnum])
            checks.append(FilterCheck(name, FILTER_LABELS.get(name, name), labels, have, passed, low, high))
        if not passes and all(c.passed for c in checks):  # a rule of the facet index we do not model
            checks.append(FilterCheck("other", "autre filtre", [], [], False))
        return checks

    # -- words --------------------------------------------------------------------------------------

    def _words(self, docnum: int, title: str, body: str) -> list[WordPart]:
        query_plan = self.plan
        assert query_plan is not None
        title_tokens = field_tokens(title)
        parts: list[WordPart] = []
        for group in query_plan.groups:
            correction = query_plan.corrections.get(group.text)
            title_tf = sum(_tf(self.store, "title", t, docnum) for t in group.terms)
            body_tf = sum(_tf(self.store, "body", t, docnum) for t in group.terms)
            part = word_part(group, correction, title_tf, body_tf)
            wanted = set(group.terms)
            long_terms = {t for p in group.phrases for t in p}
            long_found = [p for p in group.phrases if all(_tf_any(self.store, t, docnum) for t in p)]
            if long_found:
                part.found = True
                wanted |= {t for p in long_found for t in p}
            fields = (
                ("title", title, [(t, s, e) for t, s, e in title_tokens if t in wanted]),
                ("body", body, _body_hits(self.store, docnum, wanted)),
            )
            part.forms = word_forms(group, correction, long_terms, fields)
            parts.append(part)
        return parts

    def _conditions(self, docnum: int) -> list[Condition]:
        query_plan = self.plan
        assert query_plan is not None
        one = np.zeros(self.store.size, dtype=bool)
        one[docnum] = True
        required = [c.text for c in self.parsed.clauses if c.kind == "phrase" and not c.negated]
        required = [text for text in required if len(phrase(text)) > 1]
        excluded = [c.text for c in self.parsed.clauses if c.negated and phrase(c.text)]
        checks: list[Condition] = []
        for text, words in zip(required, query_plan.required, strict=False):
            present = bool(phrase_mask(self.store, words, one)[0][docnum])
            checks.append(Condition("phrase", text, present, present))
        for text, words in zip(excluded, query_plan.excluded, strict=False):
            present = bool(phrase_mask(self.store, words, one)[0][docnum])
            checks.append(Condition("excluded", text, present, not present))
        return checks

    # -- score --------------------------------------------------------------------------------------

    def _score(self, docnum: int, words: list[WordPart]) -> ScoreParts:
        """Each word's part of the score, read from the parts the ranking added up."""
        for word, part in zip(words, self.scored.word_scores(docnum), strict=True):
            word.score, word.exact_score = part.score, part.exact
            word.title_score, word.body_score = part.title, part.body
            word.via_long_form = part.via_long_form
        total = float(self.scored.scores[docnum])
        meaning = float(self.meaning[docnum]) if self.meaning is not None else 0.0
        proximity_used = self.ranking.proximity > 0 and len(words) > 1
        return ScoreParts(
            total=total,
            words=sum(w.score for w in words),
            coordination=self.scored.coordination(docnum),
            proximity=total - meaning - float(self.before_proximity[docnum]) if proximity_used else 0.0,
            proximity_used=proximity_used,
            meaning=meaning,
            meaning_used=self.meaning is not None,
        )


# -- what both engines' explanations share ---------------------------------------------------------


def verdict(result: Explanation, words_match: bool) -> str:
    """The `VERDICTS` entry for a filled explanation; ``words_match``: the query words alone match
    (before its "phrases" and -exclusions are checked)."""
    if not result.matches_query:
        if not words_match:
            return "no_match"
        if any(c.kind == "phrase" and not c.passed for c in result.conditions):
            return "missing_phrase"
        if any(c.kind == "excluded" and not c.passed for c in result.conditions):
            return "excluded_word"
        return "no_match"
    if not result.passes_filters:
        return "filtered_out"
    return "shown" if result.shown else "beyond_page"


def word_part(group: Group, correction: str | None, title_tf: int, body_tf: int) -> WordPart:
    """A query word's part before its forms and score are filled in."""
    return WordPart(
        query=group.text,
        terms=list(group.terms),
        long_forms=[list(p) for p in group.phrases],
        weight=group.weight,
        question_word=group.weight < 1.0,
        prefix=group.exact and group.text.endswith("*"),
        correction=correction,
        title_tf=title_tf,
        body_tf=body_tf,
        found=bool(title_tf or body_tf),
    )


def field_tokens(text: str) -> list[tuple[str, int, int]]:
    """(term, start, end) of every token of a field's text, by the same French chain as the index."""
    return [(t.text, t.startchar, t.endchar) for t in french_analyzer()(text, positions=True, chars=True)]


def word_forms(
    group: Group,
    correction: str | None,
    long_terms: set[str],
    fields: tuple[tuple[str, str, list[tuple[str, int, int]]], ...],
) -> list[Form]:
    """The document's words that matched a query word, as written, from ``(field, text, hits)``:
    the hits are the (term, start, end) of the group's terms in that field's text."""
    prefix = group.exact and group.text.endswith("*")
    forms: dict[tuple[str, str], Form] = {}
    for fieldname, text, hits in fields:
        for term, start, end in hits:
            written, elided = _written(text, start, end)
            steps = _steps(group, term, text[start:end], elided, correction, prefix, long_terms)
            key = (fieldname, written)
            if key in forms:
                forms[key].count += 1
            else:
                forms[key] = Form(written, fieldname, term, 1, steps[0], steps)
    return sorted(forms.values(), key=lambda f: (f.field != "title", -f.count, f.text))[:MAX_FORMS]


def ignored_words(parsed: ParsedQuery) -> list[str]:
    """Query words left out as too common (stop words), as typed."""
    words: list[str] = []
    for clause in parsed.clauses:
        if clause.negated:
            continue
        for step in inspect(clause.text):
            if step.stop and step.typed not in words:
                words.append(step.typed)
    return words


# -- helpers --------------------------------------------------------------------------------------


def _tf(store: PostingStore, fieldname: str, term: str, docnum: int) -> int:
    ids, freqs = store.postings(fieldname, term)
    at = int(np.searchsorted(ids, docnum))
    return int(freqs[at]) if at < len(ids) and ids[at] == docnum else 0


def _tf_any(store: PostingStore, term: str, docnum: int) -> bool:
    return any(_tf(store, f, term, docnum) for f in FIELDS)


def _body_hits(store: PostingStore, docnum: int, terms: set[str]) -> list[tuple[str, int, int]]:
    """(term, start, end) of the query terms in the body, from the offsets stored in the index."""
    found: list[tuple[str, int, int]] = []
    for reader, offset in store.leaves:
        local = docnum - offset
        if not 0 <= local < reader.doc_count_all():
            continue
        for term in sorted(terms):
            if ("body", term) not in reader:
                continue
            matcher = reader.postings("body", term)
            matcher.skip_to(local)
            if matcher.is_active() and matcher.id() == local:
                try:
                    found.extend((term, start, end) for _, start, end in matcher.value_as("characters"))
                except Exception:  # an index without offsets: frequencies only
                    continue
    return found


def _written(text: str, start: int, end: int) -> tuple[str, bool]:
    """The word as written in the document, with its elided article (l’OIM) when it had one."""
    elided = _ELIDED_BEFORE.search(text, max(0, start - 8), start)
    if elided:
        return text[elided.start() : end], True
    return text[start:end], False


def _steps(
    group: Group,
    term: str,
    word: str,
    elided: bool,
    correction: str | None,
    prefix: bool,
    long_terms: set[str],
) -> list[str]:
    """The transformations between the query word as typed and ``word`` of the document."""
    typed = [piece for piece in group.text.split(" OR ") if piece]
    steps: list[str] = []
    if prefix:
        steps.append("prefix")
    elif correction is not None:
        steps.append("typo")
    elif term not in {t for piece in typed for t in tokens(piece)} or (term in long_terms and term not in group.terms):
        steps.append("acronym")
    elif word not in typed:
        if any(fold(word.lower()) == fold(piece.lower()) for piece in typed):
            steps.append("accent")
        else:
            steps.append("stem")
    if elided:
        steps.append("elision")
    if not steps:
        steps.append("exact")
    return sorted(steps, key=MATCH_KINDS.index)


__all__ = ["Explainer", "field_tokens", "ignored_words", "verdict", "word_forms", "word_part"]
