"""The ingest package stands alone: it knows nothing of indexes, queries, ranking or the web."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import search.ingest

PACKAGE = Path(search.ingest.__file__).resolve().parent
ALLOWED_PROJECT_MODULES = ("search.ingest", "search.errors", "search.analysis")


def project_imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return [name for name in names if name == "search" or name.startswith(("search.", "web"))]


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_ingest_imports_only_errors_analysis_and_itself(path: Path) -> None:
    for name in project_imports(path):
        assert name.startswith(ALLOWED_PROJECT_MODULES), f"{path.name} imports {name}"


def test_public_names_are_importable_from_the_package() -> None:
    for name in search.ingest.__all__:
        assert getattr(search.ingest, name) is not None
