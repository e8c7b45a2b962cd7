"""Shared fixtures: the five seed pages, indexes built from them once (words alone, and with meaning),
and the web app on them, once per engine.

Every test that takes ``app`` or ``client`` runs twice: on the embedded index (``[embedded]``) and on
a real OpenSearch cluster holding the same pages (``[opensearch]``; see tests/opensearch_fixtures.py
for where the cluster comes from, and why it is skipped or fails without one).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from helpers import build_test_index
from opensearch_fixtures import opensearch_url  # noqa: F401  (the OpenSearch cluster, for any test)

from search.ingest import Document, parse_page

ROOT = Path(__file__).resolve().parents[1]
SEED_PAGES = ROOT / "index_data" / "documents"


@pytest.fixture(scope="session")
def seed_documents() -> list[Document]:
    return [parse_page(path) for path in sorted(SEED_PAGES.glob("*.txt"))]


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory, seed_documents: list[Document]) -> Path:
    """An index folder holding the seed pages, words alone (built once per test session; tests must not modify it)."""
    folder = tmp_path_factory.mktemp("seed-index")
    build_test_index(seed_documents, folder)
    return folder


@pytest.fixture(scope="session")
def seed_index_with_meaning(tmp_path_factory: pytest.TempPathFactory, seed_documents: list[Document]) -> Path:
    """The seed pages with a sentence vector each, for tests about meaning (tests must not modify it)."""
    folder = tmp_path_factory.mktemp("seed-index-meaning")
    build_test_index(seed_documents, folder, meaning=True)
    return folder


ENGINES = ("embedded", "opensearch")


@pytest.fixture(scope="session", params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    """The engine the web app of this test runs on."""
    return request.param


@pytest.fixture(scope="session")
def opensearch_seed_alias(opensearch_url: str, seed_documents: list[Document]):  # noqa: F811
    """The seed pages in the cluster, words alone like `seed_index`, behind an alias of their own."""
    from search.opensearch import indexing
    from search.opensearch.connection import Settings, connect

    alias = f"oimtest-app-{uuid.uuid4().hex[:8]}"
    settings = Settings(url=opensearch_url, alias=alias, meaning=False, timeout=30.0)
    report = indexing.feed(settings, docs=seed_documents, full=True)
    assert report.ok, report.format()
    yield alias
    connect(settings).indices.delete(index=f"{alias}-*", params={"ignore_unavailable": "true"})


@pytest.fixture(scope="session")
def app(request: pytest.FixtureRequest, engine_name: str, seed_index: Path):
    from web import create_app

    if engine_name == "embedded":
        return create_app({"INDEX_DIR": str(seed_index), "TESTING": True})
    url = request.getfixturevalue("opensearch_url")
    alias = request.getfixturevalue("opensearch_seed_alias")
    config = {"TESTING": True, "ENGINE": "opensearch", "OPENSEARCH_URL": url, "OPENSEARCH_INDEX": alias}
    return create_app({**config, "OPENSEARCH_MEANING": "0"})


@pytest.fixture
def client(app):
    return app.test_client()
