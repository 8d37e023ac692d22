"""The ReplicaSet controller: pods to spec.replicas, which pods go first, adoption and release,
self-healing, status with minReadySeconds, and the events kubectl describe shows."""
import re

import pytest

from cluster import store
from cluster.errors import Forbidden
from cluster.models import WatchEvent
from workers.controllers import replicaset
from workers.result import Result

from .conftest import POD, REPLICA_SET, template

pytestmark = pytest.mark.django_db
LABELS = {"app": "web"}


def replica_set(name="web", replicas=3, owner=None, **spec):
    meta = {"name": name, "labels": dict(LABELS)}
    if owner is not None:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner["kind"],
                                    "name": owner["metadata"]["name"],
                                    "uid": owner["metadata"]["uid"], "controller": True}]
    return store.create({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta,
                         "spec": {"replicas": replicas, "selector": {"matchLabels": LABELS},
                                  "template": template(LABELS), **spec}})


def scale(rs_name, replicas):
    def set_replicas(rs):
        rs["spec"]["replicas"] = replicas

    return store.guaranteed_update(REPLICA_SET, "default", rs_name, set_replicas)


def reconcile(name="web"):
    return replicaset.reconcile(f"default/{name}")


def test_creates_pods_from_the_template_with_a_controller_reference(cluster):
    rs = replica_set()
    reconcile()
    pods = cluster.pods(rs)
    assert len(pods) == 3
    for pod in pods:
        assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", pod["metadata"]["name"])
        assert pod["metadata"]["labels"] == LABELS
        assert pod["spec"]["containers"][0]["image"] == "nginx:1.27"
        assert pod["metadata"]["ownerReferences"] == [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web",
            "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    assert sorted(cluster.events(rs)) == [
        ("Normal", "SuccessfulCreate", f"Created pod: {name}") for name in names(pods)]


def test_reconciling_again_creates_nothing_more(cluster):
    rs = replica_set()
    reconcile()
    reconcile()
    reconcile()
    assert len(cluster.pods(rs)) == 3
    assert len(cluster.events(rs)) == 3


def test_status_counts_the_pods_after_they_are_seen(cluster):
    rs = replica_set()
    reconcile()
    # The pods just created show in the next sync, as upstream's status lags its own creates.
    assert cluster.get(REPLICA_SET, "web")["status"] == {
        "replicas": 0, "terminatingReplicas": 0, "observedGeneration": 1}
    reconcile()
    assert cluster.get(REPLICA_SET, "web")["status"] == {
        "replicas": 3, "fullyLabeledReplicas": 3, "terminatingReplicas": 0,
        "observedGeneration": 1}
    for pod in cluster.pods(rs):
        cluster.make_ready(pod)
    assert reconcile() is None
    assert cluster.get(REPLICA_SET, "web")["status"] == {
        "replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
        "terminatingReplicas": 0, "observedGeneration": 1}


def test_a_burst_starts_slow_and_stops_at_the_first_failed_batch(cluster, monkeypatch):
    rs = replica_set(replicas=10)
    calls, create = [], store.create

    def quota(obj, **kwargs):
        if obj["kind"] != "Pod":
            return create(obj, **kwargs)
        calls.append(obj["metadata"]["generateName"])
        if len(calls) == 4:
            raise Forbidden('pods "web-x" is forbidden: exceeded quota: pods, requested: pods=1, '
                            "used: pods=3, limited: pods=3")
        return create(obj, **kwargs)

    monkeypatch.setattr(replicaset.store, "create", quota)
    hint = reconcile()
    # Batches of 1, 2, then 4 of which one failed: 6 made, the last batch of 3 never tried.
    assert len(calls) == 7 and len(cluster.pods(rs)) == 6
    message = ('Error creating: pods "web-x" is forbidden: exceeded quota: pods, requested: '
               "pods=1, used: pods=3, limited: pods=3")
    assert ("Warning", "FailedCreate", message) in cluster.events(rs)
    condition = cluster.get(REPLICA_SET, "web")["status"]["conditions"][0]
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "ReplicaFailure", "True", "FailedCreate")
    assert hint == Result.after(1)

    monkeypatch.setattr(replicaset.store, "create", create)
    cluster.step(1)
    reconcile()
    reconcile()
    assert len(cluster.pods(rs)) == 10
    assert "conditions" not in cluster.get(REPLICA_SET, "web")["status"]


def test_scale_down_deletes_unscheduled_pending_and_unready_pods_first(cluster):
    rs = replica_set(replicas=5)
    reconcile()
    unscheduled, pending, unready, ready_long, ready_short = cluster.pods(rs)
    for pod in (pending, unready, ready_long, ready_short):
        cluster.bind(pod, "node-1")
    _running_not_ready(unready)
    cluster.make_ready(ready_long)
    cluster.step(1000)
    cluster.make_ready(ready_short)
    cluster.step(10)

    expected = [unscheduled, pending, unready, ready_short]
    for replicas, victim in zip((4, 3, 2, 1), expected):
        scale("web", replicas)
        reconcile()
        assert victim["metadata"]["name"] not in names(cluster.pods(rs)), victim["metadata"]["name"]
        assert ("Normal", "SuccessfulDelete", f"Deleted pod: {victim['metadata']['name']}") in \
            cluster.events(rs)
    assert names(cluster.pods(rs)) == [ready_long["metadata"]["name"]]


def test_of_equal_pods_those_on_crowded_nodes_restarting_or_newer_go_first(cluster):
    owner = store.create({"apiVersion": "apps/v1", "kind": "Deployment",
                          "metadata": {"name": "web"},
                          "spec": {"selector": {"matchLabels": LABELS}, "template": template(LABELS)}})
    rs = replica_set(replicas=4, owner=owner)
    reconcile()
    crowded, also_crowded, restarting, alone = cluster.pods(rs)
    for pod, node in ((crowded, "node-1"), (also_crowded, "node-1"), (restarting, "node-2"),
                      (alone, "node-3")):
        cluster.bind(pod, node)
        cluster.make_ready(pod, restarts=5 if pod is restarting else 0)
    cluster.step(60)

    # node-1 runs two of them: one of those goes first (equal otherwise: the first listed).
    scale("web", 3)
    reconcile()
    assert names(cluster.pods(rs)) == names([also_crowded, restarting, alone])
    # Now one pod per node: of equals, the one whose container restarted most.
    scale("web", 2)
    reconcile()
    assert names(cluster.pods(rs)) == names([also_crowded, alone])


def test_pod_deletion_cost_protects_a_pod(cluster):
    rs = replica_set(replicas=2)
    reconcile()
    _, costly = cluster.pods(rs)

    def annotate(pod):
        pod["metadata"]["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": "100"}

    store.guaranteed_update(POD, "default", costly["metadata"]["name"], annotate)
    scale("web", 1)
    reconcile()
    assert names(cluster.pods(rs)) == [costly["metadata"]["name"]]


def test_adopts_matching_orphans_and_leaves_the_rest(cluster):
    orphan = cluster.create_pod("orphan", LABELS)
    other = cluster.create_pod("other", {"app": "db"})
    rs = replica_set(replicas=2)
    reconcile()
    adopted = cluster.get(POD, "orphan")
    assert adopted["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": rs["metadata"]["uid"],
        "controller": True, "blockOwnerDeletion": True}]
    assert adopted["metadata"]["uid"] == orphan["metadata"]["uid"]
    assert len(cluster.pods(rs)) == 2  # the orphan and one new pod
    assert "ownerReferences" not in cluster.get(POD, "other")["metadata"]
    assert other["metadata"]["uid"] == cluster.get(POD, "other")["metadata"]["uid"]


def test_an_orphan_being_deleted_is_not_adopted(cluster):
    cluster.create_pod("leaving", LABELS, node="node-1")
    store.delete(POD, "default", "leaving")  # graceful: it stays, terminating
    rs = replica_set(replicas=1)
    reconcile()
    assert "ownerReferences" not in cluster.get(POD, "leaving")["metadata"]
    assert len(cluster.pods(rs)) == 1


def test_releases_a_pod_relabelled_out_of_its_selector_and_replaces_it(cluster):
    rs = replica_set(replicas=2)
    reconcile()
    pod = cluster.pods(rs)[0]

    def relabel(p):
        p["metadata"]["labels"] = {"app": "debug"}

    store.guaranteed_update(POD, "default", pod["metadata"]["name"], relabel)
    reconcile()
    released = cluster.get(POD, pod["metadata"]["name"])
    assert "ownerReferences" not in released["metadata"]
    assert len(cluster.pods(rs)) == 2
    assert pod["metadata"]["name"] not in names(cluster.pods(rs))


def test_a_deleted_pod_comes_back(cluster):
    rs = replica_set()
    reconcile()
    gone = cluster.pods(rs)[0]
    store.delete(POD, "default", gone["metadata"]["name"])
    reconcile()
    pods = cluster.pods(rs)
    assert len(pods) == 3 and gone["metadata"]["name"] not in names(pods)


def test_terminating_pods_are_replaced_and_counted_apart(cluster):
    rs = replica_set()
    reconcile()
    leaving = cluster.bind(cluster.pods(rs)[0], "node-1")
    store.delete(POD, "default", leaving["metadata"]["name"])  # a kubelet has 30s to stop it
    reconcile()
    reconcile()
    assert len(cluster.pods(rs)) == 3
    assert len(cluster.pods(rs, terminating=True)) == 4
    status = cluster.get(REPLICA_SET, "web")["status"]
    assert (status["replicas"], status["terminatingReplicas"]) == (3, 1)


def test_available_only_after_min_ready_seconds(cluster):
    rs = replica_set(minReadySeconds=10)
    reconcile()
    for pod in cluster.pods(rs):
        cluster.make_ready(pod)
    # Ready now, available once ready for more than 10s: look again then (a second late).
    assert reconcile() == Result.after(11)
    status = cluster.get(REPLICA_SET, "web")["status"]
    assert status["readyReplicas"] == 3 and "availableReplicas" not in status
    cluster.step(10)
    assert reconcile() == Result.after(1)
    assert "availableReplicas" not in cluster.get(REPLICA_SET, "web")["status"]
    cluster.step(1)
    assert reconcile() is None
    assert cluster.get(REPLICA_SET, "web")["status"]["availableReplicas"] == 3


def test_a_replica_set_being_deleted_makes_no_pods(cluster):
    rs = replica_set()
    store.delete(REPLICA_SET, "default", "web", propagation_policy="Foreground")
    reconcile()
    assert cluster.pods(rs) == []


def test_a_replica_set_gone_needs_nothing(cluster):
    assert reconcile("nothing") is None


def test_changes_wake_the_replica_sets_they_concern(cluster):
    rs = replica_set()
    reconcile()
    pod = cluster.pods(rs)[0]
    orphan = cluster.create_pod("orphan", LABELS)
    stranger = cluster.create_pod("stranger", {"app": "db"})
    assert list(replicaset.keys_for(WatchEvent.MODIFIED, rs)) == ["default/web"]
    assert list(replicaset.keys_for(WatchEvent.DELETED, pod)) == ["default/web"]
    assert list(replicaset.keys_for(WatchEvent.ADDED, orphan)) == ["default/web"]
    assert list(replicaset.keys_for(WatchEvent.DELETED, orphan)) == []
    assert list(replicaset.keys_for(WatchEvent.ADDED, stranger)) == []
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web"}}
    assert list(replicaset.keys_for(WatchEvent.ADDED, config)) == []
    assert replicaset.resync_keys() == ["default/web"]


def _running_not_ready(pod):
    def running(p):
        p["status"] = {**p["status"], "phase": "Running",
                       "conditions": [{"type": "Ready", "status": "False"}]}

    return store.guaranteed_update(POD, "default", pod["metadata"]["name"], running,
                                   subresource="status")


def names(pods):
    return sorted(p["metadata"]["name"] for p in pods)
