"""The « Pourquoi ce résultat ? » page (``/pourquoi?id=…&q=…&<filters>``), JSON twin ``/api/explain``.

It takes the search page's parameters plus ``id`` and shows, in French, why that document is in
the results (words found and how, score parts, filters that kept it) or why it is not. A form
on the page asks the same about any other document id. Like the other pages it holds no search
logic: `SearchService.explain` answers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for

from search import MATCH_KIND_LABELS, BadQueryError, SearchRequest
from web import backend
from web.messages import french_message
from web.pages import State

bp = Blueprint("why", __name__)


@bp.get("/pourquoi")
def why():
    state = State(request.args)
    doc_id = request.args.get("id", "").strip()
    context: dict[str, Any] = {"doc_id": doc_id, "explanation": None, "error": None, "how_labels": MATCH_KIND_LABELS}
    context["api_url"] = api_url(state, doc_id)
    context["hidden"] = state.pairs
    if not doc_id:
        return render_template("why.html", **context)
    try:
        explanation = backend.service().explain(SearchRequest.from_params(request.args.to_dict(flat=False)), doc_id)
    except BadQueryError as exc:
        context["error"] = french_message(exc)
        return render_template("why.html", **context), 400
    context["explanation"] = explanation
    return render_template("why.html", **context), (200 if explanation.exists else 404)


def api_url(state: State, doc_id: str) -> str:
    pairs = ([("id", doc_id)] if doc_id else []) + state.pairs
    return url_for("api.explain") + ("?" + urlencode(pairs) if pairs else "")


@bp.app_template_global()
def why_url(state: State, doc_id: str) -> str:
    """The explanation page of one hit, carrying the search page's query, filters, sort and page."""
    return url_for("why.why") + "?" + urlencode([("id", doc_id), *state.pairs])
