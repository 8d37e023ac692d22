"""manage.py seed_demo: the demo cluster's nodes, idempotent, and --reset."""
import pytest

from cluster import kinds, store
from cluster.errors import NotFound
from cluster.management.commands.seed_demo import demo_objects

pytestmark = pytest.mark.django_db

NODE = kinds.lookup("nodes")
NS = kinds.lookup("namespaces")
SEEDED = "node/control-plane created\nnode/node-1 created\nnode/node-2 created\n"


def test_the_demo_cluster_has_three_nodes(kubectl):
    assert kubectl("seed_demo").out == SEEDED
    nodes = {n["metadata"]["name"]: n for n in store.list_objects(NODE).items}
    assert set(nodes) == {"control-plane", "node-1", "node-2"}
    control = nodes["control-plane"]
    assert control["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == ""
    assert control["spec"]["taints"] == [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    for i, name in enumerate(("control-plane", "node-1", "node-2")):
        node = nodes[name]
        assert {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64"}.items() <= node["metadata"]["labels"].items()
        assert node["spec"]["podCIDR"] == f"10.244.{i}.0/24"
        assert node["status"]["addresses"] == [{"type": "InternalIP", "address": f"172.18.0.{i + 2}"},
                                               {"type": "Hostname", "address": name}]
        assert {"cpu": "4", "memory": "8Gi", "pods": "110", "ephemeral-storage": "100Gi"}.items() \
            <= node["status"]["capacity"].items()
        assert node["status"]["allocatable"] == node["status"]["capacity"]
        assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.37.0"
        ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
        assert ready["status"] == "True" and ready["lastHeartbeatTime"]
        assert "kubectl.kubernetes.io/last-applied-configuration" not in node["metadata"]["annotations"]
    table = kubectl("get", "nodes").out.splitlines()
    assert [line.split()[:3] for line in table] == [["NAME", "STATUS", "ROLES"], ["control-plane", "Ready", "control-plane"],
                                                    ["node-1", "Ready", "<none>"], ["node-2", "Ready", "<none>"]]


def test_seeding_twice_changes_nothing(kubectl):
    kubectl("seed_demo")
    revision = store.current_revision()
    again = kubectl("seed_demo")
    assert again.out == SEEDED.replace("created", "unchanged")
    assert store.current_revision() == revision


def test_reset_deletes_everything_but_the_system_namespaces_and_seeds_again(kubectl):
    kubectl("seed_demo")
    store.delete(NODE, None, "node-2")
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    store.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "team",
                                                                          "finalizers": ["example.com/keep"]}})
    store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                  "spec": {"nodeName": "node-1", "containers": [{"name": "a", "image": "nginx"}]}})
    result = kubectl("seed_demo", "--reset")
    assert result.out == "5 objects deleted\n" + SEEDED
    names = {kind.plural: sorted(o["metadata"]["name"] for o in store.list_objects(kind).items)
             for kind in kinds.KINDS if store.list_objects(kind).items}
    assert names == {"namespaces": ["default", "kube-node-lease", "kube-public", "kube-system"],
                     "nodes": ["control-plane", "node-1", "node-2"]}
    with pytest.raises(NotFound):
        store.get(NS, None, "team")


def test_the_demo_definition_is_reusable():
    objects = demo_objects()
    assert [o["kind"] for o in objects] == ["Node"] * 3
    assert objects[0]["status"]["conditions"] is not objects[1]["status"]["conditions"]
