"""The one `SearchService` of an application, opened at startup or on first use.

A missing index is not fatal: the app starts, each request gets `IndexMissingError` (a 503),
and once ``make reindex`` has built the index the next request opens it.
"""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask, current_app

from search import Engine, IndexMissingError, SearchService, open_engine

log = logging.getLogger(__name__)

EXTENSION = "search_service"
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = None
    try:
        app.extensions[EXTENSION] = _open(app)
    except IndexMissingError as exc:
        log.warning("%s", exc)


def _open(app: Flask) -> Engine:
    # SEARCH_ENGINE=opensearch (read by Flask's SEARCH_ prefix as ENGINE) selects the OpenSearch
    # engine; its OPENSEARCH_* settings come from the environment, or the app's config in tests.
    if str(app.config.get("ENGINE") or "embedded").lower() == "opensearch":
        settings = {**os.environ, **{k: str(v) for k, v in app.config.items() if k.startswith("OPENSEARCH_")}}
        return open_engine({**settings, "SEARCH_ENGINE": "opensearch"})
    return SearchService(
        app.config["INDEX_DIR"],
        check_interval=app.config["INDEX_CHECK_INTERVAL"],
        switch_in_background=app.config["INDEX_SWITCH_IN_BACKGROUND"],
    )


def service() -> Engine:
    """The application's search service; raises `IndexMissingError` while there is no index."""
    app = current_app
    found = app.extensions.get(EXTENSION)
    if found is not None:
        return found
    with _lock:
        found = app.extensions.get(EXTENSION)
        if found is None:
            found = app.extensions[EXTENSION] = _open(app)
    return found
