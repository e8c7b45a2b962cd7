"""Documents related to a document, on OpenSearch: the embedded engine's formula, the cluster's candidates.

    score = text / best text score  +  COUNTRY_BONUS × shared countries  +  TYPE_BONUS × same type

as in `search.service.similar`, so a project relates to the other pages about its country even
when their words differ. The text part is the same search as there: the title and the body's most
distinctive words (tf·idf, document frequencies from the cluster), read as a query and run over the
best `TEXT_CANDIDATES`; the documents sharing a country or the project type come from a second query
whose score is exactly the bonus part. The best of both, by the sum, win.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from search.service import Related
from search.service.similar import (
    BODY_TERMS,
    COUNTRY_BONUS,
    TEXT_CANDIDATES,
    TYPE_BONUS,
    body_terms,
    most_distinctive,
)

FIELDS = ["id", "title", "kind", "year", "country", "type", "record"]

Search = Callable[[dict[str, Any]], dict[str, Any]]


def query_text(search: Search, title: str, body: str) -> str:
    """The title and the body's most distinctive words (one request counts every body term's documents)."""
    frequencies, surface = body_terms(body)
    filters = {str(i): {"term": {"body": term}} for i, term in enumerate(frequencies)}
    body_request: dict[str, Any] = {"size": 0, "track_total_hits": True}
    if filters:
        body_request["aggs"] = {"df": {"filters": {"filters": filters}}}
    answer = search(body_request)
    buckets = answer.get("aggregations", {}).get("df", {}).get("buckets", {})
    doc_frequency = {term: int(buckets[str(i)]["doc_count"]) for i, term in enumerate(frequencies)}
    total = int(answer["hits"]["total"]["value"])
    return " ".join([title, *most_distinctive(frequencies, surface, doc_frequency, total, BODY_TERMS)]).strip()


def _bonus_query(doc_id: str, countries: list[str], doc_type: str | None) -> dict[str, Any] | None:
    """Scores each document by its bonus alone: one constant clause per shared country, one for the type."""
    should: list[dict[str, Any]] = [
        {"constant_score": {"filter": {"term": {"country": code}}, "boost": COUNTRY_BONUS}} for code in countries
    ]
    if doc_type:
        should.append({"constant_score": {"filter": {"term": {"type": doc_type}}, "boost": TYPE_BONUS}})
    if not should:
        return None
    return {"bool": {"should": should, "minimum_should_match": 1, "must_not": [{"ids": {"values": [doc_id]}}]}}


def related(search: Search, text_query: dict[str, Any] | None, mine: dict[str, Any], limit: int) -> list[Related]:
    """Up to ``limit`` documents related to ``mine`` (its stored ``id``, ``country``, ``type``), best first;
    ``text_query`` is the search made of its `query_text` (None: no words to search)."""
    doc_id = mine["id"]
    countries = list(mine.get("country") or [])
    doc_type = mine.get("type") or None
    hits = []
    if text_query is not None:
        others = {"bool": {"must": [text_query], "must_not": [{"ids": {"values": [doc_id]}}]}}
        body = {"query": others, "size": TEXT_CANDIDATES, "_source": FIELDS, "sort": ["_score", {"id": "asc"}]}
        hits = search(body)["hits"]["hits"]
    best = max((float(h["_score"]) for h in hits), default=0.0)
    text = {h["_source"]["id"]: float(h["_score"]) / best for h in hits} if best > 0 else {}
    sources = {h["_source"]["id"]: h["_source"] for h in hits}
    bonus_query = _bonus_query(doc_id, countries, doc_type)
    if bonus_query is not None:
        # Enough bonus-only candidates to fill the list even if every text candidate ranked lower.
        body = {"query": bonus_query, "size": limit, "_source": FIELDS, "sort": ["_score", {"id": "asc"}]}
        for hit in search(body)["hits"]["hits"]:
            sources.setdefault(hit["_source"]["id"], hit["_source"])
    scored = []
    for other, source in sources.items():
        shared = sorted(set(source.get("country") or []) & set(countries))
        same_type = bool(doc_type) and source.get("type") == doc_type
        total = text.get(other, 0.0) + COUNTRY_BONUS * len(shared) + (TYPE_BONUS if same_type else 0.0)
        if total > 0:
            scored.append((total, other, shared, same_type))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [
        _related(sources[other], total, shared, same_type, text.get(other, 0.0))
        for total, other, shared, same_type in scored[:limit]
    ]


def _related(source: dict[str, Any], total: float, shared: list[str], same_type: bool, text: float) -> Related:
    record = source.get("record") or {}
    return Related(
        id=source["id"],
        title=source.get("title") or source["id"],
        kind=source.get("kind") or "other",
        score=round(total, 6),
        year=source.get("year"),
        countries=[{"code": c["code"], "name": c.get("name") or c["code"]} for c in record.get("countries") or []],
        shared_countries=shared,
        same_type=same_type,
        text_score=round(text, 6),
    )
