"""One search over one open generation: filters, ranking or browsing, facets, hits with snippets."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace

import numpy as np

from search.analysis import tokens
from search.query import ParsedQuery, parse, understand
from search.rank import FIELDS, PostingStore, rank
from search.results import Explainer, Explanation, FacetIndex, Filters, highlight, snippet_from_offsets
from search.service.filters import request_filters, with_query_filters, with_understood
from search.service.generation import OpenGeneration
from search.service.request import MAX_ID_CHARS, SearchRequest
from search.service.result import Hit, SearchResult

#: Time one search may spend on optional work (phrase checks, suggestions) before it answers.
TIME_BUDGET_S = 1.0


def search_in(current: OpenGeneration, request: SearchRequest) -> SearchResult:
    """One page of hits with snippets, the exact total and the facet counts (request validated)."""
    started = time.perf_counter()
    result = SearchResult(query=request.q, total=0, page=request.page, per_page=request.per_page, took_ms=0.0)
    filters, parsed = read_request(current, request, result)
    mask = current.facets.filter_mask(filters)
    if parsed.clauses:
        selection = _ranked(current, request, parsed, mask, result)
    else:
        selection = _browse(current, request, mask, result)
    result.facets = current.facets.counts(selection.matched, filters)
    positions = _body_positions(current.store, selection.shown, selection.terms)
    result.hits = [
        _hit(current.searcher, d, selection.terms, selection.scores.get(d), positions.get(d, []))
        for d in selection.shown
    ]
    if request.explain:
        result.hits = _explained(current, request, parsed, filters, selection.shown, result.hits)
    result.took_ms = round((time.perf_counter() - started) * 1000, 3)
    return result


def explain_in(current: OpenGeneration, request: SearchRequest, doc_id: str) -> Explanation:
    """Why ``doc_id`` is (or is not) in the results of ``request`` (validated), at which rank."""
    scratch = SearchResult(query=request.q, total=0, page=request.page, per_page=request.per_page, took_ms=0.0)
    filters, parsed = read_request(current, request, scratch)
    docnum = None
    if isinstance(doc_id, str) and 0 < len(doc_id) <= MAX_ID_CHARS:
        docnum = current.searcher.document_number(id=doc_id)
    explanation = _explainer(current, request, parsed, filters).explain(docnum, str(doc_id))
    explanation.warnings[:0] = [w for w in scratch.warnings if w not in explanation.warnings]
    return explanation


def read_request(current: OpenGeneration, request: SearchRequest, result: SearchResult) -> tuple[Filters, ParsedQuery]:
    """The filters (parameters, words understood as filters, field syntax) and the text query."""
    filters = request_filters(request, current.facets.knows)
    text = request.q
    if request.understand and text.strip():
        reading = understand(text, current.facets.knows, request.ignore)
        if reading.understood:
            filters = with_understood(filters, reading.understood)
            mask = current.facets.filter_mask(filters)
            text = reading.text(keep_place=lambda item: _mentioned(current.store, item.source_text, mask))
            result.understood = reading.understood
    result.text_query = text
    parsed = parse(text)
    result.warnings = list(parsed.warnings)
    return with_query_filters(filters, parsed, current.facets.knows, result), parsed


@dataclass
class _Selection:
    """What a search picked: the matched set (for facets), the shown page, and how to score/highlight it."""

    matched: np.ndarray
    shown: list[int]
    terms: set[str] = field(default_factory=set)
    scores: dict[int, float] = field(default_factory=dict)


def _mentioned(store: PostingStore, text: str, mask: np.ndarray) -> bool:
    """Whether a page passing ``mask`` has the words of ``text`` in its title or body."""
    for term in tokens(text):
        for field_name in FIELDS:
            ids, _ = store.postings(field_name, term)
            if mask[ids].any():
                return True
    return False


def _ranked(
    current: OpenGeneration, request: SearchRequest, parsed: ParsedQuery, mask: np.ndarray, result: SearchResult
) -> _Selection:
    """A text query: ranked by relevance, or its whole matched set sorted by year or budget."""
    offset = (request.page - 1) * request.per_page
    by_relevance = request.sort == "relevance"
    # Only relevance needs the top of the ranking; other sorts read the matched set (and rank()
    # looks up the id of every hit it returns, so ask for one).
    limit = request.page * request.per_page if by_relevance else 1
    ranked = rank(current.store, parsed, limit=limit, mask=mask, deadline=time.perf_counter() + TIME_BUDGET_S)
    matched = ranked.matched if ranked.matched is not None else np.zeros(current.store.size, dtype=bool)
    result.total = ranked.total
    result.suggestion = ranked.suggestion
    result.expansions = list(ranked.expansions)
    result.warnings += ranked.warnings
    if by_relevance:
        shown = [h.docnum for h in ranked.hits[offset : offset + request.per_page]]
        scores = {h.docnum: h.score for h in ranked.hits}
    else:
        shown = _sorted_page(current.facets, matched & mask, request.sort, offset, request.per_page)
        scores = {}
    return _Selection(matched=matched, shown=shown, terms=set(ranked.terms), scores=scores)


def _browse(current: OpenGeneration, request: SearchRequest, mask: np.ndarray, result: SearchResult) -> _Selection:
    """No query text: every document passing the filters, newest first (or by budget)."""
    candidates = current.store.live & mask
    result.total = int(candidates.sum())
    sort = "newest" if request.sort == "relevance" else request.sort
    offset = (request.page - 1) * request.per_page
    return _Selection(
        matched=current.store.live, shown=_sorted_page(current.facets, candidates, sort, offset, request.per_page)
    )


def _sorted_page(facets: FacetIndex, candidates: np.ndarray, sort: str, offset: int, size: int) -> list[int]:
    """Document numbers of one page of ``candidates`` sorted newest first or by budget (unknown last)."""
    docnums = np.flatnonzero(candidates)
    if sort == "budget":
        keys = [_descending(facets.columns.budget[docnums])]
    else:
        keys = [_descending(facets.columns.end_year[docnums]), _descending(facets.columns.year[docnums])]
    order = np.lexsort([docnums, *keys])  # last key sorts first; document number breaks ties
    return [int(d) for d in docnums[order[offset : offset + size]]]


def _descending(values: np.ndarray) -> np.ndarray:
    """Sort key putting large values first and missing (NaN) values last."""
    return np.where(np.isnan(values), np.inf, -values)


def _explainer(current: OpenGeneration, request: SearchRequest, parsed: ParsedQuery, filters: Filters) -> Explainer:
    """An `Explainer` ranking and sorting as `search` does for this request."""
    sort = request.sort

    def order(candidates: np.ndarray) -> np.ndarray:
        return _sort_order(current.facets, candidates, "newest" if sort == "relevance" else sort)

    return Explainer(
        current.searcher,
        current.store,
        current.facets,
        parsed,
        filters,
        sort=sort,
        page=request.page,
        per_page=request.per_page,
        order=order,
        deadline=time.perf_counter() + TIME_BUDGET_S,
    )


def _explained(
    current: OpenGeneration,
    request: SearchRequest,
    parsed: ParsedQuery,
    filters: Filters,
    shown: list[int],
    hits: list[Hit],
) -> list[Hit]:
    """The page's hits, each with its explanation (one `Explainer` for the whole page)."""
    explainer = _explainer(current, request, parsed, filters)
    return [
        replace(hit, explanation=explainer.explain(docnum, hit.id).to_dict())
        for docnum, hit in zip(shown, hits, strict=True)
    ]


def _sort_order(facets: FacetIndex, candidates: np.ndarray, sort: str) -> np.ndarray:
    """Document numbers of all ``candidates`` in the order `_sorted_page` pages through them."""
    docnums = np.flatnonzero(candidates)
    if sort == "budget":
        keys = [_descending(facets.columns.budget[docnums])]
    else:
        keys = [_descending(facets.columns.end_year[docnums]), _descending(facets.columns.year[docnums])]
    return docnums[np.lexsort([docnums, *keys])]


def _body_positions(
    store: PostingStore, docnums: list[int], terms: set[str]
) -> dict[int, list[tuple[int, str, int, int]]]:
    """(position, term, start char, end char) of every query term in the body of each shown document.

    The index stores character offsets with positions, so snippets need no analysis of the body.
    """
    found: dict[int, list[tuple[int, str, int, int]]] = {}
    if not docnums or not terms:
        return found
    wanted = np.array(sorted(docnums), dtype=np.int64)
    for term in terms:
        for docnum, characters in sorted(store.values("body", term, wanted, "characters").items()):
            found.setdefault(docnum, []).extend((pos, term, start, end) for pos, start, end in characters)
    return found


def _hit(
    searcher, docnum: int, terms: set[str], score: float | None, positions: list[tuple[int, str, int, int]]
) -> Hit:
    record = json.loads(searcher.stored_fields(docnum)["record"])
    title = record.get("title") or ""
    snippet = snippet_from_offsets(record.get("body") or "", positions)
    return Hit.of_record(record, highlight(title, terms), snippet, score)
