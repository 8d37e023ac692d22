"""Nodes with the real kubectl against a live daphne: cordon, uncordon, drain (through the
Eviction API) and top (metrics.k8s.io). One server for the module; the clock runs 10x fast."""
import pytest
import yaml

from tests.livecluster import KUBECTL

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")]

# Two pods per node (the scheduler spreads them), each with an emptyDir: drain must be told
# that their scratch data may go.
CACHE = yaml.safe_dump({
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "cache"},
    "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "cache"}}, "template": {
        "metadata": {"labels": {"app": "cache"}},
        "spec": {"containers": [{"name": "redis", "image": "redis:7",
                                 "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                 "volumes": [{"name": "data", "emptyDir": {}}]}}}})


@pytest.fixture(scope="module")
def cluster(live_cluster):
    live_cluster.clock(speed=10)
    return live_cluster


@pytest.fixture(scope="module")
def kubectl(cluster):
    return cluster.kubectl()


def unschedulable(cluster, node):
    return cluster.get(f"/api/v1/nodes/{node}")["spec"].get("unschedulable", False)


def test_cordon_and_uncordon(cluster, kubectl):
    assert kubectl("cordon", "node-1") == "node/node-1 cordoned\n"
    assert unschedulable(cluster, "node-1")
    assert kubectl("cordon", "node-1") == "node/node-1 already cordoned\n"
    assert kubectl("uncordon", "node-1") == "node/node-1 uncordoned\n"
    assert not unschedulable(cluster, "node-1")
    assert kubectl("uncordon", "node-1") == "node/node-1 already uncordoned\n"


def test_drain_evicts_and_the_pods_come_back_elsewhere(cluster, kubectl):
    kubectl("apply", "-f", "-", input=CACHE)
    pods = cluster.wait_for_running(selector="app=cache", count=4)
    on_node_2 = sorted(p["metadata"]["name"] for p in pods if p["spec"]["nodeName"] == "node-2")
    assert on_node_2, "the scheduler spreads the pods over both nodes"

    refused = kubectl.run("drain", "node-2", "--ignore-daemonsets", check=False)
    assert refused.returncode == 1
    assert ("cannot delete Pods with local storage (use --delete-emptydir-data to override)"
            in refused.stderr)
    assert refused.stdout == "node/node-2 cordoned\n"
    assert len(cluster.pods(selector="app=cache")) == 4  # nothing evicted

    done = kubectl.run("drain", "node-2", "--ignore-daemonsets", "--delete-emptydir-data",
                       "--timeout=60s", timeout=70)
    out = done.stdout + done.stderr  # kubectl prints "evicting pod" on stderr
    assert "node/node-2 already cordoned" in out
    for name in on_node_2:
        assert f"evicting pod default/{name}" in out and f"pod/{name} evicted" in out
    assert out.rstrip().endswith("node/node-2 drained")
    events = cluster.ok("GET", "/api/v1/namespaces/default/events?fieldSelector="
                               f"involvedObject.name%3D{on_node_2[0]}")["items"]
    assert "Killing" in {e["reason"] for e in events}

    pods = cluster.wait_for_running(selector="app=cache", count=4)
    assert {p["spec"]["nodeName"] for p in pods} == {"node-1"}  # node-2 is cordoned
    assert kubectl("uncordon", "node-2") == "node/node-2 uncordoned\n"


def test_top_nodes_and_pods(cluster, kubectl):
    kubectl("apply", "-f", "-", input=CACHE)
    pods = cluster.wait_for_running(selector="app=cache", count=4)

    header, *rows = kubectl("top", "nodes").splitlines()
    assert header.split() == ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
    assert {row.split()[0] for row in rows} == {"control-plane", "node-1", "node-2"}
    assert all(row.split()[1].endswith("m") and row.split()[3].endswith("Mi") for row in rows)

    header, *rows = kubectl("top", "pods", "-l", "app=cache").splitlines()
    assert header.split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert sorted(row.split()[0] for row in rows) == sorted(p["metadata"]["name"] for p in pods)

    header, *rows = kubectl("top", "pods", "-A", "--containers").splitlines()
    assert header.split() == ["NAMESPACE", "POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert {tuple(row.split()[::2][:2]) for row in rows} >= {("default", "redis")}

    missing = kubectl.run("top", "pod", "nosuch", check=False)
    assert missing.returncode == 1
    assert 'podmetrics.metrics.k8s.io "nosuch" not found' in missing.stderr
