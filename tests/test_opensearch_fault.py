"""The issue's fault test: a data node killed with SIGKILL under searches and under a rebuild.

3 nodes, 2 shards, 1 replica, 20,000 bench pages (``OPENSEARCH_FAULT_PAGES`` lowers it for a dev
run): searches keep answering, no document is lost, the node comes back and the cluster is green
again; a rebuild cut by a node's death completes or leaves the previous alias serving (the
scenario and its figures: `search.tools.fault`, also ``python -m search.tools fault``).

The cluster is the test's own, on its own ports (9280/9380 unless ``OPENSEARCH_FAULT_HTTP_PORT``
and ``OPENSEARCH_FAULT_TRANSPORT_PORT`` say otherwise): killing nodes of the shared development
cluster or of the session's test cluster would break other people's work. It runs when OpenSearch
testing is on (``OPENSEARCH_URL`` or ``OPENSEARCH_TESTS=1``) and Java and Maven are there; else it
is skipped with the reason, or fails under ``OPENSEARCH_REQUIRED=1``.
"""

from __future__ import annotations

import os
import shutil

from opensearch_fixtures import opensearch_unavailable

from search.opensearch import cluster
from search.tools.bench.corpus import DEFAULT_SOURCE
from search.tools.fault import FaultOptions, run

PAGES = int(os.environ.get("OPENSEARCH_FAULT_PAGES", "20000"))


def test_a_node_killed_under_searches_and_a_rebuild_loses_nothing(tmp_path):
    if not (os.environ.get("OPENSEARCH_URL") or os.environ.get("OPENSEARCH_TESTS") == "1"):
        opensearch_unavailable("OpenSearch testing is off: set OPENSEARCH_URL or OPENSEARCH_TESTS=1 for the fault test")
    if not cluster.tools_available():
        opensearch_unavailable("the fault test needs Java, and Maven to build the launcher, for a cluster of its own")
    if not DEFAULT_SOURCE.is_file():
        opensearch_unavailable(f"the bench pages are made from {DEFAULT_SOURCE}, which is missing")
    options = FaultOptions(
        pages=PAGES,
        http_port=int(os.environ.get("OPENSEARCH_FAULT_HTTP_PORT", "9280")),
        transport_port=int(os.environ.get("OPENSEARCH_FAULT_TRANSPORT_PORT", "9380")),
        workdir=tmp_path,
    )
    report = run(options, log=lambda line: print(line, flush=True))
    print(report.format())
    assert report.ok, report.format()
    assert report.count == PAGES
    assert len(report.killed) == 2
    assert report.search.searches > 0 and report.rebuild_search.searches > 0
    shutil.rmtree(tmp_path / "cluster", ignore_errors=True)  # kept (with the node logs) only when it fails
