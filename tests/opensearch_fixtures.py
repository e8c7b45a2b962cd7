"""The OpenSearch cluster fixture: a real cluster for the tests that need one, or a visible skip.

- ``OPENSEARCH_URL`` set: that cluster is used (it must answer and not be red).
- else ``OPENSEARCH_TESTS=1`` with Java and Maven: a 3-node cluster is started for the session by
  `search.opensearch.cluster` (its own ports and a temporary folder), and stopped at the end.
- else the tests are skipped with the reason; with ``OPENSEARCH_REQUIRED=1`` (CI) they fail instead.
"""

from __future__ import annotations

import os

import pytest

from search.opensearch import cluster


def _required() -> bool:
    return os.environ.get("OPENSEARCH_REQUIRED") == "1"


def opensearch_unavailable(reason: str):
    """Skip with the reason, or fail when the run requires OpenSearch."""
    if _required():
        pytest.fail(f"OPENSEARCH_REQUIRED=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def opensearch_url(tmp_path_factory: pytest.TempPathFactory):
    """The base URL of a green (or yellow) OpenSearch cluster, e.g. ``http://127.0.0.1:9250``."""
    url = os.environ.get("OPENSEARCH_URL", "").rstrip("/")
    if url:
        # Several comma-separated nodes may be given: the first answers for the cluster.
        state = cluster.health(url, timeout=10.0)
        if state is None:
            opensearch_unavailable(f"OPENSEARCH_URL={url} does not answer")
        if state.get("status") == "red":
            opensearch_unavailable(f"the cluster at OPENSEARCH_URL={url} is red")
        yield url
        return
    if os.environ.get("OPENSEARCH_TESTS") != "1":
        opensearch_unavailable(
            "no OpenSearch cluster: set OPENSEARCH_URL, or OPENSEARCH_TESTS=1 to start one (needs Java and Maven)"
        )
    if not cluster.tools_available():
        opensearch_unavailable("OPENSEARCH_TESTS=1 but Java, or Maven to build the launcher, is missing")
    config = cluster.ClusterConfig(
        nodes=int(os.environ.get("OPENSEARCH_TEST_NODES", "3")),
        # Beside a development cluster (`make opensearch` uses 9250/9350), never on its ports.
        http_port=int(os.environ.get("OPENSEARCH_TEST_HTTP_PORT", "9270")),
        transport_port=int(os.environ.get("OPENSEARCH_TEST_TRANSPORT_PORT", "9370")),
        directory=tmp_path_factory.mktemp("opensearch"),
    )
    try:
        url = cluster.start(config)
    except cluster.ClusterError as error:
        # Asked for (OPENSEARCH_TESTS=1) and not obtained: a failure, never a silent skip.
        pytest.fail(f"could not start the OpenSearch test cluster: {error}", pytrace=False)
    try:
        yield url
    finally:
        cluster.stop(config)
