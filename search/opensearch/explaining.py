"""« Pourquoi ce résultat ? » on OpenSearch: a useful subset of the embedded explanation.

From ``_explain`` (does the document match the query, with which score) and two counts (does it
pass the filters; how many matching documents score higher: its rank). What differs from the
embedded engine: no per-word title/body split nor spelling forms (Lucene's explanation tree is
per field and per shard statistics), and the score is the words' alone (``_explain`` does not run
the meaning rescore), so the rank is by words when meaning re-ranks the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opensearchpy import OpenSearch

from search.opensearch import querying
from search.results import Explanation, Filters
from search.results.explanation import ScoreParts
from search.service import SearchRequest


def explain(
    client: OpenSearch,
    call: Callable[[Callable[[], Any]], Any],
    document: Callable[[str], dict[str, Any] | None],
    index: str,
    request: SearchRequest,
    query: dict[str, Any],
    filters: Filters,
    doc_id: str,
) -> Explanation:
    """``call`` runs a client call with our errors; ``document`` reads a stored record."""
    found = document(doc_id) if isinstance(doc_id, str) else None
    base = Explanation(
        id=str(doc_id), query=request.q, exists=found is not None, verdict="not_found", sort=request.sort
    )
    if found is None:
        base.sentences = [f"Aucun document n’a l’identifiant « {str(doc_id)[:80]} »."]
        return base
    base.title = found.get("title")
    answer = call(lambda: client.explain(index=index, id=doc_id, body={"query": query}))
    base.matches_query = bool(answer.get("matched"))
    score = float(answer.get("explanation", {}).get("value", 0.0)) if base.matches_query else 0.0
    post = querying.filters_query(filters)
    only_me: dict[str, Any] = {"bool": {"filter": [{"ids": {"values": [doc_id]}}] + ([post] if post else [])}}
    base.passes_filters = bool(call(lambda: client.count(index=index, body={"query": only_me}))["count"])
    everything: dict[str, Any] = {"query": query, "size": 0, "track_total_hits": True}
    if post is not None:
        everything["post_filter"] = post
    base.total = int(call(lambda: client.search(index=index, body=everything))["hits"]["total"]["value"])
    base.in_results = base.matches_query and base.passes_filters
    base.score = ScoreParts(total=score, words=score, coordination=1.0, proximity=0.0, proximity_used=False)
    if not base.matches_query:
        base.verdict = "no_match"
        base.sentences = ["Ce document ne contient pas les mots de la recherche (ou une condition l’écarte)."]
        return base
    if not base.passes_filters:
        base.verdict = "filtered_out"
        base.sentences = ["Ce document contient les mots cherchés mais un filtre l’écarte."]
        return base
    if request.sort == "relevance":
        higher: dict[str, Any] = {**everything, "min_score": score * (1 + 1e-6) + 1e-9}
        base.rank = int(call(lambda: client.search(index=index, body=higher))["hits"]["total"]["value"]) + 1
    base.page = None if base.rank is None else (base.rank - 1) // request.per_page + 1
    base.shown = base.page == request.page
    base.verdict = "shown" if base.shown or base.rank is None else "beyond_page"
    where = f"classé {base.rank}e sur {base.total}" if base.rank else f"parmi {base.total} résultats"
    base.sentences = [f"Ce document répond à la recherche ({where}, score des mots {score:.3f}).", *_lines(answer)]
    return base


def _lines(answer: dict[str, Any], limit: int = 12) -> list[str]:
    """The first lines of Lucene's own explanation (what each term added), for the curious."""
    lines: list[str] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        if len(lines) >= limit or depth > 4:
            return
        description = str(node.get("description", ""))
        if description.startswith("weight(") or depth == 0:
            lines.append(f"{node.get('value', 0):.3f} — {description[:160]}")
        for child in node.get("details", []):
            walk(child, depth + 1)

    walk(answer.get("explanation", {}), 0)
    return lines
