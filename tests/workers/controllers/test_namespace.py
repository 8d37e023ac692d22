"""The namespace controller: a namespace being deleted is emptied, reports what remains in its
conditions, then is finalized and goes."""
import pytest

from cluster import clock, kinds, store
from cluster.errors import NotFound
from cluster.management.commands.seed_demo import seed
from cluster.models import WatchEvent
from workers.controllers import namespace as controller
from workers.result import Result

pytestmark = pytest.mark.django_db

NS = kinds.lookup("namespaces")
POD = kinds.lookup("pods")
CM = kinds.lookup("configmaps")


@pytest.fixture
def team():
    clock.pause()
    seed()
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    store.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "team"}})
    store.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "token", "namespace": "team"}})
    store.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "team"},
                  "spec": {"selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})
    for name, node_name in (("pending", None), ("running", "node-1")):
        store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "team"},
                      "spec": {"containers": [{"name": "web", "image": "nginx"}],
                               **({"nodeName": node_name} if node_name else {})}})


def reconcile(key="team"):
    """Reconcile, then check that reconciling again at once writes nothing (idempotence)."""
    result = controller.reconcile(key)
    revision = store.current_revision()
    assert controller.reconcile(key) == result
    assert store.current_revision() == revision, "a second reconcile wrote something"
    return result


def conditions(name="team"):
    return {c["type"]: (c["status"], c["reason"], c["message"])
            for c in store.get(NS, None, name)["status"]["conditions"]}


def contents(name="team"):
    return {(kind.plural, obj["metadata"]["name"]) for kind in controller.NAMESPACED_KINDS
            for obj in store.list_objects(kind, name).items}


def gone(name="team"):
    try:
        store.get(NS, None, name)
    except NotFound:
        return True
    return False


def test_a_namespace_is_emptied_then_goes(team):
    assert reconcile() is None  # not being deleted: nothing to do
    store.delete(NS, None, "team")
    assert reconcile() == Result.after(30)  # the running pod's grace period
    assert contents() == {("pods", "running")}
    assert store.get(POD, "team", "running")["metadata"]["deletionTimestamp"]
    assert conditions() == {
        "NamespaceDeletionDiscoveryFailure": ("False", "ResourcesDiscovered", "All resources successfully discovered"),
        "NamespaceDeletionGroupVersionParsingFailure": ("False", "ParsedGroupVersions",
                                                        "All legacy kube types successfully parsed"),
        "NamespaceDeletionContentFailure": ("False", "ContentDeleted",
                                            "All content successfully deleted, may be waiting on finalization"),
        "NamespaceContentRemaining": ("True", "SomeResourcesRemain",
                                      "Some resources are remaining: pods. has 1 resource instances"),
        "NamespaceFinalizersRemaining": ("False", "ContentHasNoFinalizers",
                                         "All content-preserving finalizers finished"),
    }
    assert store.get(NS, None, "team")["status"]["phase"] == "Terminating"

    clock.step(30)  # its kubelet is silent: the pod outlives its grace period
    assert reconcile() == Result.after(15)
    assert conditions()["NamespaceDeletionContentFailure"] == (
        "True", "ContentDeletionFailed", ("Failed to delete all resource types, 1 remaining: unexpected "
                                          "items still remain in namespace: team for gvr: /v1, Resource=pods"))

    store.delete(POD, "team", "running", grace_period_seconds=0)  # kubectl delete --force
    assert controller.keys_for("DELETED", {"kind": "Pod", "metadata": {"name": "running", "namespace": "team"}}) == ["team"]
    revision = store.current_revision()
    assert reconcile() is None
    assert gone()
    finalized, deleted = WatchEvent.objects.filter(name="team", kind="Namespace",
                                                   revision__gt=revision).order_by("revision")[1:]
    assert finalized.object["spec"]["finalizers"] == [] and deleted.type == "DELETED"


def test_content_held_by_finalizers_is_waited_for(team):
    store.create({"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "kept", "namespace": "team", "finalizers": ["example.com/keep"]}})
    store.delete(POD, "team", "running", grace_period_seconds=0)
    store.delete(NS, None, "team")
    assert reconcile() == Result.after(15)
    assert contents() == {("configmaps", "kept")}
    assert conditions()["NamespaceContentRemaining"] == (
        "True", "SomeResourcesRemain", "Some resources are remaining: configmaps. has 1 resource instances")
    assert conditions()["NamespaceFinalizersRemaining"] == (
        "True", "SomeFinalizersRemain",
        "Some content in the namespace has finalizers remaining: example.com/keep in 1 resource instances")
    store.guaranteed_update(CM, "team", "kept", lambda cm: cm["metadata"].update(finalizers=[]))
    assert reconcile() is None
    assert gone()


def test_other_finalizers_keep_the_namespace(team):
    store.guaranteed_update(NS, None, "team", lambda ns: ns["spec"].update(finalizers=["kubernetes", "example.com/x"]),
                            subresource="finalize")
    store.delete(POD, "team", "running", grace_period_seconds=0)
    store.delete(NS, None, "team")
    assert reconcile() is None
    assert not contents()
    assert store.get(NS, None, "team")["spec"]["finalizers"] == ["example.com/x"]


def test_only_the_finalize_subresource_changes_spec_finalizers(team):
    ns = store.get(NS, None, "team")
    updated = store.update({**ns, "metadata": {**ns["metadata"], "labels": {"a": "b"}}, "spec": {"finalizers": []}})
    assert updated["spec"]["finalizers"] == ["kubernetes"] and updated["metadata"]["labels"] == {"a": "b"}


def test_keys(team):
    ns = store.get(NS, None, "team")
    assert controller.keys_for("MODIFIED", ns) == []
    deleting, _ = store.delete(NS, None, "team")
    assert controller.keys_for("MODIFIED", deleting) == ["team"]
    cm = store.get(CM, "team", "settings")
    assert controller.keys_for("MODIFIED", cm) == []
    assert controller.keys_for("DELETED", cm) == ["team"]
    assert controller.resync_keys() == ["team"]
