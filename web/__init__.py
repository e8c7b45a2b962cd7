"""The HTTP front of the search engine (Flask). It holds no search logic: every answer comes
from `search.service.search_service.SearchService`; this package turns query strings into requests, results
into JSON, and errors into one JSON error shape.

    app = create_app({"INDEX_DIR": "index_data/index"})

Blueprints: ``api`` (``/api/...``) and ``health`` (``/healthz``); an HTML ``pages`` blueprint can
be registered next to them without touching either.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from web import api, backend, errors, health, pages, security, why

DEFAULT_INDEX_DIR = "index_data/index"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application; ``config`` overrides the defaults (``INDEX_DIR``, ``TESTING``, ...).

    The index is opened at startup when it exists; when it does not, every request answers 503
    with the instructions to build it, and the next request after a build opens it.
    """
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR=DEFAULT_INDEX_DIR,
        INDEX_CHECK_INTERVAL=1.0,
        INDEX_SWITCH_IN_BACKGROUND=True,  # a reindexed generation opens in a thread, not in a request
        MAX_CONTENT_LENGTH=64 * 1024,  # the API takes no bodies; refuse large ones early
    )
    app.config.from_prefixed_env("SEARCH")  # SEARCH_INDEX_DIR=... from `make serve`
    if config:
        app.config.from_mapping(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # DefaultJSONProvider's settings
    app.json.sort_keys = False  # type: ignore[attr-defined]
    backend.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(why.bp)
    return app
