"""The layers of `search/` and `web/`: arrows only downward, no import cycle, no private name
reached across packages.

Each import statement of our code (at module level or inside a function: both run) is an arrow
from the importing module to the imported one. A package may import its own modules, the ones
below it in `LAYERS`, and `search.errors`; `search.analysis` imports nothing of ours; runtime code
never imports the developer tools; `web` reads `search` through its public API only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Bottom to top. The OpenSearch engine answers the service's requests with its results, so it
#: sits above `search.service` (whose embedded engine it stands beside); the public API picks one.
LAYERS = (
    "search.errors",
    "search.analysis",
    "search.ingest",
    "search.index",
    "search.query",
    "search.rank",
    "search.results",
    "search.service",
    "search.opensearch",
    "search",  # the public API (`search/__init__.py`) and the command line
    "search.tools",
    "web",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line, imported module, names) for every import of our own code in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, target] if target else base)
            found.append((node.lineno, target, tuple(alias.name for alias in node.names)))
    return [item for item in found if item[1].split(".")[0] in ("search", "web")]


def _layer(module: str) -> str:
    """The deepest entry of `LAYERS` that contains the module."""
    matches = [layer for layer in LAYERS if module == layer or module.startswith(layer + ".")]
    return max(matches, key=len)


def _sources() -> list[Path]:
    return sorted([*(ROOT / "search").rglob("*.py"), *(ROOT / "web").rglob("*.py")])


def _resolves(module: str, names: tuple[str, ...]) -> list[str]:
    """The modules an import statement reads: `from search.rank import bm25f` the submodule,
    `from search.rank import rank` the package's `__init__`."""
    submodules = []
    for name in names:
        candidate = f"{module}.{name}"
        folder = ROOT / candidate.replace(".", "/")
        if folder.with_suffix(".py").exists() or (folder / "__init__.py").exists():
            submodules.append(candidate)
    # `from web import backend` runs the submodule; the package itself is already imported.
    return submodules if submodules and len(submodules) == len(names) else [module, *submodules]


def arrows() -> list[tuple[str, int, str]]:
    """(importing module, line, imported module) over the whole code base."""
    return [
        (_module_name(path), line, target)
        for path in _sources()
        for line, module, names in _imports(path)
        for target in _resolves(module, names)
    ]


def upward_arrows(edges: list[tuple[str, int, str]]) -> list[str]:
    rank = {layer: index for index, layer in enumerate(LAYERS)}
    bad = []
    for source, line, target in edges:
        source_layer, target_layer = _layer(source), _layer(target)
        if source_layer == target_layer:
            continue
        allowed = rank[target_layer] < rank[source_layer]
        if source_layer == "search.analysis" or (source_layer == "web" and target_layer != "search"):
            allowed = target_layer == "search.errors" and source_layer == "web"
        if source_layer != "search.tools" and target_layer == "search.tools":
            allowed = False
        if not allowed:
            bad.append(f"{source}:{line} imports {target} ({source_layer} may not import {target_layer})")
    return bad


def cycles(edges: list[tuple[str, int, str]]) -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for source, _, target in edges:
        if source != target:
            graph.setdefault(source, set()).add(target)
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def private_reach_ins() -> list[str]:
    """`from search.x import _name` where `search.x` belongs to another package."""
    bad = []
    for path in _sources():
        source = _module_name(path)
        for line, module, names in _imports(path):
            if _layer(module) == _layer(source):
                continue
            bad += [f"{source}:{line} imports {module}.{name}" for name in names if name.startswith("_")]
    return bad


def test_arrows_only_go_downward():
    assert upward_arrows(arrows()) == []


def test_no_import_cycle():
    assert cycles(arrows()) == []


def test_no_private_name_is_used_across_packages():
    assert private_reach_ins() == []


@pytest.mark.parametrize(
    ("edge", "why"),
    [
        (("search.index.build", 1, "search.rank.bm25f"), "index may not import rank"),
        (("search.analysis.chain", 1, "search.ingest.places"), "analysis imports nothing of ours"),
        (("web.pages", 1, "search.service.request"), "web reads search's public API only"),
        (("search.service.engine", 1, "search.tools.evaluate"), "runtime never imports the tools"),
    ],
)
def test_the_rules_catch_a_bad_arrow(edge, why):
    assert upward_arrows([edge]), why


def test_the_cycle_check_catches_a_cycle():
    edges = [
        ("search.rank.a", 1, "search.rank.b"),
        ("search.rank.b", 1, "search.rank.c"),
        ("search.rank.c", 1, "search.rank.a"),
    ]
    assert cycles(edges) == [["search.rank.a", "search.rank.b", "search.rank.c", "search.rank.a"]]
