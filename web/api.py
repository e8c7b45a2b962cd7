"""The JSON API: ``/api/search``, ``/api/explain``, ``/api/documents/<id>`` and ``/api/openapi.json``.

Views only translate: query string → `SearchRequest`, `SearchResult` → JSON. Parameter checks
live in `SearchRequest` so every client of the service gets the same messages.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, jsonify, request

from search import MAX_INSPECTED_CHARS, BadQueryError, SearchRequest, inspect
from web import backend
from web.errors import NotFoundError

OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.json"

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    search_request = SearchRequest.from_params(request.args.to_dict(flat=False))
    return jsonify(backend.service().search(search_request).to_dict())


@bp.get("/documents/<path:doc_id>")
def document(doc_id: str):
    record = backend.service().document(doc_id)
    if record is None:
        raise NotFoundError(f"no document with id {doc_id[:200]!r}")
    return jsonify(record)


@bp.get("/analyze")
def analyze():
    text = request.args.get("text", "")
    if len(text) > MAX_INSPECTED_CHARS:
        raise BadQueryError("text_too_long", length=len(text), limit=MAX_INSPECTED_CHARS)
    return jsonify({"text": text, "tokens": [step.to_dict() for step in inspect(text)]})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    """The API description kept in the repository (web/openapi.json)."""
    return json.loads(OPENAPI_PATH.read_text("utf-8"))


@bp.get("/explain")
def explain():
    """Why a document is (or is not) in the results of a search: the same parameters as /api/search, plus ``id``."""
    params = request.args.to_dict(flat=False)
    doc_id = (params.get("id") or [""])[0]
    if not doc_id.strip():
        raise BadQueryError("id_required")
    explanation = backend.service().explain(SearchRequest.from_params(params), doc_id)
    if not explanation.exists:
        raise NotFoundError(f"no document with id {doc_id[:200]!r}")
    return jsonify(explanation.to_dict())
