"""One error shape for every failure: ``{"error": {"code": str, "message": str}}``.

Our exceptions map to statuses (bad request 400, no index 503); HTTP errors (unknown route 404,
wrong method 405, ...) keep their status; anything else is logged and answered with a generic
500, never a traceback. Paths under ``/api`` and ``/healthz`` answer that JSON; every other path
(the HTML pages) answers the same status with a French HTML page (templates/error.html).
"""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search import BadQueryError, EngineUnavailableError, IndexMissingError

log = logging.getLogger(__name__)


class NotFoundError(Exception):
    """A resource the client named does not exist (e.g. an unknown document id)."""


JSON_PREFIXES = ("/api/", "/healthz")

#: French heading and explanation of the HTML error page, by status.
HTML_ERRORS = {
    400: ("Requête invalide", ["Les paramètres de cette adresse ne sont pas valides."]),
    404: ("Page introuvable", ["Aucune page ni aucun document ne correspond à cette adresse."]),
    405: ("Méthode non autorisée", ["Cette adresse ne s’utilise pas ainsi."]),
    413: ("Requête trop volumineuse", ["Le serveur refuse une requête aussi grande."]),
    500: ("Erreur du serveur", ["Le serveur n’a pas pu répondre ; l’erreur a été enregistrée. Réessayez plus tard."]),
    503: (
        "Index de recherche absent",
        [
            "L’index de recherche n’est pas encore construit (ou il est endommagé).",
            "Construisez-le depuis le dossier du projet avec la commande ci-dessous, puis rechargez la page :",
        ],
    ),
}


#: The 503 of an engine that does not answer now (an OpenSearch cluster down, red or too slow).
UNAVAILABLE = (
    "Recherche momentanément indisponible",
    [
        "Le moteur de recherche (la grappe OpenSearch) ne répond pas pour le moment.",
        "Réessayez dans quelques instants : le service se reconnecte de lui-même.",
    ],
)


def wants_json() -> bool:
    """Whether this request's errors are answered in JSON (API and health check) rather than HTML."""
    path = request.path
    return path == "/api" or path.startswith(JSON_PREFIXES)


def error_response(status: int, code: str, message: str) -> Response:
    if not wants_json():
        return html_error(status, message)
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def html_error(status: int, detail: str, page: tuple[str, list[str]] | None = None) -> Response:
    heading, paragraphs = page or HTML_ERRORS.get(status, (f"Erreur {status}", ["La requête n’a pas abouti."]))
    try:
        body = render_template(
            "error.html",
            heading=heading,
            paragraphs=paragraphs,
            command="make reindex" if status == 503 and page is None else None,
            detail=detail if status in (400, 503) else None,
        )
    except Exception:  # never let the error page itself fail
        log.exception("error page failed to render")
        body = f"<!doctype html><html lang=fr><title>{heading}</title><h1>{heading}</h1>"
    return Response(body, status=status, mimetype="text/html")


def init_app(app: Flask) -> None:
    app.register_error_handler(BadQueryError, lambda exc: error_response(400, "bad_request", str(exc)))
    app.register_error_handler(IndexMissingError, lambda exc: error_response(503, "index_missing", str(exc)))
    app.register_error_handler(EngineUnavailableError, _unavailable)
    app.register_error_handler(NotFoundError, lambda exc: error_response(404, "not_found", str(exc)))
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _unavailable(exc: EngineUnavailableError) -> Response:
    log.warning("search engine unavailable: %s", exc)
    if not wants_json():
        return html_error(503, str(exc), UNAVAILABLE)
    return error_response(503, "engine_unavailable", str(exc))


def _http_error(exc: HTTPException) -> Response:
    code = re.sub(r"\W+", "_", (exc.name or "error").lower()).strip("_")
    response = error_response(exc.code or 500, code, exc.description or exc.name or "error")
    allowed = getattr(exc, "valid_methods", None)  # MethodNotAllowed's
    if exc.code == 405 and allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected error")
    return error_response(500, "internal_error", "the server failed to answer this request; it has been logged")
