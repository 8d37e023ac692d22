"""The events a kubelet records about its Node: at start, on condition changes and on cordon /
uncordon, each once; an idle node records nothing more."""
import pytest

from cluster import kinds, store
from workers.kubelet import kubelet

from .conftest import NODE

pytestmark = pytest.mark.django_db

EVENT = kinds.lookup("events")
STARTED = [("Starting", "Starting kubelet."),
           ("NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")]
PRESSURE = ("NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID")


def node_events():
    """(reason, message, count) of the kubelet's events about node-1, as `kubectl describe node`
    finds them: by kind, name, the node's name as uid and an empty namespace."""
    found = store.list_objects(EVENT, None, field_selector=(
        "involvedObject.kind=Node,involvedObject.name=node-1,involvedObject.uid=node-1,"
        "involvedObject.namespace=")).items
    return [(e["reason"], e["message"], e["count"]) for e in sorted(
        found, key=lambda e: e["metadata"]["name"])]


def status_now(reason):
    return reason, f"Node node-1 status is now: {reason}", 1


def cordon(unschedulable):
    store.guaranteed_update(NODE, None, "node-1",
                            lambda n: n["spec"].update(unschedulable=unschedulable))


def test_a_new_node_records_start_and_each_condition_once(sync, step):
    store.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    sync()
    assert node_events() == [(r, m, 1) for r, m in STARTED] + [
        status_now(r) for r in (*PRESSURE, "NodeReady")]
    event = store.list_objects(EVENT, "default").items[0]
    assert event["involvedObject"] == {"kind": "Node", "name": "node-1", "uid": "node-1"}
    assert event["source"] == {"component": "kubelet", "host": "node-1"}
    before = len(node_events())
    for _ in range(31):
        step(10)  # heartbeats, and a status report at five minutes
    assert len(node_events()) == before


def test_cordon_and_uncordon_are_recorded_by_the_kubelet(node, sync):
    sync()  # a registered node's pressure conditions are recorded at start all the same
    cordon(True)
    sync()
    sync()
    cordon(False)
    sync()
    assert node_events() == [(r, m, 1) for r, m in STARTED] + [
        status_now(r) for r in (*PRESSURE, "NodeNotSchedulable", "NodeSchedulable")]


def test_a_restarted_kubelet_records_starting_and_ready_again(node, sync):
    sync()
    kubelet.set_running("node-1", False)

    def unknown(obj):
        for condition in obj["status"]["conditions"]:
            condition.update(status="Unknown", reason="NodeStatusUnknown")
    store.guaranteed_update(NODE, None, "node-1", unknown, subresource="status")
    kubelet.set_running("node-1", True)
    sync()
    counts = {reason: count for reason, _, count in node_events()}
    # Pressure: once at the first start, once as Unknown turns back to False; Ready only then.
    assert counts == {"Starting": 2, "NodeAllocatableEnforced": 2, "NodeHasSufficientMemory": 2,
                      "NodeHasNoDiskPressure": 2, "NodeHasSufficientPID": 2, "NodeReady": 1}
