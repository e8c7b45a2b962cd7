"""From our query plan and filters to OpenSearch's query DSL: structured queries only.

The user's text never reaches a query parser (no ``query_string``): it is parsed and analysed by
our own code (`search.query`), and each part becomes a structured clause over analysed terms:

- a word (a `Group` of alternative index terms): ``dis_max`` over title and body with the
  embedded engine's ``tie``, plus ``exact_weight`` times the same over the unstemmed subfields;
  an acronym's long form competes as a ``bool`` of its words times ``expansion_weight``; a
  question word is down-weighted (``boost``). Words combine with OR (``should``), as ``coord``
  with exponent 0 does.
- a "phrase" is ``match_phrase`` on title or body (required), a ``-word`` a ``must_not``, ``OR``
  merges two words into one group, ``prefix*`` arrives expanded into index terms (bounded).
- filters (request, understood words, ``pays:…``) are keyword / integer ``terms`` and ``range``
  clauses: all of them in ``post_filter`` (hits), all but its own in each facet's aggregation.
"""

from __future__ import annotations

from typing import Any

from search.opensearch.mapping import FACET_SIZE, INDEX_ANALYZER
from search.query import DEFAULT_RANKING, ParsedQuery, QueryPlan, Ranking
from search.query.plan import Group, phrase
from search.results import RANGES, Filters
from search.results.facets import FACETS

TEXT_FIELDS = ("title", "body")
SNIPPET_CHARS = 220

#: Painless: the ranking's share of closeness of meaning, ``weight × max(cosine, 0)``, with the
#: document vector read from ``_source`` (unit vectors: the dot product is the cosine).
MEANING_SCRIPT = (
    "def v = params._source.vector; if (v == null) { return 0.0; } "
    "double dot = 0.0; for (int i = 0; i < v.size(); ++i) { dot += ((Number) v.get(i)).doubleValue() * params.q[i]; } "
    "return params.w * Math.max(dot, 0.0);"
)


#: Lucene's BM25 scales a field by ``k1 + 1`` of *its* k1, so the title (``k1 / title_boost``) gets
#: ``1 + k1/w`` where the embedded formula gives every field ``k1 + 1``. Boosting the title by the
#: ratio (``(k1 + 1) / (k1/w + 1)`` = 2.4) is the exact translation, yet measured worse on CDTN dev
#: by words alone (nDCG@10 0.529 against 0.546 without it): Lucene's per-field idf already weighs
#: title matches differently. 1.0 is what we measured best.
TITLE_FACTOR = 1.0


def _named(clause: dict[str, Any], name: str | None) -> dict[str, Any]:
    """``clause`` reporting its score under ``name`` (``include_named_queries_score``), for the explainer."""
    if name is None:
        return clause
    ((kind, options),) = clause.items()
    if kind == "term":
        ((field_name, value),) = options.items()
        spec = value if isinstance(value, dict) else {"value": value}
        return {"term": {field_name: {**spec, "_name": name}}}
    return {kind: {**options, "_name": name}}


def _terms(terms: list[str], suffix: str, ranking: Ranking, name: str | None = None) -> dict[str, Any]:
    per_field = []
    for field_name in TEXT_FIELDS:
        boost = TITLE_FACTOR if field_name == "title" else 1.0
        clauses: list[dict[str, Any]] = [
            {"term": {field_name + suffix: {"value": term, "boost": boost}}}
            if boost != 1.0
            else {"term": {field_name + suffix: term}}
            for term in terms
        ]
        # Alternatives at one position (a compound's parts, a prefix's words): the best one counts,
        # near the embedded engine's frequencies summed before one saturation (Lucene's DSL has no
        # SynonymQuery over given terms); a sum of scores would reward a page for its variants.
        one = clauses[0] if len(clauses) == 1 else {"dis_max": {"queries": clauses}}
        per_field.append(_named(one, name and f"{name}.{field_name}"))
    return {"dis_max": {"queries": per_field, "tie_breaker": ranking.tie}}


def group_query(group: Group, ranking: Ranking = DEFAULT_RANKING, name: str | None = None) -> dict[str, Any]:
    """One query word: its terms (and their unstemmed words), or an acronym long form.

    With a ``name``, its parts report their scores as ``name`` (the whole word), ``name.title``,
    ``name.body``, ``name.exact`` and ``name.long<i>`` (« pourquoi ce résultat ? »).
    """
    query = _terms(group.terms, "", ranking, name) if group.terms else None
    if query is not None and ranking.exact_weight > 0 and group.words:
        exact = _terms(group.words, ".exact", ranking)
        exact["dis_max"]["boost"] = ranking.exact_weight
        query = {"bool": {"must": [query], "should": [_named(exact, name and f"{name}.exact")]}}
    long_forms = [
        _named(
            {"bool": {"must": [_terms([word], "", ranking) for word in words], "boost": ranking.expansion_weight}},
            name and f"{name}.long{i}",
        )
        for i, words in enumerate(group.phrases)
    ]
    options = ([query] if query is not None else []) + long_forms
    if not options:
        return {"match_none": {}}
    combined = options[0] if len(options) == 1 else {"dis_max": {"queries": options, "tie_breaker": 0.0}}
    if group.weight != 1.0:
        combined = {"bool": {"must": [combined], "boost": group.weight}}
    return _named(combined, name)


def phrase_anywhere(text: str) -> dict[str, Any]:
    """The words of ``text`` in this order, in the title or the body."""
    return {
        "bool": {
            "should": [{"match_phrase": {name: {"query": text, "analyzer": INDEX_ANALYZER}}} for name in TEXT_FIELDS],
            "minimum_should_match": 1,
        }
    }


def conditions(parsed: ParsedQuery) -> tuple[list[str], list[str]]:
    """The query's required "phrases" and its excluded words or phrases, as typed."""
    required = [c.text for c in parsed.clauses if c.kind == "phrase" and not c.negated and len(phrase(c.text)) > 1]
    excluded = [c.text for c in parsed.clauses if c.negated and phrase(c.text)]
    return required, excluded


def words_query(query_plan: QueryPlan, ranking: Ranking = DEFAULT_RANKING, named: bool = False) -> dict[str, Any]:
    """The query words alone (any of them), without the phrases and exclusions; ``named``: group ``i``
    reports its scores as ``w<i>`` (see `group_query`)."""
    should = [group_query(g, ranking, f"w{i}" if named else None) for i, g in enumerate(query_plan.groups)]
    return {"bool": {"should": should, "minimum_should_match": 1}} if should else {"match_none": {}}


def text_query(parsed: ParsedQuery, query_plan: QueryPlan, ranking: Ranking = DEFAULT_RANKING) -> dict[str, Any]:
    """The scoring query of a text search (no filters: those are `post_filter` and the facets')."""
    required, excluded = conditions(parsed)
    must: list[dict[str, Any]] = [phrase_anywhere(text) for text in required]
    must_not: list[dict[str, Any]] = [phrase_anywhere(text) for text in excluded]
    should = [group_query(g, ranking) for g in query_plan.groups]
    body: dict[str, Any] = {}
    if should:
        body["should"] = should
        body["minimum_should_match"] = 1
    elif not must:
        must.append({"match_all": {}} if must_not else {"match_none": {}})
    if must:
        body["filter"] = must  # a required phrase decides the match; the words score it
    if must_not:
        body["must_not"] = must_not
    return {"bool": body}


def highlight_query(terms: set[str]) -> dict[str, Any]:
    return {"bool": {"should": [{"term": {name: t}} for t in sorted(terms) for name in TEXT_FIELDS]}}


def highlight(terms: set[str]) -> dict[str, Any]:
    """``<mark>`` around the query's terms, HTML-escaped: the whole title, the body's best passage."""
    spec: dict[str, Any] = {
        "type": "unified",
        "encoder": "html",
        "pre_tags": ["<mark>"],
        "post_tags": ["</mark>"],
        "fields": {
            "title": {"number_of_fragments": 0, "no_match_size": 10_000},
            "body": {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 1, "no_match_size": SNIPPET_CHARS},
        },
    }
    if terms:
        spec["highlight_query"] = highlight_query(terms)
    return spec


def facet_filter(facet: str, filters: Filters) -> dict[str, Any] | None:
    """The filter of one facet (values OR'ed, and its year range), None when it has none."""
    clauses: list[dict[str, Any]] = []
    values = filters.values(facet)
    if values:
        wanted: list[Any] = [int(v) for v in values if v.lstrip("-").isdigit()] if facet in RANGES else list(values)
        clauses.append({"terms": {facet: wanted}})
    low, high = filters.bounds(facet)
    if low is not None or high is not None:
        bounds = {k: v for k, v in (("gte", low), ("lte", high)) if v is not None}
        clauses.append({"range": {facet: bounds}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"bool": {"filter": clauses}}


def filters_query(filters: Filters, skip: str | None = None) -> dict[str, Any] | None:
    clauses = [c for f in FACETS if f != skip and (c := facet_filter(f, filters)) is not None]
    return {"bool": {"filter": clauses}} if clauses else None


def facet_aggregations(filters: Filters) -> dict[str, Any]:
    """One aggregation per facet, filtered by every selection but its own (multi-select)."""
    aggs: dict[str, Any] = {}
    for facet in FACETS:
        terms = {"terms": {"field": facet, "size": FACET_SIZE}}
        others = filters_query(filters, skip=facet)
        aggs[facet] = {"filter": others or {"match_all": {}}, "aggs": {"values": terms}}
    return aggs


#: The keys of each sort, all descending with missing values last; the id (ascending) breaks ties.
SORT_KEYS = {"budget": ("budget",), "newest": ("year", "end_year")}


def sort_clause(sort: str) -> list[Any]:
    """Newest first (year, then end year) or by budget, missing values last; the id breaks ties
    (the embedded engine's document order: ids of the seed pages sort as their files)."""
    keys: list[Any] = [{key: {"order": "desc", "missing": "_last"}} for key in SORT_KEYS[sort]]
    return [*keys, {"id": "asc"}]


def sorted_before(sort: str, source: dict[str, Any]) -> dict[str, Any]:
    """The documents `sort_clause` puts before the one stored as ``source``: the first key that
    differs decides (a larger value, or any value against a missing one), the id when none does."""
    options: list[dict[str, Any]] = []
    equal: list[dict[str, Any]] = []
    for key in SORT_KEYS[sort]:
        value = source.get(key)
        ahead = {"exists": {"field": key}} if value is None else {"range": {key: {"gt": value}}}
        options.append({"bool": {"filter": [*equal, ahead]}})
        same = {"term": {key: value}} if value is not None else {"bool": {"must_not": [{"exists": {"field": key}}]}}
        equal.append(same)
    options.append({"bool": {"filter": [*equal, {"range": {"id": {"lt": source["id"]}}}]}})
    return {"bool": {"should": options, "minimum_should_match": 1}}


def meaning_rescore(vector: list[float], weight: float, window: int) -> dict[str, Any]:
    """Adds ``weight × max(cosine, 0)`` to the best ``window`` matches (per shard)."""
    return {
        "window_size": window,
        "query": {
            "rescore_query": {
                "script_score": {
                    "query": {"match_all": {}},
                    "script": {"source": MEANING_SCRIPT, "params": {"q": vector, "w": weight}},
                }
            },
            "query_weight": 1.0,
            "rescore_query_weight": 1.0,
            "score_mode": "total",
        },
    }
