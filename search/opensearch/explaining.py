"""« Pourquoi ce résultat ? » on OpenSearch: the embedded engine's explanation, asked of the cluster.

The same `Explanation` as `search.results.explain`, with the same verdicts and French sentences
(`search.results.sentences`), from four small requests about one document:

- *checks*: a search restricted to the document, whose filter aggregations say whether it matches
  the whole query, the words alone, each facet filter, each "phrase" and each -exclusion;
- *words*: the same search scoring the query words with named clauses
  (``include_named_queries_score``): each word's part, and its title / body / exact-word shares;
- *ranking*: the request's own ranking body (with the meaning re-ranking) over the first pages, so
  the rank and the total score are the ones the results show; past those pages, the rank is the
  number of matches whose word score is higher, plus one;
- the words of the document that matched are found by running our French chain over its stored
  title and body (the chain the index uses, see `search.opensearch.analysis`).

What differs from the embedded engine: no proximity bonus (the cluster's ranking has none), a
word's title/body split is in proportion to the two fields' scores (Lucene's ``dis_max``), and
ties at equal score are counted as before the document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from search.opensearch import querying
from search.query import QueryPlan, Ranking
from search.results import FACETS, Explanation, Filters
from search.results.explain import field_tokens, verdict, word_forms, word_part
from search.results.explanation import FILTER_LABELS, Condition, FilterCheck, ScoreParts, WordPart
from search.results.facets import Facet
from search.results.sentences import sentences
from search.service import SearchRequest

#: Fields of a stored document the explanation reads.
FIELDS = ["id", "title", "body", "end_year", "budget", *FACETS]

Search = Callable[[dict[str, Any], dict[str, str]], dict[str, Any]]


@dataclass(frozen=True)
class Asked:
    """One request, read as the engine reads it for a search."""

    request: SearchRequest
    filters: Filters
    parsed_clauses: bool  # the query has words or phrases (else: browse, newest first)
    query_plan: QueryPlan | None
    query: dict[str, Any]
    ranking: Ranking
    catalog: dict[str, Facet]
    body: dict[str, Any]  # the request's ranking body over its first `window` matches
    ignored: list[str]
    conditions: tuple[list[str], list[str]]  # required "phrases", excluded words


def explain(search: Search, source: dict[str, Any] | None, asked: Asked, doc_id: str) -> Explanation:
    """Why the document stored as ``source`` (None: no such id) is or is not in the results."""
    request, text_query = asked.request, asked.parsed_clauses
    sort = request.sort if text_query or request.sort != "relevance" else "newest"
    result = Explanation(id=str(doc_id)[:200], query=request.q, exists=source is not None, verdict="not_found")
    result.sort = sort
    if source is None:
        result.sentences = [f"Aucun document n’a l’identifiant « {result.id} »."]
        return result
    result.id, result.title = source["id"], source.get("title") or ""
    checks = _checks(search, asked, result.id)
    result.passes_filters = checks["filters"]
    result.filters = _filter_checks(asked, source, checks)
    result.ignored = asked.ignored
    words_match = True
    if text_query:
        result.conditions = _conditions(asked, checks)
        result.matches_query = checks["query"]
        words_match = checks["words"]
        if asked.query_plan is not None:
            result.words = _words(search, asked, asked.query_plan, source)
    else:
        result.matches_query = True
    result.in_results = result.matches_query and result.passes_filters
    _place(search, asked, result, sort, text_query, source)
    result.verdict = verdict(result, words_match)
    result.sentences = sentences(result, asked.ranking.operator, text_query)
    return result


# -- does it match, does it pass --------------------------------------------------------------------


def _checks(search: Search, asked: Asked, doc_id: str) -> dict[str, bool]:
    """One search over the document alone: a filter aggregation per question."""
    questions: dict[str, dict[str, Any]] = {"query": asked.query, "filters": {"match_all": {}}}
    every = querying.filters_query(asked.filters)
    if every is not None:
        questions["filters"] = every
    if asked.query_plan is not None:
        questions["words"] = querying.words_query(asked.query_plan, asked.ranking)
    for facet in FACETS:
        one = querying.facet_filter(facet, asked.filters)
        if one is not None:
            questions["facet:" + facet] = one
    required, excluded = asked.conditions
    for i, text in enumerate([*required, *excluded]):
        questions[f"condition:{i}"] = querying.phrase_anywhere(text)
    body = {
        "query": {"ids": {"values": [doc_id]}},
        "size": 0,
        "aggs": {name: {"filter": query} for name, query in questions.items()},
    }
    answer = search(body, {})
    return {name: answer["aggregations"][name]["doc_count"] > 0 for name in questions}


def _filter_checks(asked: Asked, source: dict[str, Any], checks: dict[str, bool]) -> list[FilterCheck]:
    found: list[FilterCheck] = []
    for facet in FACETS:
        wanted = asked.filters.values(facet)
        low, high = asked.filters.bounds(facet)
        if not wanted and low is None and high is None:
            continue
        known = asked.catalog[facet]
        have = source.get(facet)
        values = [str(v) for v in (have if isinstance(have, list) else [] if have is None else [have])]
        label = _labeller(known)
        passed = checks.get("facet:" + facet, True)
        found.append(
            FilterCheck(
                facet,
                FILTER_LABELS.get(facet, facet),
                [label(v) for v in wanted],
                [label(v) for v in values],
                passed,
                low,
                high,
            )
        )
    if not checks["filters"] and all(c.passed for c in found):  # a rule we do not model
        found.append(FilterCheck("other", "autre filtre", [], [], False))
    return found


def _labeller(facet: Facet) -> Callable[[str], str]:
    def label(value: str) -> str:
        ordinal = facet.ordinal(value)
        return value if ordinal is None else facet.labels[ordinal]

    return label


def _conditions(asked: Asked, checks: dict[str, bool]) -> list[Condition]:
    required, excluded = asked.conditions
    found = []
    for i, text in enumerate(required):
        present = checks[f"condition:{i}"]
        found.append(Condition("phrase", text, present, present))
    for i, text in enumerate(excluded, start=len(required)):
        present = checks[f"condition:{i}"]
        found.append(Condition("excluded", text, present, not present))
    return found


# -- the words ------------------------------------------------------------------------------------


def _words(search: Search, asked: Asked, query_plan: QueryPlan, source: dict[str, Any]) -> list[WordPart]:
    title, body = source.get("title") or "", source.get("body") or ""
    tokens = {"title": field_tokens(title), "body": field_tokens(body)}
    present = {term for hits in tokens.values() for term, _, _ in hits}
    scores = _named_scores(search, query_plan, asked, source["id"])
    parts = []
    for i, group in enumerate(query_plan.groups):
        correction = query_plan.corrections.get(group.text)
        wanted = set(group.terms)
        long_found = [p for p in group.phrases if all(t in present for t in p)]
        wanted |= {t for p in long_found for t in p}
        hits = {name: [h for h in found if h[0] in wanted] for name, found in tokens.items()}
        title_tf = sum(1 for h in hits["title"] if h[0] in group.terms)
        body_tf = sum(1 for h in hits["body"] if h[0] in group.terms)
        part = word_part(group, correction, title_tf, body_tf)
        part.found = part.found or bool(long_found)
        long_terms = {t for p in group.phrases for t in p}
        part.forms = word_forms(
            group, correction, long_terms, (("title", title, hits["title"]), ("body", body, hits["body"]))
        )
        _score_word(part, scores, f"w{i}", len(group.phrases))
        parts.append(part)
    return parts


def _named_scores(search: Search, query_plan: QueryPlan, asked: Asked, doc_id: str) -> dict[str, float]:
    """The score of every named clause of the words query on the document."""
    query = {
        "bool": {
            "filter": [{"ids": {"values": [doc_id]}}],
            "must": [querying.words_query(query_plan, asked.ranking, named=True)],
        }
    }
    answer = search({"query": query, "size": 1, "_source": False}, {"include_named_queries_score": "true"})
    hits = answer["hits"]["hits"]
    matched = hits[0].get("matched_queries", {}) if hits else {}
    return {str(k): float(v) for k, v in matched.items()} if isinstance(matched, dict) else {}


def _score_word(part: WordPart, scores: dict[str, float], name: str, long_forms: int) -> None:
    part.score = scores.get(name, 0.0)
    part.exact_score = scores.get(name + ".exact", 0.0) * part.weight
    title, body = scores.get(name + ".title", 0.0), scores.get(name + ".body", 0.0)
    best_long = max((scores.get(f"{name}.long{i}", 0.0) for i in range(long_forms)), default=0.0)
    part.via_long_form = best_long > 0 and best_long * part.weight >= part.score - 1e-9 and not (title or body)
    share = title / (title + body) if title + body > 0 else 0.0
    part.title_score, part.body_score = part.score * share, part.score * (1 - share)


# -- rank and score -------------------------------------------------------------------------------


def _place(
    search: Search, asked: Asked, result: Explanation, sort: str, text_query: bool, source: dict[str, Any]
) -> None:
    """Total, rank, page, score and the last hit of the asked page, from the request's own ranking.

    By relevance, the first `window` matches are ranked by the request's own body (meaning
    re-ranking included), and past them a document's rank is the number of matches of higher word
    score, plus one; sorted by date or budget, it is the number of matches the sort puts first.
    """
    request = asked.request
    by_score = sort == "relevance" and text_query
    answer = search({**(asked.body if by_score else _slice(asked.body, 0, 0)), "_source": False}, {})
    result.total = int(answer["hits"]["total"]["value"])
    ranked = [(str(h["_id"]), h.get("_score")) for h in answer["hits"]["hits"]]
    where = next((i for i, (found, _) in enumerate(ranked) if found == result.id), None)
    words = sum(w.score for w in result.words)
    if result.in_results:
        if where is not None:
            result.rank = where + 1
        else:
            result.rank = _count_before(search, asked, sort, words, source) + 1
    if text_query and result.matches_query:
        total = float(ranked[where][1] or 0.0) if by_score and where is not None else words
        meaning = by_score and "rescore" in asked.body
        result.score = ScoreParts(
            total=total,
            words=words,
            coordination=1.0,
            proximity=0.0,
            proximity_used=False,
            meaning=total - words if meaning else 0.0,
            meaning_used=meaning,
        )
    if result.rank is not None:
        result.page = (result.rank - 1) // request.per_page + 1
        result.shown = result.page == request.page
    result.last_shown = _last_shown(search, asked, ranked, result.total, by_score)


def _count_before(search: Search, asked: Asked, sort: str, words: float, source: dict[str, Any]) -> int:
    """How many matches come before the document outside the ranked window."""
    body = _slice(asked.body, 0, 0)
    body.pop("rescore", None)
    body.pop("sort", None)
    if sort == "relevance":
        body["min_score"] = words * (1 + 1e-6) + 1e-9
    else:
        body["query"] = {"bool": {"must": [body["query"]], "filter": [querying.sorted_before(sort, source)]}}
    return int(search(body, {})["hits"]["total"]["value"])


def _last_shown(
    search: Search, asked: Asked, ranked: list[tuple[str, Any]], total: int, by_score: bool
) -> dict[str, Any] | None:
    request = asked.request
    last = min(request.page * request.per_page, total)
    if last < (request.page - 1) * request.per_page + 1:
        return None
    if last <= len(ranked):
        doc_id, score = ranked[last - 1]
    else:
        hits = search({**_slice(asked.body, last - 1, 1), "_source": False}, {})["hits"]["hits"]
        if not hits:
            return None
        doc_id, score = str(hits[0]["_id"]), hits[0].get("_score")
    return {"id": doc_id, "rank": last, "score": float(score) if by_score and score is not None else None}


def window(ranking: Ranking, request: SearchRequest) -> int:
    """How many of the first matches the explanation ranks by the request's own body (the
    meaning re-ranking's candidates, and the asked page)."""
    return max(ranking.meaning_candidates, request.page * request.per_page)


def _slice(body: dict[str, Any], start: int, size: int) -> dict[str, Any]:
    """The same ranking, ``size`` matches from ``start`` (the re-ranking window covers them)."""
    sliced = {**body, "from": start, "size": size}
    if "rescore" in body:
        sliced["rescore"] = {**body["rescore"], "window_size": max(body["rescore"]["window_size"], start + size)}
    return sliced
