"""Choosing the engine by one setting: ``SEARCH_ENGINE`` = ``embedded`` (default) or ``opensearch``.

    engine = open_engine()                      # from the environment
    engine = open_engine({"SEARCH_ENGINE": "opensearch", "OPENSEARCH_URL": "http://127.0.0.1:9250"})

The embedded engine reads ``SEARCH_INDEX_DIR`` (or ``index_dir``); OpenSearch reads
``OPENSEARCH_URL``, ``OPENSEARCH_USER``, ``OPENSEARCH_PASSWORD``, ``OPENSEARCH_CA_FILE``,
``OPENSEARCH_INDEX`` (the alias) and the others of `search.opensearch.connection.Settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from search.service import Engine

ENGINES = ("embedded", "opensearch")


def engine_name(settings: Mapping[str, str] | None = None) -> str:
    settings = os.environ if settings is None else settings
    name = (settings.get("SEARCH_ENGINE") or "embedded").strip().lower()
    if name not in ENGINES:
        raise ValueError(f"SEARCH_ENGINE={name!r}: use one of {', '.join(ENGINES)}")
    return name


def open_engine(settings: Mapping[str, str] | None = None, index_dir: str | None = None, **options: Any) -> Engine:
    """The engine the settings name (an environment-like mapping; default: ``os.environ``)."""
    settings = os.environ if settings is None else settings
    if engine_name(settings) == "opensearch":
        from search.opensearch.connection import Settings
        from search.opensearch.engine import OpenSearchEngine

        return OpenSearchEngine(Settings.from_env(settings))
    from search.service import SearchService

    folder = index_dir or settings.get("SEARCH_INDEX_DIR") or "index_data/index"
    return SearchService(folder, **options)
