"""kubectl rollout history, undo and restart, with revisions made by the real Deployment
controller (workers.inline) on a paused clock."""
import pytest

from cluster import clock, kinds, rollout, store, timestamps
from cluster.errors import NotFound
from workers import inline

pytestmark = pytest.mark.django_db

DEPLOYMENT = kinds.BY_KIND[("apps", "Deployment")]
REPLICA_SET = kinds.BY_KIND[("apps", "ReplicaSet")]
LABELS = {"app": "web"}


def create_deployment(name="web", image="nginx:1.27", labels=LABELS, annotations=None):
    meta = {"name": name, "annotations": dict(annotations or {})}
    return store.create({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
        "spec": {"replicas": 2, "selector": {"matchLabels": dict(labels)},
                 "template": {"metadata": {"labels": dict(labels)},
                              "spec": {"containers": [{"name": "web", "image": image}]}}}})


def change(mutate, name="web"):
    store.guaranteed_update(DEPLOYMENT, "default", name, mutate)
    inline.run_until_idle()
    return store.get(DEPLOYMENT, "default", name)


def set_image(image, cause=None, name="web"):
    def edit(d):
        d["spec"]["template"]["spec"]["containers"][0]["image"] = image
        if cause:
            d["metadata"].setdefault("annotations", {})[rollout.CHANGE_CAUSE] = cause
    return change(edit, name)


@pytest.fixture
def web():
    """A Deployment with two revisions: nginx:1.27 ("first") and nginx:1.28 ("second")."""
    clock.pause()
    create_deployment(annotations={rollout.CHANGE_CAUSE: "first"})
    inline.run_until_idle()
    return set_image("nginx:1.28", cause="second")


def images(d):
    return [c["image"] for c in d["spec"]["template"]["spec"]["containers"]]


def test_history_lists_each_revision_oldest_first(web):
    entries = rollout.history("default", "web")
    assert [(e["revision"], e["change_cause"], e["images"], e["current"]) for e in entries] == [
        (1, "first", ["nginx:1.27"], False), (2, "second", ["nginx:1.28"], True)]
    for entry in entries:
        rs = store.get(REPLICA_SET, "default", entry["replicaset"])
        assert entry["template"] == rs["spec"]["template"]
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == str(entry["revision"])


def test_history_holds_only_the_deployments_own_replica_sets(web):
    create_deployment("api", labels={"app": "api"})
    inline.run_until_idle()
    assert [e["revision"] for e in rollout.history("default", "web")] == [1, 2]
    assert [e["images"] for e in rollout.history("default", "api")] == [["nginx:1.27"]]
    with pytest.raises(NotFound):
        rollout.history("default", "nope")


def test_undo_restores_the_previous_template_and_its_annotations(web):
    first = rollout.history("default", "web")[0]
    assert rollout.undo("default", "web") == "rolled back"
    d = store.get(DEPLOYMENT, "default", "web")
    expected = {**first["template"], "metadata": {"labels": LABELS}}  # without pod-template-hash
    assert d["spec"]["template"] == expected
    annotations = d["metadata"]["annotations"]
    assert annotations[rollout.CHANGE_CAUSE] == "first"  # from the ReplicaSet
    assert annotations["deployment.kubernetes.io/revision"] == "2"  # the Deployment's own, kept


def test_the_controller_then_makes_the_old_replica_set_the_newest_revision(web):
    rollout.undo("default", "web")
    inline.run_until_idle()
    entries = rollout.history("default", "web")
    assert [(e["revision"], e["images"], e["current"]) for e in entries] == [
        (2, ["nginx:1.28"], False), (3, ["nginx:1.27"], True)]


def test_undo_to_a_revision(web):
    set_image("nginx:1.29")
    assert rollout.undo("default", "web", to_revision=1) == "rolled back"
    assert images(store.get(DEPLOYMENT, "default", "web")) == ["nginx:1.27"]


def test_undo_refuses_as_kubectl_does(web):
    with pytest.raises(rollout.RolloutError, match="^unable to find specified revision 7 in history$"):
        rollout.undo("default", "web", to_revision=7)
    with pytest.raises(rollout.RolloutError, match="^unable to find specified revision -1 in history$"):
        rollout.undo("default", "web", to_revision=-1)
    with pytest.raises(NotFound):
        rollout.undo("default", "nope")
    change(lambda d: d["spec"].update(paused=True))
    with pytest.raises(rollout.RolloutError) as paused:
        rollout.undo("default", "web")
    assert paused.value.message == ("you cannot rollback a paused deployment; resume it first with "
                                    "'kubectl rollout resume deployment/web' and try again")


def test_undo_to_the_current_revision_is_skipped_without_a_write(web):
    before = store.get(DEPLOYMENT, "default", "web")["metadata"]["resourceVersion"]
    assert rollout.undo("default", "web", to_revision=2) == (
        "skipped rollback (current template already matches revision 2)")
    assert store.get(DEPLOYMENT, "default", "web")["metadata"]["resourceVersion"] == before


def test_undo_without_history(db):
    clock.pause()
    create_deployment()
    inline.run_until_idle()
    with pytest.raises(rollout.RolloutError, match='^no rollout history found for deployment "web"$'):
        rollout.undo("default", "web")


def test_restart_stamps_the_template_with_the_clusters_time(web):
    clock.step(3600)  # simulated time, not the wall clock's
    rollout.restart("default", "web")
    d = store.get(DEPLOYMENT, "default", "web")
    stamped = d["spec"]["template"]["metadata"]["annotations"][rollout.RESTARTED_AT]
    assert stamped == timestamps.timestamp(timestamps.now())
    inline.run_until_idle()
    entries = rollout.history("default", "web")
    assert [(e["revision"], e["current"]) for e in entries] == [(1, False), (2, False), (3, True)]
    assert entries[-1]["template"]["metadata"]["annotations"] == {rollout.RESTARTED_AT: stamped}


def test_restart_refuses_a_paused_deployment(web):
    change(lambda d: d["spec"].update(paused=True))
    with pytest.raises(rollout.RolloutError,
                       match=r"^can't restart paused deployment \(run rollout resume first\)$"):
        rollout.restart("default", "web")
    with pytest.raises(NotFound):
        rollout.restart("default", "nope")
