"""The garbage collector: background, foreground and orphan propagation, driven through the
change log as the dispatcher would (keys_for each change, then reconcile)."""
import pytest

from cluster import clock, kinds, store
from cluster.errors import NotFound
from cluster.management.commands.seed_demo import seed
from workers import inline
from workers.controllers import garbagecollector
from workers.models import SchedulingVerdict

pytestmark = pytest.mark.django_db

POD = kinds.lookup("pods")
CM = kinds.lookup("configmaps")
RS = kinds.lookup("replicasets.apps")
DEPLOY = kinds.lookup("deployments.apps")


@pytest.fixture
def cluster():
    clock.pause()
    seed()


def ref(owner, *, controller=True, block=True):
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
            "uid": meta["uid"], "controller": controller, "blockOwnerDeletion": block}


def template():
    return {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}


def deployment(name="web"):
    return store.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
                         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                                  "template": template()}})


def replica_set(name="web-5d4f8", owner=None):
    meta = {"name": name, **({"ownerReferences": [ref(owner)]} if owner else {})}
    return store.create({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta,
                         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                                  "template": template()}})


def pod(name, *owners, node_name=None, **ref_options):
    spec = {**template()["spec"], **({"nodeName": node_name} if node_name else {})}
    return store.create({"apiVersion": "v1", "kind": "Pod",
                         "metadata": {"name": name, "labels": {"app": "web"},
                                      "ownerReferences": [ref(o, **ref_options) for o in owners]},
                         "spec": spec})


def config_map(name, *owners, **ref_options):
    meta = {"name": name}
    if owners:
        meta["ownerReferences"] = [ref(o, **ref_options) for o in owners]
    return store.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta})


def run_gc(since):
    """Feed every change after `since` to the garbage collector until it writes nothing more.
    Each reconcile is run twice: the second must write nothing."""
    while True:
        changes = store.changes_since(since)
        if not changes:
            return
        since = changes[-1][0]
        for key in dict.fromkeys(k for _, event_type, obj in changes
                                 for k in garbagecollector.keys_for(event_type, obj)):
            garbagecollector.reconcile(key)
            revision = store.current_revision()
            garbagecollector.reconcile(key)
            assert store.current_revision() == revision, f"reconciling {key} again wrote something"


def exists(kind, name):
    try:
        return store.get(kind, "default", name)
    except NotFound:
        return None


def test_dependents_of_a_deleted_owner_are_deleted_in_the_background(cluster):
    rs = replica_set()
    other = config_map("other-owner")
    pod("web-a", rs)
    pod("web-b", rs, node_name="node-1")  # its kubelet gets 30 s to stop it
    pod("web-shared", rs, other, controller=False)
    since = store.current_revision()
    store.delete(RS, "default", rs["metadata"]["name"])
    run_gc(since)
    assert exists(POD, "web-a") is None
    assert exists(POD, "web-b")["metadata"]["deletionTimestamp"]
    shared = exists(POD, "web-shared")  # it still has an owner: it only forgets the gone one
    assert [r["uid"] for r in shared["metadata"]["ownerReferences"]] == [other["metadata"]["uid"]]


def test_a_dependent_whose_owner_never_existed_is_deleted(cluster):
    ghost = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ghost", "uid": "0" * 36}}
    since = store.current_revision()
    config_map("haunted", ghost, controller=False)
    run_gc(since)
    assert exists(CM, "haunted") is None


def test_foreground_deletion_waits_for_blocking_dependents(cluster):
    deploy = deployment()
    rs = replica_set(owner=deploy)
    pod("web-a", rs)
    pod("web-b", rs, node_name="node-1")
    since = store.current_revision()
    store.delete(DEPLOY, "default", "web", propagation_policy="Foreground")
    run_gc(since)
    # The ReplicaSet has dependents of its own: it is deleted in the foreground too, and both wait
    # for web-b, which its kubelet has yet to stop.
    assert exists(POD, "web-a") is None
    assert exists(POD, "web-b")["metadata"]["deletionTimestamp"]
    for kind, name in ((RS, rs["metadata"]["name"]), (DEPLOY, "web")):
        waiting = exists(kind, name)
        assert waiting["metadata"]["deletionTimestamp"] and waiting["metadata"]["finalizers"] == ["foregroundDeletion"]

    since = store.current_revision()
    store.delete(POD, "default", "web-b", grace_period_seconds=0)  # what its kubelet confirms
    run_gc(since)
    assert exists(RS, rs["metadata"]["name"]) is None
    assert exists(DEPLOY, "web") is None


def test_foreground_deletion_does_not_wait_for_non_blocking_dependents(cluster):
    owner = config_map("owner")
    config_map("blocking", owner)
    config_map("free", owner, block=False)
    since = store.current_revision()
    store.delete(CM, "default", "owner", propagation_policy="Foreground")
    run_gc(since)
    assert exists(CM, "owner") is None
    assert exists(CM, "blocking") is None
    assert exists(CM, "free") is None  # deleted too, once its owner was gone


def test_orphan_deletion_leaves_the_dependents_without_the_owner(cluster):
    rs = replica_set()
    other = config_map("other-owner")
    pod("web-a", rs)
    pod("web-b", rs, other, controller=False)
    since = store.current_revision()
    store.delete(RS, "default", rs["metadata"]["name"], propagation_policy="Orphan")
    run_gc(since)
    assert exists(RS, rs["metadata"]["name"]) is None
    assert "ownerReferences" not in exists(POD, "web-a")["metadata"]
    assert [r["name"] for r in exists(POD, "web-b")["metadata"]["ownerReferences"]] == ["other-owner"]


def test_keys(cluster):
    owner = config_map("owner")
    dependent = config_map("dependent", owner)
    uid = owner["metadata"]["uid"]
    assert garbagecollector.keys_for("ADDED", owner) == []
    assert garbagecollector.keys_for("MODIFIED", dependent) == [uid]
    assert garbagecollector.keys_for("DELETED", dependent) == [uid, dependent["metadata"]["uid"]]
    orphaning, _ = store.delete(CM, "default", "owner", propagation_policy="Orphan")
    assert garbagecollector.keys_for("MODIFIED", orphaning) == [uid]
    assert garbagecollector.resync_keys() == sorted([uid])
    assert garbagecollector.dependents_of(uid) == [store.get(CM, "default", "dependent")]


def test_a_deleted_pods_scheduling_verdict_goes_with_it():
    pod = store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "lonely"},
                        "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    inline.run_until_idle()  # no nodes: the scheduler records why it fits nowhere
    assert SchedulingVerdict.objects.filter(pod_uid=pod["metadata"]["uid"]).exists()
    store.delete(kinds.lookup("pods"), "default", "lonely")
    inline.run_until_idle()
    assert not SchedulingVerdict.objects.filter(pod_uid=pod["metadata"]["uid"]).exists()
