"""The OpenSearch engine in the benchmark: the same corpus fed into the cluster at ``$OPENSEARCH_URL``
and the same result pages asked of `OpenSearchEngine`, beside the embedded engine in one run.

- ``build`` is the production feed (`indexing.feed`, full build): bulk requests of `BULK_DOCS`
  from one client, then replicas set, the cluster green and the alias moved. Its docs/s is
  therefore the time until the documents are searchable and replicated, not the bulk calls alone.
  Words only (``meaning=False``), like every other engine of the benchmark. Shards and replicas
  come from ``OPENSEARCH_SHARDS`` / ``OPENSEARCH_REPLICAS`` (2 and 1 by default).
- Each build goes under its own alias ``oimbench-<random>``, written in ``index_dir`` so ``open``
  and ``discard`` find it; nothing of the site's alias (``OPENSEARCH_INDEX``) is ever touched.
- Only the ``full`` mode: `OpenSearchEngine.search` is the engine's one way to search, and a
  "top 10" or "facets only" request would be a second copy of its request body written here.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from search.ingest import Document
from search.tools.bench.corpus import BenchQuery
from search.tools.bench.engines import Session, fresh, page_request

if TYPE_CHECKING:
    from search.opensearch.connection import Settings

#: The file in ``index_dir`` that says which cluster and alias a build went to.
TARGET_FILE = "opensearch.json"
ALIAS_PREFIX = "oimbench"
TIMEOUT_S = 120.0


def settings_for(alias: str, url: str | None = None) -> Settings:
    """The ``OPENSEARCH_*`` settings with this bench alias, by words alone.

    Unless ``OPENSEARCH_TIMEOUT`` says otherwise, requests may take `TIMEOUT_S`: the site's 10 s
    would fail a 100,000-document build's final refresh on a busy machine, or a slow search that
    the benchmark should time rather than lose.
    """
    from search.opensearch.connection import Settings

    timeout = None if os.environ.get("OPENSEARCH_TIMEOUT", "").strip() else TIMEOUT_S
    return Settings.from_env(alias=alias, url=url, meaning=False, timeout=timeout)


def read_target(index_dir: Path) -> tuple[str, str] | None:
    """(url, alias) of the build in ``index_dir``, or None when nothing was built there."""
    path = index_dir / TARGET_FILE
    if not path.is_file():
        return None
    target = json.loads(path.read_text("utf-8"))
    return target["url"], target["alias"]


class OpenSearchBench:
    """The OpenSearch engine as `make reindex ENGINE=opensearch` feeds it and the site searches it."""

    name = "opensearch"
    requires: tuple[str, ...] = ("opensearchpy",)
    max_procs = 1  # one feeding client; the cluster's nodes do the indexing work in parallel

    def unreachable(self) -> str | None:
        """Why the cluster cannot be benchmarked now (it does not answer, or it is red)."""
        from search.opensearch import cluster

        url = settings_for(ALIAS_PREFIX).url
        state = cluster.health(url, timeout=10.0)
        if state is None:
            return f"the cluster at OPENSEARCH_URL={url} does not answer (make opensearch starts one)"
        if state.get("status") == "red":
            return f"the cluster at OPENSEARCH_URL={url} is red"
        return None

    def build(self, docs: Iterable[Document], index_dir: Path, procs: int) -> int:
        from search.opensearch.indexing import feed

        fresh(index_dir)
        settings = settings_for(f"{ALIAS_PREFIX}-{secrets.token_hex(4)}")
        # Written first: if the feed fails half-way, `discard` still knows what to delete.
        target = {"url": settings.url, "alias": settings.alias}
        (index_dir / TARGET_FILE).write_text(json.dumps(target), "utf-8")
        report = feed(settings, docs=list(docs), full=True)
        if not report.ok:
            raise RuntimeError(report.format())
        return report.count

    def open(self, index_dir: Path) -> Session:
        target = read_target(index_dir)
        if target is None:
            raise FileNotFoundError(f"no OpenSearch build recorded in {index_dir / TARGET_FILE}")
        return OpenSearchSession(*target)

    def index_mb(self, index_dir: Path) -> float:
        """The primaries' store size (one copy, as the other engines' index folders are)."""
        from search.opensearch.connection import connect

        target = read_target(index_dir)
        if target is None:
            return 0.0
        url, alias = target
        stats = connect(settings_for(alias, url)).indices.stats(index=alias, metric="store")
        return int(stats["_all"]["primaries"]["store"]["size_in_bytes"]) / 1e6

    def discard(self, index_dir: Path) -> None:
        """Delete every build index of the recorded alias (the alias goes with them); a
        `RuntimeError` naming them when the cluster cannot be reached."""
        from search.errors import EngineUnavailableError
        from search.opensearch.connection import connect, guarded
        from search.opensearch.indexing import builds

        target = read_target(index_dir)
        if target is None:
            return
        url, alias = target
        settings = settings_for(alias, url)
        client = connect(settings)

        def delete() -> None:
            for index in builds(client, alias):
                client.indices.delete(index=index, params={"ignore_unavailable": "true"})

        try:
            guarded(settings, delete)
        except EngineUnavailableError as exc:
            raise RuntimeError(f"could not delete {alias}-* at {url}, delete them by hand: {exc}") from None


class OpenSearchSession:
    """``full`` is `OpenSearchEngine.search` with the request `OursSession.full` sends."""

    modes: tuple[str, ...] = ("full",)

    def __init__(self, url: str, alias: str):
        from search.opensearch.engine import OpenSearchEngine

        self.engine = OpenSearchEngine(settings_for(alias, url))

    def top(self, query: BenchQuery) -> int:
        raise NotImplementedError("opensearch answers the full page only")

    def facets(self, query: BenchQuery) -> int:
        raise NotImplementedError("opensearch answers the full page only")

    def full(self, query: BenchQuery) -> int:
        return self.engine.search(page_request(query)).total

    def close(self) -> None:
        self.engine.close()
