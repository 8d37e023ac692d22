"""cluster.printers.cluster: nodes, namespaces and leases."""
from cluster import printers

from .objects import ago, condition, meta, row


def node(name="node-1", ready="True", unschedulable=False, labels=None, **status):
    conditions = [condition("MemoryPressure", "False")]
    if ready is not None:
        conditions.append(condition("Ready", ready, reason="KubeletReady"))
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": meta(name, created=3 * 86400, labels={
                "kubernetes.io/hostname": name, **(labels or {})}) | {"namespace": ""},
            "spec": {"podCIDR": "10.244.1.0/24", "unschedulable": unschedulable},
            "status": {"conditions": conditions, **status}}


def test_node_status():
    assert printers.node_status(node()) == "Ready"
    assert printers.node_status(node(ready="False")) == "NotReady"
    assert printers.node_status(node(ready="Unknown")) == "NotReady"
    assert printers.node_status(node(ready=None)) == "Unknown"
    assert printers.node_status(node(unschedulable=True)) == "Ready,SchedulingDisabled"
    assert printers.node_status(node(ready="Unknown", unschedulable=True)) \
        == "NotReady,SchedulingDisabled"


def test_node_roles():
    assert printers.node_roles(node()) == "<none>"
    assert printers.node_roles(node(labels={"node-role.kubernetes.io/control-plane": ""})) \
        == "control-plane"
    both = {"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/ingress": "true",
            "kubernetes.io/role": "edge", "node-role.kubernetes.io/": ""}
    assert printers.node_roles(node(labels=both)) == "edge,ingress,worker"
    assert printers.node_roles(node(labels={"kubernetes.io/role": ""})) == "<none>"


def test_a_node_row_wide():
    n = node(labels={"node-role.kubernetes.io/control-plane": ""},
             addresses=[{"type": "InternalIP", "address": "172.18.0.2"},
                        {"type": "Hostname", "address": "node-1"}],
             nodeInfo={"kubeletVersion": "v1.37.0", "osImage": "Debian GNU/Linux 12 (bookworm)",
                       "kernelVersion": "6.8.0-60-generic",
                       "containerRuntimeVersion": "containerd://2.1.0"})
    assert row("Node", n) == ["node-1", "Ready", "control-plane", "3d", "v1.37.0", "172.18.0.2",
                              "<none>", "Debian GNU/Linux 12 (bookworm)", "6.8.0-60-generic",
                              "containerd://2.1.0"]
    bare = row("Node", node(unschedulable=True))
    assert bare[1] == "Ready,SchedulingDisabled" and bare[4:] == [
        "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]


def test_namespace_rows():
    ns = {"metadata": meta("team", created=86400 * 30), "status": {"phase": "Active"}}
    assert row("Namespace", ns) == ["team", "Active", "30d"]
    ns["status"]["phase"] = "Terminating"
    assert row("Namespace", ns)[1] == "Terminating"


def test_lease_rows():
    lease = {"metadata": meta("node-1", created=3600), "spec": {
        "holderIdentity": "node-1", "leaseDurationSeconds": 40, "renewTime": ago(3)}}
    assert row("Lease", lease) == ["node-1", "node-1", "60m"]
    assert row("Lease", {"metadata": meta("free"), "spec": {}})[1] == ""
