"""Events: recorded about an object, aggregated on repeats, found again by the object."""
import pytest

from cluster import clock, store
from workers import events

pytestmark = pytest.mark.django_db


@pytest.fixture
def pod():
    return store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                         "spec": {"containers": [{"name": "app", "image": "nginx"}]}})


def test_an_event_names_its_object_and_source(pod):
    event = events.record(pod, events.NORMAL, "Scheduled",
                          "Successfully assigned default/web to node-1",
                          component="default-scheduler")
    assert event["involvedObject"]["uid"] == pod["metadata"]["uid"]
    assert event["involvedObject"]["kind"] == "Pod"
    assert event["source"] == {"component": "default-scheduler"}
    assert event["count"] == 1 and event["type"] == "Normal"
    assert event["metadata"]["name"].startswith("web.")


def test_repeats_aggregate_into_one_event(pod):
    clock.pause()
    first = events.record(pod, events.WARNING, "BackOff", "Back-off restarting failed container",
                          component="kubelet", host="node-1")
    clock.step(40)
    again = events.record(pod, events.WARNING, "BackOff", "Back-off restarting failed container",
                          component="kubelet", host="node-1")
    assert again["metadata"]["name"] == first["metadata"]["name"]
    assert again["count"] == 2
    assert again["firstTimestamp"] == first["firstTimestamp"]
    assert again["lastTimestamp"] > first["lastTimestamp"]


def test_events_are_found_by_their_object(pod):
    events.record(pod, events.NORMAL, "Pulling", 'Pulling image "nginx"', component="kubelet")
    events.record(pod, events.NORMAL, "Pulled", 'Successfully pulled image "nginx"',
                  component="kubelet")
    assert [e["reason"] for e in events.for_object(pod)] == ["Pulling", "Pulled"]


def test_events_of_one_instant_are_named_in_the_order_they_happened(pod):
    """kubectl describe leaves events of the same second in list (name) order."""
    clock.pause()
    reasons = ["Pulling", "Pulled", "Created", "Started"]
    for reason in reasons:
        events.record(pod, events.NORMAL, reason, reason, component="kubelet", host="node-1")
    listed = store.list_objects(events.EVENT, "default").items
    assert [e["reason"] for e in listed] == reasons
    name = listed[0]["metadata"]["name"]
    assert name.startswith("web.") and int(name.split(".")[1], 16) > 0  # <name>.<hex nanos>


def test_a_repeat_another_worker_records_aggregates_too(pod, monkeypatch, settings):
    settings.KUBESIM_CONTROL_PLANE = "celery"  # workers in several processes
    first = events.record(pod, events.WARNING, "BackOff", "Back-off", component="kubelet")
    monkeypatch.setattr(events, "_names", type(events._names)())  # another process: no cache
    again = events.record(pod, events.WARNING, "BackOff", "Back-off", component="kubelet")
    assert again["metadata"]["name"] == first["metadata"]["name"] and again["count"] == 2
    other = events.record(pod, events.WARNING, "BackOff", "Back-off", component="kubelet",
                          field_path="spec.containers{app}")
    assert other["metadata"]["name"] != first["metadata"]["name"] and other["count"] == 1


def test_a_nodes_events_are_found_by_its_uid_and_by_the_kubelets_name_uid(db):
    node = store.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}})
    events.record(events.node_reference("n1"), events.NORMAL, "Starting", "Starting kubelet.",
                  component="kubelet", host="n1")
    events.record(events.node_reference("n1", node["metadata"]["uid"]), events.NORMAL,
                  "RegisteredNode", "Node n1 event: Registered Node n1 in Controller",
                  component="node-controller")
    found = events.for_object(node)
    assert [(e["reason"], e["involvedObject"]["uid"], e["metadata"]["namespace"]) for e in found] == [
        ("Starting", "n1", "default"), ("RegisteredNode", node["metadata"]["uid"], "default")]
