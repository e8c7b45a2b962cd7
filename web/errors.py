"""One error shape for every failure: ``{"error": {"code": str, "message": str}}``.

Our exceptions map to statuses (bad request 400, no index 503); HTTP errors (unknown route 404,
wrong method 405, ...) keep their status; anything else is logged and answered with a generic
500, never a traceback. Every path answers JSON for now: when HTML pages arrive, `_http_error`
is the place to answer them in HTML for paths outside ``/api``.
"""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from search.errors import BadQueryError, IndexMissingError

log = logging.getLogger(__name__)


class NotFoundError(Exception):
    """A resource the client named does not exist (e.g. an unknown document id)."""


def error_response(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(BadQueryError, lambda exc: error_response(400, "bad_request", str(exc)))
    app.register_error_handler(IndexMissingError, lambda exc: error_response(503, "index_missing", str(exc)))
    app.register_error_handler(NotFoundError, lambda exc: error_response(404, "not_found", str(exc)))
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _http_error(exc: HTTPException) -> Response:
    code = re.sub(r"\W+", "_", (exc.name or "error").lower()).strip("_")
    response = error_response(exc.code or 500, code, exc.description or exc.name or "error")
    if exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected error")
    return error_response(500, "internal_error", "the server failed to answer this request; it has been logged")
