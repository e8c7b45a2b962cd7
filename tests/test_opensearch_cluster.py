"""The cluster control's decisions, without starting Java: loopback, ports, discovery, pid files."""

from __future__ import annotations

import subprocess
import sys

import pytest

from search.opensearch import cluster
from search.opensearch.cluster import ClusterConfig


def test_nodes_bind_loopback_on_consecutive_ports(tmp_path):
    config = ClusterConfig(nodes=3, http_port=9270, transport_port=9370, directory=tmp_path)
    settings = [cluster._node_settings(config, i) for i in range(3)]
    assert {s["network.host"] for s in settings} == {"127.0.0.1"}
    assert [s["http.port"] for s in settings] == ["9270", "9271", "9272"]
    assert [s["transport.port"] for s in settings] == ["9370", "9371", "9372"]
    assert settings[0]["discovery.seed_hosts"] == "127.0.0.1:9370,127.0.0.1:9371,127.0.0.1:9372"
    assert settings[0]["cluster.initial_cluster_manager_nodes"] == "node-1,node-2,node-3"
    assert all(s["path.data"].startswith(str(tmp_path)) for s in settings)


def test_one_node_is_a_single_node_cluster(tmp_path):
    settings = cluster._node_settings(ClusterConfig(nodes=1, directory=tmp_path), 0)
    assert settings["discovery.type"] == "single-node"
    assert "cluster.initial_cluster_manager_nodes" not in settings


def test_heap_is_small_and_starts_at_half():
    assert cluster.min_heap("512m") == "256m"
    assert cluster.min_heap("2g") == "1g"


def test_stop_never_kills_a_process_that_is_not_one_of_our_nodes(tmp_path):
    """A stale pid file whose pid now belongs to another process: left alone."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        config = ClusterConfig(nodes=1, directory=tmp_path)
        (tmp_path / "node-1.pid").write_text(f"{other.pid}\n")
        assert cluster.running_pids(config) == {}
        assert cluster.stop(config) == []
        assert other.poll() is None
        assert not (tmp_path / "node-1.pid").exists()
    finally:
        other.kill()
        other.wait()


def test_stop_without_a_cluster_folder_does_nothing(tmp_path):
    assert cluster.stop(ClusterConfig(directory=tmp_path / "missing")) == []


def test_every_node_url_is_known():
    config = ClusterConfig(nodes=3, http_port=9290, transport_port=9390)
    assert config.urls == ["http://127.0.0.1:9290", "http://127.0.0.1:9291", "http://127.0.0.1:9292"]


def test_kill_node_never_kills_a_process_that_is_not_one_of_our_nodes(tmp_path):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        config = ClusterConfig(nodes=3, directory=tmp_path)
        (tmp_path / "node-2.pid").write_text(f"{other.pid}\n")
        with pytest.raises(cluster.ClusterError, match="not running"):
            cluster.kill_node(config, "node-2")
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_start_node_knows_only_the_cluster_s_own_nodes(tmp_path):
    with pytest.raises(cluster.ClusterError, match="not a node"):
        cluster.start_node(ClusterConfig(nodes=3, directory=tmp_path), "node-4")
