"""Schemathesis drives every documented endpoint with generated requests: responses must match
the OpenAPI document, and nothing a client sends may produce a server error."""

from __future__ import annotations

import pytest
import schemathesis
from helpers import build_test_index
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from search.ingest import Document
from web import create_app


@pytest.fixture(scope="session")
def fuzz_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("openapi-index")
    build_test_index(
        [
            Document(id="a", title="Santé des migrants", body="Guinée, 2022, projet de santé.", year=2022),
            Document(id="b", title="Pollution à Bichkek", body="Pollution de l'air.", year=2021),
        ],
        folder,
    )
    return create_app({"INDEX_DIR": str(folder), "TESTING": True})


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_api_conforms_to_its_openapi_document(fuzz_app):
    # Driven through Hypothesis directly: schemathesis' own pytest plugin does not load under pytest 9.
    checked = []
    for operation in operations(fuzz_app):

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            case.call_and_validate(checks=[not_a_server_error, status_code_conformance, response_schema_conformance])

        conforms()
        checked.append(operation.label)
    assert any("/api/search" in label for label in checked)
    assert any("/api/documents" in label for label in checked)
