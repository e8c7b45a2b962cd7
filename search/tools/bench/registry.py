"""Every engine the benchmark knows, by name, and whether its libraries are installed."""

from __future__ import annotations

from search.tools.bench.engines import Engine, Ours, OursMeaning, Remote
from search.tools.bench.opensearch import OpenSearchBench
from search.tools.bench.peers import Bm25s, StockWhoosh, Tantivy


def available(name: str) -> bool:
    """Whether an engine's libraries are importable (comparison engines are an optional extra)."""
    try:
        for module in ENGINES[name].requires:
            __import__(module)
    except ImportError:
        return False
    return True


def unusable(name: str) -> str | None:
    """Why an engine cannot run here (not installed, its cluster does not answer), or None."""
    if not available(name):
        return "not installed (pip install -e '.[bench]')"
    engine = get_engine(name)
    return engine.unreachable() if isinstance(engine, Remote) else None


def get_engine(name: str) -> Engine:
    return ENGINES[name]()


#: Every engine the benchmark knows, by name; the default run leaves out the slow ``ours-meaning``
#: (encoding 100,000 documents takes ~15 min) and ``opensearch`` (it needs a running cluster:
#: ``make bench ENGINE=opensearch``).
ENGINES: dict[str, type[Engine]] = {
    engine.name: engine for engine in (Ours, StockWhoosh, Tantivy, Bm25s, OursMeaning, OpenSearchBench)
}


DEFAULT_ENGINES = ("ours", "whoosh", "tantivy", "bm25s")
