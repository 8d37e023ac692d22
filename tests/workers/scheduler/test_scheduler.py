"""The scheduling loop: queue order, binding exactly once, events, verdicts, back-off and retries,
idempotence."""
import pytest

from cluster import binding, clock, store
from cluster.errors import Conflict
from cluster.models import WatchEvent
from workers import events
from workers.models import SchedulingVerdict
from workers.scheduler import queue, scheduler

from .objects import NODE, POD, condition, get_pod, node, node_of, pod

pytestmark = pytest.mark.django_db


def writes_during(fn):
    """The store revisions and the verdict rows a call changed."""
    before = (store.current_revision(), list(SchedulingVerdict.objects.values()))
    fn()
    return (store.current_revision(), list(SchedulingVerdict.objects.values())) != before


def test_a_pod_is_bound_with_its_condition_and_event(schedule):
    node("node-1")
    pod("web-5d9c8b7f6-x2x7q")
    assert schedule() is None
    bound = get_pod("web-5d9c8b7f6-x2x7q")
    assert bound["spec"]["nodeName"] == "node-1"
    assert condition("web-5d9c8b7f6-x2x7q")["status"] == "True"
    [event] = events.for_object(bound)
    assert (event["type"], event["reason"], event["message"], event["source"]) == (
        "Normal", "Scheduled", "Successfully assigned default/web-5d9c8b7f6-x2x7q to node-1",
        {"component": "default-scheduler"})


def test_the_verdict_has_every_node(schedule):
    node("node-1", taints=[{"key": "gpu", "effect": "NoSchedule"}])
    node("node-2")
    node("node-3")
    pod("web", cpu="1")
    schedule()
    verdict = SchedulingVerdict.objects.get(name="web")
    assert verdict.node_name == node_of("web")
    nodes = verdict.verdict["nodes"]
    assert nodes["node-1"] == {"filter": "TaintToleration",
                               "reasons": ["node(s) had untolerated taint(s)"]}
    for name in ("node-2", "node-3"):
        assert set(nodes[name]["scores"]) == {"TaintToleration", "NodeResourcesFit",
                                              "NodeResourcesBalancedAllocation"}
        assert nodes[name]["total"] == sum(nodes[name]["scores"].values())


def test_higher_priority_goes_first(schedule):
    node("node-1", cpu="1")
    pod("batch", cpu="800m", priority=0)
    pod("urgent", cpu="800m", priority=1000)
    schedule()
    assert (node_of("urgent"), node_of("batch")) == ("node-1", None)


def test_older_pods_go_first_at_equal_priority(schedule):
    node("node-1", cpu="1")
    pod("first", cpu="800m")
    clock.step(1)
    pod("second", cpu="800m")
    schedule()
    assert (node_of("first"), node_of("second")) == ("node-1", None)


def test_nodes_are_never_overfilled(schedule):
    for name in ("node-1", "node-2", "node-3"):
        node(name, cpu="1", pods="4")
    names = [f"web-{i}" for i in range(12)]
    for name in names:
        pod(name, cpu="300m")
    schedule()
    placed = [node_of(name) for name in names]
    assert sorted(placed.count(n) for n in ("node-1", "node-2", "node-3")) == [3, 3, 3]
    assert placed.count(None) == 3


def test_a_second_run_on_an_unchanged_cluster_writes_nothing(schedule):
    node("node-1", cpu="1")
    pod("web", cpu="500m")
    pod("big", cpu="2")
    schedule()
    assert not writes_during(schedule)
    clock.step(30)  # the back-off is long over, but nothing happened that could make room
    assert not writes_during(schedule)


def test_a_pod_is_bound_once_even_by_two_cycles(schedule, monkeypatch):
    """A second cycle working from a stale view of the pod finds it bound and leaves it."""
    node("node-1")
    node("node-2")
    stale = pod("web")
    schedule()
    first = node_of("web")
    queued = queue.QueuedPod(stale["metadata"]["uid"], int(stale["metadata"]["resourceVersion"]),
                             None, pod=stale)
    monkeypatch.setattr(queue.SchedulingQueue, "load", classmethod(lambda cls, _: cls([queued])))
    monkeypatch.setattr(queue.SchedulingQueue, "read", staticmethod(lambda pods: pods))
    schedule()
    monkeypatch.undo()
    assert node_of("web") == first
    [event] = events.for_object(get_pod("web"))
    assert event["count"] == 1
    with pytest.raises(Conflict, match="pod web is already assigned to node"):
        binding.bind("default", "web", "node-2")


def test_an_unschedulable_pod_backs_off_then_fits_a_new_node(schedule):
    node("node-1", cpu="1")
    pod("big", cpu="2")
    assert schedule() == scheduler.Result.after(queue.MAX_IN_UNSCHEDULABLE_PODS_SECONDS)
    assert condition("big")["reason"] == "Unschedulable"
    verdict = SchedulingVerdict.objects.get(name="big")
    assert (verdict.attempts, verdict.backoff_until - verdict.attempted_at) == (1, 1.0)

    node("node-2", cpu="4")  # the change that may make room: wakes the pod, after its back-off
    assert scheduler.keys_for(WatchEvent.ADDED, store.get(NODE, None, "node-2")) == ("queue",)
    assert schedule() == scheduler.Result.after(1.0)
    assert node_of("big") is None
    clock.step(1)
    assert schedule() is None
    assert node_of("big") == "node-2"
    assert condition("big")["status"] == "True"
    assert SchedulingVerdict.objects.get(name="big").attempts == 2


def test_back_off_doubles_up_to_ten_seconds():
    assert [queue.backoff_seconds(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_a_waiting_pod_is_retried_after_five_minutes_anyway(schedule):
    node("node-1", cpu="1")
    pod("big", cpu="2")
    schedule()
    clock.step(queue.MAX_IN_UNSCHEDULABLE_PODS_SECONDS)
    schedule()
    assert SchedulingVerdict.objects.get(name="big").attempts == 2
    [event] = [e for e in events.for_object(get_pod("big")) if e["reason"] == "FailedScheduling"]
    assert event["count"] == 2


def test_a_node_heartbeat_moves_no_waiting_pod(schedule):
    """Only what scheduling sees of a node counts as a change (nodeSchedulingPropertiesChange)."""
    node("node-1", cpu="1")
    pod("big", cpu="2")
    schedule()

    def heartbeat(node_obj):
        node_obj["status"]["conditions"][0]["lastHeartbeatTime"] = "2030-01-01T00:00:00Z"

    store.guaranteed_update(NODE, None, "node-1", heartbeat, subresource="status")
    clock.step(1)
    assert not writes_during(schedule)
    store.guaranteed_update(NODE, None, "node-1", lambda n: n["metadata"]["labels"].update(x="y"))
    assert writes_during(schedule)
    assert SchedulingVerdict.objects.get(name="big").attempts == 2


def test_a_freed_node_wakes_waiting_pods(schedule):
    node("node-1", cpu="1")
    pod("old", cpu="800m", nodeName="node-1")
    pod("web", cpu="800m")
    schedule()
    deleted, _ = store.delete(POD, "default", "old", grace_period_seconds=0)
    assert scheduler.keys_for(WatchEvent.DELETED, deleted) == ("queue",)
    clock.step(1)
    schedule()
    assert node_of("web") == "node-1"


def test_the_condition_is_written_only_when_it_changes(schedule):
    node("node-1", cpu="1")
    pod("big", cpu="2")
    schedule()
    written = get_pod("big")["metadata"]["resourceVersion"]
    node("node-2", cpu="1")  # a change, but still no room: same message but the node count
    clock.step(1)
    schedule()
    assert condition("big")["message"].startswith("0/2 nodes are available: 2 Insufficient cpu.")
    rewritten = get_pod("big")["metadata"]["resourceVersion"]
    store.guaranteed_update(NODE, None, "node-2", lambda n: n["metadata"]["labels"].update(x="y"))
    clock.step(2)
    schedule()
    assert rewritten != written
    assert get_pod("big")["metadata"]["resourceVersion"] == rewritten  # same message: no write


def test_keys_for():
    pending = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {}}
    running = {"kind": "Pod", "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}}
    done = {"kind": "Pod", "spec": {"nodeName": "n1"}, "status": {"phase": "Succeeded"}}
    assert scheduler.keys_for(WatchEvent.ADDED, pending) == ("queue",)
    assert scheduler.keys_for(WatchEvent.MODIFIED, running) == ()
    assert scheduler.keys_for(WatchEvent.DELETED, running) == ("queue",)
    assert scheduler.keys_for(WatchEvent.MODIFIED, done) == ("queue",)
    assert scheduler.keys_for(WatchEvent.MODIFIED, {"kind": "Node"}) == ("queue",)
    assert scheduler.keys_for(WatchEvent.ADDED, {"kind": "ConfigMap"}) == ()
    assert list(scheduler.resync_keys()) == ["queue"]


def test_gated_pods_and_other_schedulers_pods_are_left_alone(schedule):
    node("node-1")
    pod("gated", schedulingGates=[{"name": "example.com/wait"}])
    pod("theirs", schedulerName="my-scheduler")
    schedule()
    assert (node_of("gated"), node_of("theirs")) == (None, None)
    assert not SchedulingVerdict.objects.exists()


def test_a_large_cluster_is_searched_in_turns_and_verdicts_are_capped(schedule):
    for i in range(120):
        node(f"node-{i:03}", unschedulable=i % 4 == 0)
    pod("web")
    schedule()
    verdict = SchedulingVerdict.objects.get(name="web").verdict
    assert len(verdict["nodes"]) == scheduler.VERDICT_NODES
    assert verdict["omittedNodes"] == 120 - scheduler.VERDICT_NODES
    assert node_of("web") in verdict["nodes"]  # the chosen node always stays
