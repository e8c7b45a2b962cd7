"""Shared fixtures: the five seed pages, indexes built from them once (words alone, and with meaning),
and the web app on the first."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def app(seed_index: Path):
    from web import create_app

    return create_app({"INDEX_DIR": str(seed_index), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()
