"""The Deployment controller: the new ReplicaSet and its hash, rolling updates within maxSurge and
maxUnavailable at every step, Recreate, rollback, revision history, pause and resume, the progress
deadline, and the conditions and events kubectl shows."""
import copy
import re

import pytest

from cluster import store
from cluster.models import ReplicaSet, WatchEvent
from workers import inline, runtime
from workers.controllers import deployment, deploymentutil, replicaset
from workers.result import Result

from .conftest import DEPLOYMENT, POD, REPLICA_SET, template

pytestmark = pytest.mark.django_db
LABELS = {"app": "web"}
HASH = r"[bcdfghjklmnpqrstvwxz2456789]{6,10}"


def create_deployment(name="web", replicas=3, image="nginx:1.27", **spec):
    return store.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
                         "spec": {"replicas": replicas, "selector": {"matchLabels": LABELS},
                                  "template": template(LABELS, image), **spec}})


def change(mutate, name="web"):
    """Edit the Deployment's spec, as kubectl set image / scale / rollout pause would."""
    def apply(d):
        mutate(d["spec"])

    return store.guaranteed_update(DEPLOYMENT, "default", name, apply)


def set_image(image):
    return change(lambda spec: spec["template"]["spec"]["containers"][0].update(image=image))


def reconcile(name="web"):
    return deployment.reconcile(f"default/{name}")


def replica_sets():
    """The ReplicaSets, oldest first."""
    return sorted(ReplicaSet.objects.objects(), key=deploymentutil.by_creation)


def status_of(name="web"):
    return store.get(DEPLOYMENT, "default", name)["status"]


def condition(name, condition_type):
    c = deploymentutil.get_condition(status_of(name), condition_type)
    return c and (c["status"], c["reason"], c["message"])


def complete_rollout(cluster):
    """Settle, making every pod ready, until the Deployment reports its rollout complete."""
    for _ in range(50):
        cluster.settle()
        pods = [p for rs in replica_sets() for p in cluster.make_all_ready(rs)]
        if not pods and condition("web", "Progressing")[1] == "NewReplicaSetAvailable":
            return
    raise AssertionError("the rollout did not complete")


def test_creates_a_new_replica_set_named_after_its_template_hash(cluster):
    d = create_deployment()
    reconcile()
    (rs,) = replica_sets()
    name = rs["metadata"]["name"]
    pod_template_hash = rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"]
    assert re.fullmatch(HASH, pod_template_hash) and name == f"web-{pod_template_hash}"
    assert rs["metadata"]["labels"] == {**LABELS, "pod-template-hash": pod_template_hash}
    assert rs["spec"]["selector"] == {"matchLabels": {**LABELS,
                                                      "pod-template-hash": pod_template_hash}}
    assert rs["spec"]["replicas"] == 3
    assert rs["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1",
                                             "deployment.kubernetes.io/desired-replicas": "3",
                                             "deployment.kubernetes.io/max-replicas": "4"}
    assert rs["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": d["metadata"]["uid"],
        "controller": True, "blockOwnerDeletion": True}]
    d = store.get(DEPLOYMENT, "default", "web")
    assert d["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1"}
    assert d["metadata"]["generation"] == 1  # the revision annotation is no change of spec
    assert cluster.events(d) == [("Normal", "ScalingReplicaSet",
                                  f"Scaled up replica set {name} from 0 to 3")]
    assert condition("web", "Progressing") == ("True", "NewReplicaSetCreated",
                                               f'Created new replica set "{name}"')
    assert condition("web", "Available") == ("False", "MinimumReplicasUnavailable",
                                             "Deployment does not have minimum availability.")


def test_the_hash_follows_the_template_and_the_collision_count():
    t = template(LABELS)
    assert deploymentutil.compute_hash(t) == deploymentutil.compute_hash(copy.deepcopy(t))
    assert deploymentutil.compute_hash(t) != deploymentutil.compute_hash(template(LABELS, "x"))
    assert deploymentutil.compute_hash(t, 1) != deploymentutil.compute_hash(t)
    assert re.fullmatch(HASH, deploymentutil.compute_hash(t, 7))


def test_a_hash_collision_is_resolved_with_the_next_hash(cluster):
    d = create_deployment()
    taken = f"web-{deploymentutil.compute_hash(d['spec']['template'])}"
    # Someone else's ReplicaSet already has the name (and labels this Deployment does not select).
    store.create({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": taken},
                  "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "other"}},
                           "template": template({"app": "other"})}})
    assert reconcile() == Result.after(1)
    assert status_of()["collisionCount"] == 1
    reconcile()
    expected = f"web-{deploymentutil.compute_hash(d['spec']['template'], 1)}"
    assert sorted(rs["metadata"]["name"] for rs in replica_sets()) == sorted([taken, expected])
    assert status_of()["collisionCount"] == 1


def test_reconciling_again_creates_nothing_and_waits_for_the_deadline(cluster):
    create_deployment(progressDeadlineSeconds=60)
    reconcile()
    reconcile()
    assert reconcile() == Result.after(61)
    assert len(replica_sets()) == 1
    assert len(cluster.events(store.get(DEPLOYMENT, "default", "web"))) == 1


def test_a_finished_rollout_reports_its_status(cluster):
    create_deployment()
    complete_rollout(cluster)
    (rs,) = replica_sets()
    status = status_of()
    assert {k: v for k, v in status.items() if k != "conditions"} == {
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
        "availableReplicas": 3, "terminatingReplicas": 0}
    assert condition("web", "Available") == ("True", "MinimumReplicasAvailable",
                                             "Deployment has minimum availability.")
    assert condition("web", "Progressing") == (
        "True", "NewReplicaSetAvailable",
        f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.')
    assert [c["type"] for c in status["conditions"]] == ["Available", "Progressing"]
    assert cluster.settle() == {}  # nothing left to wait for


def test_a_rolling_update_keeps_within_max_surge_and_max_unavailable_at_every_step(cluster):
    create_deployment(replicas=10)  # 25% of 10: surge 3 (rounded up), unavailable 2 (down)
    complete_rollout(cluster)
    (old,) = replica_sets()
    set_image("nginx:1.28")

    def check(step):
        pods = cluster.pods()
        assert len(pods) <= 10 + 3, f"{len(pods)} pods at step {step}"
        assert sum(rs["spec"]["replicas"] for rs in replica_sets()) <= 10 + 3
        ready = [p for p in pods if p["status"].get("conditions")]  # make_ready's, all True
        assert len(ready) >= 10 - 2, f"{len(ready)} ready pods at step {step}"

    def rolled_out():
        return (condition("web", "Progressing")[1] == "NewReplicaSetAvailable"
                and all(_image(p) == "nginx:1.28" for p in cluster.pods()))

    step = 0
    while not rolled_out():
        step += 1
        assert step < 100, "the rollout did not finish"
        reconcile()
        check(step)
        for rs in replica_sets():
            for _ in ("pods", "status"):
                replicaset.reconcile(f"default/{rs['metadata']['name']}")
                check(step)
        pending = [p for p in cluster.pods() if p["status"]["phase"] == "Pending"]
        for pod in pending[:2]:  # two at a time come up: the rollout waits on them
            cluster.make_ready(pod)
        check(step)

    old_rs, new_rs = replica_sets()
    assert old_rs["metadata"]["uid"] == old["metadata"]["uid"]
    assert (old_rs["spec"]["replicas"], new_rs["spec"]["replicas"]) == (0, 10)
    new_name, old_name = new_rs["metadata"]["name"], old["metadata"]["name"]
    scaling = [m for _, reason, m in cluster.events(store.get(DEPLOYMENT, "default", "web"))
               if reason == "ScalingReplicaSet"]
    assert scaling[:3] == [f"Scaled up replica set {old_name} from 0 to 10",
                           f"Scaled up replica set {new_name} from 0 to 3",
                           f"Scaled down replica set {old_name} from 10 to 8"]
    assert re.fullmatch(f"Scaled down replica set {old_name} from [0-9]+ to 0", scaling[-1])
    annotations = store.get(DEPLOYMENT, "default", "web")["metadata"]["annotations"]
    assert annotations["deployment.kubernetes.io/revision"] == "2"


def _image(pod):
    return pod["spec"]["containers"][0]["image"]


def test_recreate_stops_every_old_pod_before_starting_new_ones(cluster):
    create_deployment(strategy={"type": "Recreate"})
    complete_rollout(cluster)
    (old,) = replica_sets()
    for pod in cluster.pods(old):
        cluster.bind(pod, "node-1")  # on a node, a deleted pod terminates for its grace period
    set_image("nginx:1.28")
    cluster.settle()
    assert replica_sets()[0]["spec"]["replicas"] == 0
    assert len(replica_sets()) == 1, "no new ReplicaSet while old pods still terminate"
    terminating = cluster.pods(old, terminating=True)
    assert len(terminating) == 3 and all(p["metadata"].get("deletionTimestamp")
                                         for p in terminating)
    d = store.get(DEPLOYMENT, "default", "web")
    for pod in terminating:  # what the kubelet does once the containers stopped
        gone, _ = store.delete(POD, "default", pod["metadata"]["name"], grace_period_seconds=0)
        assert list(deployment.keys_for(WatchEvent.DELETED, gone)) == ["default/web"]
    cluster.settle()
    old_rs, new_rs = replica_sets()
    assert (old_rs["spec"]["replicas"], new_rs["spec"]["replicas"]) == (0, 3)
    scaling = [m for _, reason, m in cluster.events(d) if reason == "ScalingReplicaSet"]
    assert scaling[-2:] == [f"Scaled down replica set {old['metadata']['name']} from 3 to 0",
                            f"Scaled up replica set {new_rs['metadata']['name']} from 0 to 3"]


def test_rolling_back_reuses_the_old_replica_set_as_the_newest_revision(cluster):
    create_deployment(replicas=4)
    complete_rollout(cluster)
    first_template = copy.deepcopy(store.get(DEPLOYMENT, "default", "web")["spec"]["template"])
    set_image("nginx:1.28")
    complete_rollout(cluster)
    first, second = replica_sets()

    # kubectl rollout undo: the old ReplicaSet's template, without its hash, into the Deployment.
    change(lambda spec: spec.update(template=first_template))
    reconcile()
    assert len(replica_sets()) == 2
    first = store.get(REPLICA_SET, "default", first["metadata"]["name"])
    assert first["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert first["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    complete_rollout(cluster)
    first, second = (store.get(REPLICA_SET, "default", rs["metadata"]["name"])
                     for rs in (first, second))
    assert (first["spec"]["replicas"], second["spec"]["replicas"]) == (4, 0)
    d = store.get(DEPLOYMENT, "default", "web")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert condition("web", "Progressing")[2] == (
        f'ReplicaSet "{first["metadata"]["name"]}" has successfully progressed.')


def test_old_replica_sets_beyond_the_revision_history_limit_are_deleted(cluster):
    create_deployment(replicas=1, revisionHistoryLimit=2)
    complete_rollout(cluster)
    for version in ("1.28", "1.29", "1.30"):
        set_image(f"nginx:{version}")
        complete_rollout(cluster)
    revisions = sorted(int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
                       for rs in replica_sets())
    assert revisions == [2, 3, 4]  # revision 1 went: two old ones are kept, and the new


def test_paused_rollouts_wait_and_resume(cluster):
    create_deployment(replicas=4, progressDeadlineSeconds=60)
    complete_rollout(cluster)
    (old,) = replica_sets()
    change(lambda spec: spec.update(paused=True))
    reconcile()
    assert condition("web", "Progressing") == ("Unknown", "DeploymentPaused",
                                               "Deployment is paused")
    set_image("nginx:1.28")
    change(lambda spec: spec.update(replicas=5))  # scaling still works while paused
    cluster.settle()
    assert [rs["spec"]["replicas"] for rs in replica_sets()] == [5]
    assert status_of()["observedGeneration"] == 4
    cluster.step(600)  # paused far beyond the deadline: that time does not count

    change(lambda spec: spec.update(paused=False))
    reconcile()
    old_rs, new_rs = replica_sets()
    assert old_rs["metadata"]["uid"] == old["metadata"]["uid"]
    assert condition("web", "Progressing") == (
        "True", "NewReplicaSetCreated", f'Created new replica set "{new_rs["metadata"]["name"]}"')
    events = cluster.events(store.get(DEPLOYMENT, "default", "web"))
    assert ("Normal", "ScalingReplicaSet",
            f"Scaled up replica set {old['metadata']['name']} from 4 to 5") in events
    complete_rollout(cluster)
    assert condition("web", "Progressing")[1] == "NewReplicaSetAvailable"


def test_resuming_is_marked_before_the_rollout_goes_on(cluster):
    create_deployment(paused=True)
    reconcile()
    assert replica_sets() == []
    change(lambda spec: spec.update(paused=False))
    reconcile()
    # As a watch saw it: first "resumed", then the rollout it let go on.
    seen = []
    for event in WatchEvent.matching(DEPLOYMENT, "default", "web").order_by("revision"):
        progressing = deploymentutil.get_condition(event.object.get("status"), "Progressing")
        if progressing and progressing["reason"] not in seen[-1:]:
            seen.append(progressing["reason"])
    assert seen == ["DeploymentPaused", "DeploymentResumed", "NewReplicaSetCreated"]


def test_a_rollout_without_progress_exceeds_its_deadline(cluster):
    create_deployment(progressDeadlineSeconds=60)
    hints = cluster.settle()
    (rs,) = replica_sets()
    name = rs["metadata"]["name"]
    assert hints == {("deployment", "default/web"): Result.after(61)}
    assert condition("web", "Progressing") == ("True", "ReplicaSetUpdated",
                                               f'ReplicaSet "{name}" is progressing.')
    cluster.step(60)
    assert reconcile() == Result.after(1)  # at the deadline, not yet past it
    cluster.step(1)
    assert reconcile() is None
    assert condition("web", "Progressing") == ("False", "ProgressDeadlineExceeded",
                                               f'ReplicaSet "{name}" has timed out progressing.')
    complete_rollout(cluster)  # pods coming up late still complete it
    assert condition("web", "Progressing") == (
        "True", "NewReplicaSetAvailable", f'ReplicaSet "{name}" has successfully progressed.')


def test_progress_moves_the_deadline(cluster):
    create_deployment(replicas=2, progressDeadlineSeconds=60)
    cluster.settle()
    cluster.step(50)
    cluster.make_ready(cluster.pods()[0])
    cluster.settle()
    updated = deploymentutil.get_condition(status_of(), "Progressing")
    assert updated["reason"] == "ReplicaSetUpdated"
    assert updated["lastUpdateTime"] > updated["lastTransitionTime"]
    cluster.step(30)  # 80s since the rollout began, 30s since it last moved
    assert reconcile() == Result.after(31)


def test_min_ready_seconds_delays_availability(cluster):
    create_deployment(replicas=2, minReadySeconds=5)
    cluster.settle()
    (rs,) = replica_sets()
    assert rs["spec"]["minReadySeconds"] == 5
    cluster.make_all_ready(rs)
    hints = cluster.settle()
    assert hints[("replicaset", f"default/{rs['metadata']['name']}")] == Result.after(6)
    assert "availableReplicas" not in status_of()
    cluster.step(6)
    cluster.settle()
    assert status_of()["availableReplicas"] == 2
    assert condition("web", "Available")[1] == "MinimumReplicasAvailable"


def test_scaling_mid_rollout_is_shared_in_proportion(cluster):
    create_deployment(replicas=10)
    complete_rollout(cluster)
    set_image("nginx:1.28")
    reconcile()  # new 0 -> 3, old 10 -> 8
    old, new = replica_sets()
    assert (old["spec"]["replicas"], new["spec"]["replicas"]) == (8, 3)
    change(lambda spec: spec.update(replicas=20))
    reconcile()
    old, new = (store.get(REPLICA_SET, "default", rs["metadata"]["name"]) for rs in (old, new))
    # 20 + 25% surge = 25 to share: 8 of 13 and 3 of 13 scaled to 25, the leftover to the biggest.
    assert (old["spec"]["replicas"], new["spec"]["replicas"]) == (19, 6)
    for rs in (old, new):
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "20"
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "25"
    events = [m for _, r, m in cluster.events(store.get(DEPLOYMENT, "default", "web"))]
    assert f"Scaled up replica set {old['metadata']['name']} from 8 to 19" in events
    assert f"Scaled up replica set {new['metadata']['name']} from 3 to 6" in events


def test_adopts_an_orphaned_replica_set_with_its_template(cluster):
    create_deployment()
    complete_rollout(cluster)
    (rs,) = replica_sets()
    d = store.get(DEPLOYMENT, "default", "web")
    store.delete(DEPLOYMENT, "default", "web", propagation_policy="Orphan")
    store.guaranteed_update(DEPLOYMENT, "default", "web",
                            lambda obj: obj["metadata"].update(finalizers=[]))
    orphaned = store.get(REPLICA_SET, "default", rs["metadata"]["name"])

    def orphan(obj):
        obj["metadata"].pop("ownerReferences")

    store.guaranteed_update(REPLICA_SET, "default", orphaned["metadata"]["name"], orphan)
    again = create_deployment()
    assert again["metadata"]["uid"] != d["metadata"]["uid"]
    reconcile()
    (adopted,) = replica_sets()
    assert adopted["metadata"]["uid"] == rs["metadata"]["uid"]
    assert adopted["metadata"]["ownerReferences"][0]["uid"] == again["metadata"]["uid"]


def test_changes_wake_the_deployments_they_concern(cluster):
    create_deployment()
    reconcile()
    (rs,) = replica_sets()
    d = store.get(DEPLOYMENT, "default", "web")
    assert list(deployment.keys_for(WatchEvent.MODIFIED, d)) == ["default/web"]
    assert list(deployment.keys_for(WatchEvent.MODIFIED, rs)) == ["default/web"]
    orphan = {**rs, "metadata": {**rs["metadata"], "ownerReferences": []}}
    assert list(deployment.keys_for(WatchEvent.ADDED, orphan)) == ["default/web"]
    cluster.settle()
    pod = cluster.pods()[0]
    # RollingUpdate Deployments need not hear of their pods: their ReplicaSets' status says it.
    assert list(deployment.keys_for(WatchEvent.DELETED, pod)) == []
    assert deployment.resync_keys() == ["default/web"]


@pytest.fixture
def control_plane(cluster, monkeypatch):
    """The runtime's dispatcher and timers (workers.inline) running these two controllers only."""
    monkeypatch.setattr(runtime, "CONTROLLERS", {
        "replicaset": "workers.controllers.replicaset",
        "deployment": "workers.controllers.deployment"})
    inline.run_until_idle()  # start past the cluster's own set-up
    return cluster


def test_the_control_plane_rolls_out_heals_and_times_out(control_plane):
    cluster = control_plane
    create_deployment(replicas=3, progressDeadlineSeconds=60)
    inline.run_until_idle()
    (rs,) = replica_sets()
    assert len(cluster.pods(rs)) == 3
    cluster.make_all_ready(rs)
    inline.run_until_idle()
    assert condition("web", "Progressing")[1] == "NewReplicaSetAvailable"

    store.delete(POD, "default", cluster.pods(rs)[0]["metadata"]["name"])
    inline.run_until_idle()
    assert len(cluster.pods(rs)) == 3  # a new pod took its place

    set_image("nginx:1.28")
    inline.run_until_idle()
    new = replica_sets()[1]
    assert len(cluster.pods(new)) == 1  # surge 1, unavailable 0: one new pod, waiting to be ready
    inline.advance(61)
    assert condition("web", "Progressing")[:2] == ("False", "ProgressDeadlineExceeded")
    for _ in range(10):
        cluster.make_all_ready(new)
        inline.run_until_idle()
    assert [rs["spec"]["replicas"] for rs in replica_sets()] == [0, 3]
    assert condition("web", "Progressing")[1] == "NewReplicaSetAvailable"
