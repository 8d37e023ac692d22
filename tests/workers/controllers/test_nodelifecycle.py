"""The node lifecycle controller: a silent kubelet's node goes Unknown after the grace period, is
tainted, its pods are marked not ready and evicted when their tolerations run out; a node that
comes back is untainted; a node that goes leaves no pods behind.

The clock is paused and stepped by hand; the kubelet's writes (Lease renewals, Ready status) are
made by the tests, and the controller's reconcile is called directly."""
import math

import pytest

from cluster import binding, clock, kinds, store, timestamps
from cluster.errors import NotFound
from cluster.management.commands.seed_demo import seed
from cluster.models import WatchEvent
from workers import events
from workers.controllers import nodelifecycle
from workers.result import Result

pytestmark = pytest.mark.django_db

NODE = kinds.lookup("nodes")
POD = kinds.lookup("pods")
LEASE = kinds.lookup("leases.coordination.k8s.io")
EVENT = kinds.lookup("events")
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
REGISTERED = ("Normal", "RegisteredNode", "Node node-1 event: Registered Node node-1 in Controller")


@pytest.fixture
def demo():
    """The demo cluster on a paused clock at a whole second, node-1's Lease just renewed."""
    clock.pause()
    clock.step(math.ceil(clock.current().seconds()) - clock.current().seconds())
    seed()
    renew("node-1")


def now():
    return clock.current().seconds()


def renew(node_name):
    """What the kubelet does every 10 s: renew its node's Lease."""
    renew_time = clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    try:
        store.guaranteed_update(LEASE, "kube-node-lease", node_name,
                                lambda lease: lease["spec"].update(renewTime=renew_time))
    except NotFound:
        store.create({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                      "metadata": {"name": node_name, "namespace": "kube-node-lease"},
                      "spec": {"holderIdentity": node_name, "leaseDurationSeconds": 40,
                               "renewTime": renew_time}})


def post_ready(node_name, status="True"):
    """The kubelet posting its node's Ready condition."""
    stamp = timestamps.timestamp(timestamps.now())
    reason = {"True": "KubeletReady", "False": "KubeletNotReady"}[status]

    def post(node):
        for condition in node["status"]["conditions"]:
            condition["lastHeartbeatTime"] = stamp
            if condition["type"] == "Ready":
                if condition["status"] != status:
                    condition["lastTransitionTime"] = stamp
                condition.update(status=status, reason=reason, message="kubelet posted")
            elif condition["status"] == "Unknown":
                condition.update(status="False", reason="KubeletHasSufficientMemory", message="ok")

    return store.guaranteed_update(NODE, None, node_name, post, subresource="status")


def running_pod(name, node_name="node-1", tolerations=()):
    """A pod bound to the node and Ready, as scheduler and kubelet leave it."""
    store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "web"}},
                  "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}],
                           "tolerations": list(tolerations)}})
    binding.bind("default", name, node_name)
    stamp = timestamps.timestamp(timestamps.now())

    def run(pod):
        pod["status"]["phase"] = "Running"
        pod["status"]["conditions"] += [{"type": t, "status": "True", "lastTransitionTime": stamp}
                                        for t in ("Initialized", "Ready", "ContainersReady")]

    return store.guaranteed_update(POD, "default", name, run, subresource="status")


def node(name="node-1"):
    return store.get(NODE, None, name)


def pod(name):
    return store.get(POD, "default", name)


def condition(obj, condition_type):
    return next(c for c in obj["status"]["conditions"] if c["type"] == condition_type)


def taints(obj):
    return {(t["key"], t["effect"]) for t in obj["spec"].get("taints") or ()}


def reasons(obj):
    """(type, reason, message) of the events about an object, by name as upstream's references
    may omit the uid."""
    meta = obj["metadata"]
    found = store.list_objects(EVENT, meta.get("namespace") or "default",
                               field_selector=f"involvedObject.name={meta['name']}").items
    return {(e["type"], e["reason"], e["message"]) for e in found}


def reconcile(key="node-1"):
    """Reconcile, then check that reconciling again at once writes nothing (idempotence)."""
    result = nodelifecycle.reconcile(key)
    revision = store.current_revision()
    assert nodelifecycle.reconcile(key) == result
    assert store.current_revision() == revision, "a second reconcile wrote something"
    return result


def test_a_silent_node_goes_unknown_after_the_grace_period_exactly(demo):
    assert reconcile() == Result.after(50)
    clock.step(49)
    assert reconcile() == Result.after(1)
    assert condition(node(), "Ready")["status"] == "True"
    assert not taints(node())

    clock.step(1)
    assert reconcile() is None
    silent = node()
    stamp = timestamps.timestamp(timestamps.now())
    for condition_type in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure"):
        assert condition(silent, condition_type) | {"lastHeartbeatTime": None} == {
            "type": condition_type, "status": "Unknown", "reason": "NodeStatusUnknown",
            "message": "Kubelet stopped posting node status.", "lastTransitionTime": stamp,
            "lastHeartbeatTime": None}
    assert silent["spec"]["taints"] == [
        {"key": UNREACHABLE, "effect": "NoSchedule", "timeAdded": stamp},
        {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": stamp}]
    assert reasons(silent) == {REGISTERED, ("Normal", "NodeNotReady", "Node node-1 status is now: NodeNotReady")}
    event = store.list_objects(EVENT, "default", field_selector="reason=NodeNotReady").items[0]
    assert event["source"] == {"component": "node-controller"}
    # nodeutil.RecordNodeStatusChange's reference: the real uid, no namespace or resourceVersion.
    assert event["involvedObject"] == {"kind": "Node", "apiVersion": "v1", "name": "node-1",
                                       "uid": silent["metadata"]["uid"]}


def test_lease_renewals_keep_a_node_ready(demo):
    for _ in range(10):
        clock.step(10)
        renew("node-1")
        assert reconcile() == Result.after(50)
    assert condition(node(), "Ready")["status"] == "True"


def test_a_node_that_never_posted_status_gets_the_startup_grace_period(demo):
    store.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "fresh"}, "spec": {}})
    assert reconcile("fresh") == Result.after(60)
    clock.step(60)
    reconcile("fresh")
    fresh = node("fresh")
    ready = condition(fresh, "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "Unknown", "NodeStatusNeverUpdated", "Kubelet never posted node status.")
    assert ready["lastHeartbeatTime"] == fresh["metadata"]["creationTimestamp"]
    assert taints(fresh) == {(UNREACHABLE, "NoSchedule"), (UNREACHABLE, "NoExecute")}


def test_pods_on_an_unreachable_node_are_not_ready_and_evicted_when_their_tolerations_run_out(demo):
    running_pod("web-1")  # defaulting tolerates unreachable for 300 s
    running_pod("web-quick", tolerations=[{"key": UNREACHABLE, "operator": "Exists",
                                           "effect": "NoExecute", "tolerationSeconds": 10}])
    running_pod("web-forever", tolerations=[{"key": UNREACHABLE, "operator": "Exists",
                                             "effect": "NoExecute"}])
    running_pod("elsewhere", node_name="node-2")
    clock.step(50)
    assert reconcile() == Result.after(10)
    for name in ("web-1", "web-quick", "web-forever"):
        assert condition(pod(name), "Ready")["status"] == "False"
        assert reasons(pod(name)) == {("Warning", "NodeNotReady", "Node is not ready")}
    assert condition(pod("elsewhere"), "Ready")["status"] == "True"

    clock.step(9)
    assert reconcile() == Result.after(1)
    assert not pod("web-quick")["metadata"].get("deletionTimestamp")
    clock.step(1)
    assert reconcile() == Result.after(290)
    evicted = pod("web-quick")  # Terminating: no kubelet will confirm its containers stopped
    assert evicted["metadata"]["deletionTimestamp"] and evicted["metadata"]["deletionGracePeriodSeconds"] == 30
    assert {"type": "DisruptionTarget", "status": "True", "reason": "DeletionByTaintManager",
            "message": "Taint manager: deleting due to NoExecute taint"}.items() <= condition(
        evicted, "DisruptionTarget").items()
    assert ("Normal", "TaintManagerEviction", "Marking for deletion Pod default/web-quick") in reasons(evicted)
    eviction = next(e for e in store.list_objects(EVENT, "default").items
                    if e["reason"] == "TaintManagerEviction")
    assert eviction["source"] == {"component": "taint-eviction-controller"}
    assert "uid" not in eviction["involvedObject"]

    clock.step(289)
    assert reconcile() == Result.after(1)
    assert not pod("web-1")["metadata"].get("deletionTimestamp")
    clock.step(1)
    assert reconcile() is None
    assert pod("web-1")["metadata"]["deletionTimestamp"]
    assert not pod("web-forever")["metadata"].get("deletionTimestamp")
    assert not pod("elsewhere")["metadata"].get("deletionTimestamp")


def test_a_pod_that_does_not_tolerate_a_no_execute_taint_goes_at_once(demo):
    running_pod("web-1")
    running_pod("web-ok", tolerations=[{"key": "dedicated", "operator": "Equal", "value": "db",
                                        "effect": "NoExecute"}])
    store.guaranteed_update(NODE, None, "node-1", lambda n: n["spec"].update(
        taints=[{"key": "dedicated", "value": "db", "effect": "NoExecute"}]))
    assert reconcile() == Result.after(50)
    assert pod("web-1")["metadata"]["deletionTimestamp"]
    assert not pod("web-ok")["metadata"].get("deletionTimestamp")
    assert condition(pod("web-ok"), "Ready")["status"] == "True"  # the node is Ready


def test_a_node_that_comes_back_loses_its_taints(demo):
    running_pod("web-1")
    clock.step(50)
    reconcile()
    assert taints(node()) == {(UNREACHABLE, "NoSchedule"), (UNREACHABLE, "NoExecute")}
    clock.step(5)
    renew("node-1")
    post_ready("node-1")
    assert reconcile() == Result.after(50)
    assert not taints(node())
    assert not pod("web-1")["metadata"].get("deletionTimestamp")


def test_the_controller_registers_each_node_once(demo):
    reconcile()
    reconcile()
    registered = store.list_objects(EVENT, "default", field_selector="reason=RegisteredNode").items
    assert [(e["count"], e["involvedObject"]["uid"]) for e in registered] == [
        (1, node()["metadata"]["uid"])]


def test_a_kubelet_reporting_not_ready_gets_the_not_ready_taints(demo):
    running_pod("web-1")
    clock.step(5)
    renew("node-1")
    post_ready("node-1", "False")
    assert reconcile() == Result.after(50)
    assert taints(node()) == {(NOT_READY, "NoSchedule"), (NOT_READY, "NoExecute")}
    assert reasons(node()) == {REGISTERED, ("Normal", "NodeNotReady", "Node node-1 status is now: NodeNotReady")}
    assert condition(pod("web-1"), "Ready")["status"] == "False"
    # Then it stops posting altogether: unreachable replaces not-ready.
    clock.step(50)
    reconcile()
    assert taints(node()) == {(UNREACHABLE, "NoSchedule"), (UNREACHABLE, "NoExecute")}


def test_an_unschedulable_node_is_tainted_so(demo):
    store.guaranteed_update(NODE, None, "node-1", lambda n: n["spec"].update(unschedulable=True))
    reconcile()
    assert taints(node()) == {("node.kubernetes.io/unschedulable", "NoSchedule")}
    store.guaranteed_update(NODE, None, "node-1", lambda n: n["spec"].pop("unschedulable"))
    reconcile()
    assert not taints(node())


def test_the_pods_of_a_deleted_node_are_failed_and_deleted_at_once(demo):
    running_pod("web-1")
    running_pod("elsewhere", node_name="node-2")
    revision = store.current_revision()
    store.delete(NODE, None, "node-1")
    assert reconcile() is None
    with pytest.raises(NotFound):
        pod("web-1")
    last = WatchEvent.objects.filter(name="web-1", revision__gt=revision, type="MODIFIED").latest("revision")
    assert last.object["status"]["phase"] == "Failed"
    assert {"type": "DisruptionTarget", "reason": "DeletionByPodGC",
            "message": "PodGC: node no longer exists"}.items() <= condition(last.object, "DisruptionTarget").items()
    assert pod("elsewhere")


def test_keys(demo):
    web = running_pod("web-1")
    assert nodelifecycle.keys_for("MODIFIED", node()) == ["node-1"]
    assert nodelifecycle.keys_for("DELETED", node()) == ["node-1"]
    assert nodelifecycle.keys_for("MODIFIED", web) == ["node-1"]
    assert nodelifecycle.keys_for("DELETED", web) == []
    assert nodelifecycle.keys_for("ADDED", events.record(web, "Normal", "X", "x", component="t")) == []
    store.delete(NODE, None, "node-2")
    store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "orphan"},
                  "spec": {"nodeName": "gone", "containers": [{"name": "a", "image": "nginx"}]}})
    assert nodelifecycle.resync_keys() == ["control-plane", "gone", "node-1"]
