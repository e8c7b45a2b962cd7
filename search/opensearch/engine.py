"""`OpenSearchEngine`: the `search.service.Engine` contract answered by an OpenSearch cluster.

A request is read exactly as the embedded engine reads it (`search.query`: syntax, filters
understood from words, the query plan with acronyms, typos and prefixes — the plan's vocabulary
questions go to the cluster, `vocabulary`), then sent as structured queries (`querying`). One
``_search`` returns the page, the exact total, the multi-select facet counts and the highlights;
with meaning on, a first, small request finds the best score the re-ranking scales with.

The alias is resolved at most once a second: after a rebuild moves it, the next request uses the
new build. Every cluster failure is an `EngineUnavailableError` (503); nothing is kept open that
would need reopening, so the engine answers again as soon as the cluster does.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from opensearchpy import OpenSearch

from search.analysis import fold, tokens
from search.errors import BadQueryError, EngineUnavailableError
from search.index.vectors import query_vector
from search.ingest import KIND_LABELS, canonical_name
from search.opensearch import explaining, querying
from search.opensearch.connection import Settings, connect, guarded
from search.opensearch.mapping import FACET_SIZE
from search.opensearch.related import query_text, related
from search.opensearch.vocabulary import RemoteVocabulary
from search.query import DEFAULT_RANKING, ParsedQuery, QueryPlan, Ranking, parse, plan, understand
from search.query.suggest import SUGGEST_BELOW, suggest
from search.results import FACETS, Explanation, FacetValue, Filters
from search.results.explain import ignored_words
from search.results.explanation import ScoreParts
from search.results.facets import Facet
from search.service import IndexStatus, Related, SearchRequest, SearchResult
from search.service.filters import request_filters, with_query_filters, with_understood
from search.service.request import MAX_ID_CHARS
from search.service.result import Hit

CHECK_INTERVAL_S = 1.0
CATALOG_TTL_S = 30.0
BEST_SCORES = 512  # queries whose best score is remembered
#: Fields a page of hits never needs (the snippet comes from the highlighter).
NOT_RETURNED = ["body", "vector"]


@dataclass
class _Build:
    index: str
    vocabulary: RemoteVocabulary
    catalog: dict[str, Facet]
    catalog_at: float
    # The best word score of recent queries (the meaning re-ranking scales with it), so a next page,
    # a facet count or « pourquoi » of the same query costs no probe; forgotten with the catalog.
    best_scores: OrderedDict[str, float] = field(default_factory=OrderedDict)


@dataclass
class _Prepared:
    filters: Filters
    parsed: ParsedQuery
    query_plan: QueryPlan | None
    query: dict[str, Any]


def _label(facet: str, value: str) -> str:
    if facet == "country":
        return canonical_name(value) or value
    if facet == "kind":
        return KIND_LABELS.get(value, value)
    return value


def _facet(facet: str, values: list[str]) -> Facet:
    empty = np.zeros(0, dtype=np.int64)
    values = sorted(values)
    return Facet(facet, empty, empty, values, [_label(facet, v) for v in values])


class OpenSearchEngine:
    """Searches the alias ``settings.alias`` of the cluster at ``settings.url``; thread-safe."""

    def __init__(self, settings: Settings, client: OpenSearch | None = None, ranking: Ranking = DEFAULT_RANKING):
        self.settings = settings
        self.client = client or connect(settings)
        self.ranking = ranking if settings.meaning else ranking.changed(meaning_weight=0.0)
        self._lock = threading.Lock()
        self._build: _Build | None = None
        self._checked = 0.0
        # Term statistics of the whole index, not of each shard: the same idf on every shard, so a
        # score does not depend on where a document landed (costs one round trip more per search).
        self._params = {"search_type": "dfs_query_then_fetch"} if settings.global_stats else {}

    # -- the current build ---------------------------------------------------------------------

    def _call(self, fn):
        return guarded(self.settings, fn)

    def _current(self) -> _Build:
        now = time.monotonic()
        build = self._build
        if build is not None and now - self._checked < CHECK_INTERVAL_S:
            return build
        alias = self.settings.alias
        names = self._call(lambda: self.client.indices.get_alias(name=alias, params={"ignore_unavailable": "true"}))
        if not names:
            raise EngineUnavailableError("no_alias", url=self.settings.url, alias=alias)
        index = sorted(names)[-1]
        with self._lock:
            if self._build is None or self._build.index != index:
                self._build = _Build(index, RemoteVocabulary(self.client, index), {}, 0.0)
            self._checked = now
            build = self._build
        if now - build.catalog_at > CATALOG_TTL_S:
            build.catalog = self._catalog(index)
            build.catalog_at = now
            with self._lock:
                build.best_scores.clear()
        return build

    def _catalog(self, index: str) -> dict[str, Facet]:
        """Every facet value of the build (to read filters from words and match values loosely)."""
        aggs = {f: {"terms": {"field": f, "size": FACET_SIZE}} for f in FACETS}
        answer = self._call(lambda: self.client.search(index=index, body={"size": 0, "aggs": aggs}))
        return {f: _facet(f, [str(b["key"]) for b in answer["aggregations"][f]["buckets"]]) for f in FACETS}

    # -- reading a request ---------------------------------------------------------------------

    def _prepare(self, build: _Build, request: SearchRequest, result: SearchResult) -> _Prepared:
        catalog = build.catalog

        def knows(facet: str, value: str) -> bool:
            return catalog[facet].ordinal(value) is not None

        filters = request_filters(request, knows)
        text = request.q
        if request.understand and text.strip():
            reading = understand(text, knows, request.ignore)
            if reading.understood:
                filters = with_understood(filters, reading.understood)
                narrowed = self._canonical(catalog, filters)
                text = reading.text(keep_place=lambda item: self._mentioned(build, item.source_text, narrowed))
                result.understood = reading.understood
        result.text_query = text
        parsed = parse(text)
        result.warnings = list(parsed.warnings)
        filters = self._canonical(catalog, with_query_filters(filters, parsed, knows, result))
        if not parsed.clauses:
            return _Prepared(filters, parsed, None, {"match_all": {}})
        self._call(lambda: build.vocabulary.prefetch(" ".join(c.text for c in parsed.clauses if not c.negated)))
        query_plan = plan(parsed, build.vocabulary, self.ranking)
        return _Prepared(filters, parsed, query_plan, querying.text_query(parsed, query_plan, self.ranking))

    @staticmethod
    def _canonical(catalog: dict[str, Facet], filters: Filters) -> Filters:
        """Filter values as the index spells them (``acheve`` → ``Achevé``), as the embedded facets match."""
        changes: dict[str, Any] = {}
        for facet in FACETS:
            spelled = []
            for value in filters.values(facet):
                ordinal = catalog[facet].ordinal(value)
                spelled.append(value if ordinal is None else catalog[facet].values[ordinal])
            changes[facet] = tuple(dict.fromkeys(spelled))
        return replace(filters, **changes)

    def _mentioned(self, build: _Build, text: str, filters: Filters) -> bool:
        should = [{"term": {f: t}} for t in tokens(text) for f in querying.TEXT_FIELDS]
        if not should:
            return False
        query: dict[str, Any] = {"bool": {"should": should, "minimum_should_match": 1}}
        narrowed = querying.filters_query(filters)
        if narrowed is not None:
            query["bool"]["filter"] = [narrowed]
        return bool(self._call(lambda: self.client.count(index=build.index, body={"query": query}))["count"])

    # -- search --------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        request.validate()
        started = time.perf_counter()
        result = SearchResult(query=request.q, total=0, page=request.page, per_page=request.per_page, took_ms=0.0)
        build = self._current()
        prepared = self._prepare(build, request, result)
        filters, query_plan = prepared.filters, prepared.query_plan
        terms = query_plan.terms if query_plan is not None else set()
        body = self.ranking_body(build, request, prepared, (request.page - 1) * request.per_page, request.per_page)
        body.update(
            {
                "_source": {"excludes": NOT_RETURNED},
                "aggs": querying.facet_aggregations(filters),
                "highlight": querying.highlight(terms),
            }
        )
        by_relevance = request.sort == "relevance" and query_plan is not None
        answer = self._call(lambda: self.client.search(index=build.index, body=body, params=self._params))
        result.total = int(answer["hits"]["total"]["value"])
        result.facets = self._facets(build, answer["aggregations"], filters)
        result.hits = [self._hit(h, by_relevance) for h in answer["hits"]["hits"]]
        if query_plan is not None:
            result.expansions = list(query_plan.expansions)
            result.warnings += query_plan.warnings
            if result.total < SUGGEST_BELOW or query_plan.corrections:
                text = " ".join(c.text for c in prepared.parsed.clauses if not c.negated)
                result.suggestion = self._call(lambda: suggest(text, build.vocabulary))
        if request.explain:
            result.hits = [replace(h, explanation=self.explain(request, h.id).to_dict()) for h in result.hits]
        result.took_ms = round((time.perf_counter() - started) * 1000, 3)
        return result

    def ranking_body(
        self, build: _Build, request: SearchRequest, prepared: _Prepared, start: int, size: int
    ) -> dict[str, Any]:
        """The request's matches in its order, ``size`` of them from ``start``: the query, the filters,
        and the sort or the meaning re-ranking; a page adds facets and highlights to it."""
        body: dict[str, Any] = {"query": prepared.query, "track_total_hits": True, "from": start, "size": size}
        post_filter = querying.filters_query(prepared.filters)
        if post_filter is not None:
            body["post_filter"] = post_filter
        if request.sort != "relevance" or prepared.query_plan is None:
            body["sort"] = querying.sort_clause("newest" if request.sort == "relevance" else request.sort)
            return body
        rescore = self._meaning(build, body, prepared)
        if rescore is not None:
            body["rescore"] = rescore
        else:
            body["sort"] = ["_score", {"id": "asc"}]
        return body

    def _meaning(self, build: _Build, body: dict[str, Any], prepared: _Prepared) -> dict[str, Any] | None:
        """The re-ranking by closeness of meaning, scaled by this query's best score (embedded formula)."""
        if self.ranking.meaning_weight <= 0 or prepared.query_plan is None or not prepared.query_plan.groups:
            return None
        text = " ".join(c.text for c in prepared.parsed.clauses if not c.negated)
        vector = query_vector(text)
        if vector is None:
            return None
        best = self._best_score(build, body)
        if not best:
            return None
        window = max(self.ranking.meaning_candidates, body["from"] + body["size"])
        weight = self.ranking.meaning_weight * float(best)
        return querying.meaning_rescore([float(x) for x in vector], weight, window)

    def _best_score(self, build: _Build, body: dict[str, Any]) -> float:
        """The best word score of the query among the filtered matches (0 when none), remembered."""
        probe = {"query": body["query"], "size": 1, "_source": False, "track_total_hits": False}
        if "post_filter" in body:
            probe["post_filter"] = body["post_filter"]
        key = json.dumps(probe, sort_keys=True)
        with self._lock:
            if key in build.best_scores:
                build.best_scores.move_to_end(key)
                return build.best_scores[key]
        answer = self._call(lambda: self.client.search(index=build.index, body=probe, params=self._params))
        best = float(answer["hits"]["max_score"] or 0.0)
        with self._lock:
            build.best_scores[key] = best
            while len(build.best_scores) > BEST_SCORES:
                build.best_scores.popitem(last=False)
        return best

    def _facets(self, build: _Build, aggregations: dict[str, Any], filters: Filters) -> dict[str, list[FacetValue]]:
        result = {}
        for facet in FACETS:
            known = build.catalog[facet]
            counts = {str(b["key"]): int(b["doc_count"]) for b in aggregations[facet]["values"]["buckets"]}
            selected = filters.values(facet)
            items = [FacetValue(v, _label(facet, v), n, v in selected) for v, n in counts.items() if n > 0]
            for value in dict.fromkeys(selected):
                if value not in counts or counts[value] == 0:
                    ordinal = known.ordinal(value)
                    spelled = value if ordinal is None else known.values[ordinal]
                    items.append(FacetValue(spelled, _label(facet, spelled), 0, True))
            items.sort(key=lambda item: (-item.count, fold(item.label.lower()), item.value))
            result[facet] = items
        return result

    @staticmethod
    def _hit(hit: dict[str, Any], with_score: bool) -> Hit:
        source = hit["_source"]
        title = source.get("title") or ""
        record = {**(source.get("record") or {}), "id": source["id"], "title": title}  # title is kept apart
        marked = hit.get("highlight", {})
        score = hit.get("_score") if with_score else None
        title_html = (marked.get("title") or [""])[0] or _escape(title)
        return Hit.of_record(record, title_html, " … ".join(marked.get("body") or []), score)

    # -- documents -----------------------------------------------------------------------------

    def _source(self, build: _Build, doc_id: str, fields: list[str] | None = None) -> dict[str, Any] | None:
        if not isinstance(doc_id, str) or not 0 < len(doc_id) <= MAX_ID_CHARS:
            return None
        options: dict[str, Any] = {"index": build.index, "id": doc_id, "params": {"ignore": 404}}
        if fields is not None:
            options["params"]["_source_includes"] = ",".join(fields)
        else:
            options["params"]["_source_excludes"] = "vector"
        answer = self._call(lambda: self.client.get(**options))
        return answer.get("_source") if answer.get("found") else None

    def document(self, doc_id: str) -> dict[str, Any] | None:
        source = self._source(self._current(), doc_id)
        if source is None:
            return None
        record = dict(source.get("record") or {})
        return {"id": source["id"], "title": source.get("title"), "body": source.get("body"), **record}

    def similar(self, doc_id: str, limit: int = 5) -> list[Related]:
        build = self._current()
        mine = self._source(build, doc_id, ["id", "title", "body", "country", "type"])
        if mine is None or limit < 1:
            return []

        def search(body: dict[str, Any]) -> dict[str, Any]:
            return self._call(lambda: self.client.search(index=build.index, body=body, params=self._params))

        parsed = parse(query_text(search, mine.get("title") or "", mine.get("body") or ""))
        text_query = None
        if parsed.clauses:
            text_query = querying.text_query(parsed, plan(parsed, build.vocabulary, self.ranking), self.ranking)
        return related(search, text_query, mine, limit)

    def status(self) -> IndexStatus:
        build = self._current()
        health = self._call(lambda: self.client.cluster.health(index=build.index))
        if health.get("status") == "red":
            raise EngineUnavailableError("red", url=self.settings.url)
        count = self._call(lambda: self.client.count(index=build.index))["count"]
        info = self._call(lambda: self.client.indices.get_settings(index=build.index, name="index.creation_date"))
        created = info.get(build.index, {}).get("settings", {}).get("index", {}).get("creation_date")
        built_at = datetime.fromtimestamp(int(created) / 1000, UTC).isoformat(timespec="seconds") if created else None
        return IndexStatus(documents=int(count), generation=build.index, built_at=built_at)

    def close(self) -> None:
        self._call(lambda: self.client.close())

    # -- explain -------------------------------------------------------------------------------

    def explain(self, request: SearchRequest, doc_id: str) -> Explanation:
        """Why ``doc_id`` is (or is not) among the results: the embedded engine's explanation, asked
        of the cluster (`explaining`)."""
        request.validate()
        build = self._current()
        scratch = SearchResult(query=request.q, total=0, page=request.page, per_page=request.per_page, took_ms=0.0)
        prepared = self._prepare(build, request, scratch)
        text_query = bool(prepared.parsed.clauses)
        size = explaining.window(self.ranking, request)
        asked = explaining.Asked(
            request=request,
            filters=prepared.filters,
            parsed_clauses=text_query,
            query_plan=prepared.query_plan,
            query=prepared.query,
            ranking=self.ranking,
            catalog=build.catalog,
            body=self.ranking_body(build, request, prepared, 0, size),
            ignored=ignored_words(prepared.parsed),
            conditions=querying.conditions(prepared.parsed),
        )

        def search(body: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
            options = {**self._params, **params}
            return self._call(lambda: self.client.search(index=build.index, body=body, params=options))

        source = self._source(build, doc_id, explaining.FIELDS)
        explanation = explaining.explain(search, source, asked, doc_id)
        explanation.warnings[:0] = scratch.warnings
        return explanation


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


__all__ = ["BadQueryError", "OpenSearchEngine", "ScoreParts"]
