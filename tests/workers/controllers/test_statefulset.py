"""The StatefulSet controller: stable names and identity, OrderedReady creation waiting for each
pod to be Ready, Parallel, scale down from the highest ordinal, a deleted pod made again under its
name, claims from volumeClaimTemplates and their retention policy, the rolling update with its
partition, OnDelete, status, and reconcile being idempotent."""
import pytest

from cluster import store
from cluster.errors import NotFound
from cluster.models import Pod
from workers.controllers import statefulset

from .conftest import template

pytestmark = pytest.mark.django_db
LABELS = {"app": "web"}
STATEFUL_SET, POD, PVC = statefulset.STATEFUL_SET, statefulset.POD, statefulset.PVC
CLAIM_TEMPLATE = {"metadata": {"name": "www"},
                  "spec": {"accessModes": ["ReadWriteOnce"],
                           "resources": {"requests": {"storage": "1Gi"}}}}


def stateful_set(name="web", replicas=3, **spec):
    return store.create({"apiVersion": "apps/v1", "kind": "StatefulSet",
                         "metadata": {"name": name},
                         "spec": {"replicas": replicas, "serviceName": "nginx",
                                  "selector": {"matchLabels": LABELS},
                                  "template": template(LABELS), **spec}})


def reconcile(name="web"):
    return statefulset.reconcile(f"default/{name}")


def names(cluster):
    return [p["metadata"]["name"] for p in cluster.pods()]


def ready(cluster, name):
    """The kubelet's part: finish, or bind and run the pod until Ready."""
    pod = store.get(POD, "default", name)
    if not pod["spec"].get("nodeName"):
        pod = cluster.bind(pod, "node-1")
    return cluster.make_ready(store.get(POD, "default", name))


def finish_deletions():
    for pod in Pod.objects.terminating().objects():
        store.delete(POD, "default", pod["metadata"]["name"], grace_period_seconds=0)


def update(name, change):
    return store.guaranteed_update(STATEFUL_SET, "default", name, change)


def set_image(image, name="web"):
    def change(sts):
        sts["spec"]["template"]["spec"]["containers"][0]["image"] = image

    return update(name, change)


@pytest.fixture
def node_1(cluster):
    from ..scheduler.objects import node

    return node("node-1")


def test_ordered_creation_waits_for_each_pod_to_be_ready(cluster, node_1):
    sts = stateful_set()
    reconcile()
    assert names(cluster) == ["web-0"]
    reconcile()
    assert names(cluster) == ["web-0"]  # web-0 is not Running and Ready yet
    ready(cluster, "web-0")
    reconcile()
    assert names(cluster) == ["web-0", "web-1"]
    ready(cluster, "web-1")
    reconcile()
    ready(cluster, "web-2")
    reconcile()
    assert names(cluster) == ["web-0", "web-1", "web-2"]
    assert cluster.events(sts) == [
        ("Normal", "SuccessfulCreate", f"create Pod web-{i} in StatefulSet web successful")
        for i in range(3)]
    status = cluster.get(STATEFUL_SET, "web")["status"]
    revision = status["updateRevision"]
    assert revision.startswith("web-") and status["currentRevision"] == revision
    assert status == {"observedGeneration": 1, "currentRevision": revision,
                      "updateRevision": revision, "collisionCount": 0, "replicas": 3,
                      "readyReplicas": 3, "availableReplicas": 3, "currentReplicas": 3,
                      "updatedReplicas": 3}


def test_pods_have_stable_identity(cluster):
    sts = stateful_set(replicas=1)
    reconcile()
    pod = store.get(POD, "default", "web-0")
    assert pod["metadata"]["generateName"] == "web-"
    assert pod["metadata"]["ownerReferences"][0]["uid"] == sts["metadata"]["uid"]
    labels = pod["metadata"]["labels"]
    assert labels["app"] == "web"
    assert labels["statefulset.kubernetes.io/pod-name"] == "web-0"
    assert labels["apps.kubernetes.io/pod-index"] == "0"
    assert labels["controller-revision-hash"].startswith("web-")
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("web-0", "nginx")


def test_parallel_creates_all_at_once(cluster):
    stateful_set(podManagementPolicy="Parallel")
    reconcile()
    assert names(cluster) == ["web-0", "web-1", "web-2"]


def test_reconcile_twice_is_a_no_op(cluster, node_1):
    stateful_set(replicas=2)
    for _ in range(3):
        reconcile()
        for name in names(cluster):
            ready(cluster, name)
    reconcile()
    before = store.current_revision()
    assert reconcile() is None
    assert store.current_revision() == before
    assert names(cluster) == ["web-0", "web-1"]


def _scale(replicas):
    def change(sts):
        sts["spec"]["replicas"] = replicas

    return update("web", change)


def _all_ready(cluster, rounds=8):
    for _ in range(rounds):
        finish_deletions()
        reconcile()
        for name in names(cluster):
            pod = store.get(POD, "default", name)
            if pod["status"].get("phase") != "Running":
                ready(cluster, name)


def test_scale_down_from_the_highest_ordinal_one_at_a_time(cluster, node_1):
    sts = stateful_set()
    _all_ready(cluster)
    _scale(1)
    reconcile()
    assert names(cluster) == ["web-0", "web-1"]  # web-2 is terminating
    reconcile()
    assert names(cluster) == ["web-0", "web-1"]  # web-1 waits for web-2 to be gone
    finish_deletions()
    reconcile()
    assert names(cluster) == ["web-0"]
    assert [e for e in cluster.events(sts) if e[1] == "SuccessfulDelete"] == [
        ("Normal", "SuccessfulDelete", "delete Pod web-2 in StatefulSet web successful"),
        ("Normal", "SuccessfulDelete", "delete Pod web-1 in StatefulSet web successful")]


def test_deleted_pod_is_made_again_with_its_name(cluster, node_1):
    stateful_set()
    _all_ready(cluster)
    old = store.get(POD, "default", "web-1")
    store.delete(POD, "default", "web-1", grace_period_seconds=0)
    reconcile()
    new = store.get(POD, "default", "web-1")
    assert new["metadata"]["uid"] != old["metadata"]["uid"]
    assert new["spec"]["hostname"] == "web-1"


def test_failed_pod_is_deleted_then_made_again(cluster, node_1):
    stateful_set(replicas=1)
    _all_ready(cluster)

    def fail(p):
        p["status"]["phase"] = "Failed"

    old = store.guaranteed_update(POD, "default", "web-0", fail, subresource="status")
    reconcile()
    finish_deletions()
    reconcile()
    assert store.get(POD, "default", "web-0")["metadata"]["uid"] != old["metadata"]["uid"]


def test_claims_from_templates_are_kept_on_scale_down(cluster, node_1):
    sts = stateful_set(replicas=2, volumeClaimTemplates=[CLAIM_TEMPLATE])
    _all_ready(cluster)
    claim = store.get(PVC, "default", "www-web-0")
    assert claim["metadata"]["labels"] == LABELS
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert "ownerReferences" not in claim["metadata"]  # Retain, Retain
    pod = store.get(POD, "default", "web-1")
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-1"}} in \
        pod["spec"]["volumes"]
    assert ("Normal", "SuccessfulCreate",
            "create Claim www-web-0 Pod web-0 in StatefulSet web success") in cluster.events(sts)
    _scale(1)
    _all_ready(cluster)
    assert names(cluster) == ["web-0"]
    store.get(PVC, "default", "www-web-1")  # still there


def test_retention_policy_delete_gives_claims_owners(cluster, node_1):
    sts = stateful_set(replicas=2, volumeClaimTemplates=[CLAIM_TEMPLATE],
                       persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete",
                                                             "whenScaled": "Delete"})
    _all_ready(cluster)
    owners = store.get(PVC, "default", "www-web-1")["metadata"]["ownerReferences"]
    assert [o["uid"] for o in owners] == [sts["metadata"]["uid"]]
    _scale(1)
    reconcile()  # web-1 is condemned: its claim now belongs to it, to go with it
    pod_uid = store.get(POD, "default", "web-1")["metadata"]["uid"]
    owners = store.get(PVC, "default", "www-web-1")["metadata"]["ownerReferences"]
    assert [(o["kind"], o["uid"]) for o in owners] == [("Pod", pod_uid)]


def test_rolling_update_from_the_highest_ordinal_down_to_the_partition(cluster, node_1):
    stateful_set(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}})
    _all_ready(cluster)
    old_revision = cluster.get(STATEFUL_SET, "web")["status"]["currentRevision"]
    set_image("nginx:1.28")
    reconcile()
    assert names(cluster) == ["web-0", "web-1"]  # web-2 goes first
    reconcile()
    assert names(cluster) == ["web-0", "web-1"]
    _all_ready(cluster, rounds=10)
    images = {p["metadata"]["name"]: p["spec"]["containers"][0]["image"] for p in cluster.pods()}
    assert images == {"web-0": "nginx:1.27", "web-1": "nginx:1.28", "web-2": "nginx:1.28"}
    status = cluster.get(STATEFUL_SET, "web")["status"]
    assert status["currentRevision"] == old_revision != status["updateRevision"]
    assert (status["currentReplicas"], status["updatedReplicas"]) == (1, 2)

    def no_partition(sts):
        sts["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = 0

    update("web", no_partition)
    _all_ready(cluster, rounds=6)
    status = cluster.get(STATEFUL_SET, "web")["status"]
    assert status["currentRevision"] == status["updateRevision"]
    assert (status["currentReplicas"], status["updatedReplicas"]) == (3, 3)


def test_on_delete_waits_for_the_user(cluster, node_1):
    stateful_set(updateStrategy={"type": "OnDelete"})
    _all_ready(cluster)
    set_image("nginx:1.28")
    _all_ready(cluster, rounds=3)
    assert {p["spec"]["containers"][0]["image"] for p in cluster.pods()} == {"nginx:1.27"}
    store.delete(POD, "default", "web-0", grace_period_seconds=0)
    reconcile()
    assert store.get(POD, "default", "web-0")["spec"]["containers"][0]["image"] == "nginx:1.28"


def test_keys_for_wakes_the_owner_and_adopts_orphans_by_name(cluster, node_1):
    sts = stateful_set(replicas=1)
    reconcile()
    pod = store.get(POD, "default", "web-0")
    assert statefulset.keys_for("MODIFIED", pod) == ["default/web"]
    assert statefulset.keys_for("MODIFIED", sts) == ["default/web"]
    orphan = cluster.create_pod("web-7", LABELS)
    assert statefulset.keys_for("ADDED", orphan) == ["default/web"]
    assert statefulset.keys_for("ADDED", cluster.create_pod("other-1", LABELS)) == []
    reconcile()
    adopted = store.get(POD, "default", "web-7")
    assert adopted["metadata"]["ownerReferences"][0]["uid"] == sts["metadata"]["uid"]
    ready(cluster, "web-0")
    reconcile()  # web-7 is condemned: beyond the replicas, and the first unhealthy pod
    with pytest.raises(NotFound):
        store.get(POD, "default", "web-7")


def test_the_example_runs_with_the_whole_control_plane(db):
    """Every control loop inline on the paused clock: the dashboard's example, scaled to 2, makes
    db-0 then db-1, each with its claim, both Running and Ready."""
    import yaml

    from cluster import clock
    from cluster.management.commands.seed_demo import seed
    from dashboard.manifests import examples
    from workers import inline

    clock.pause()
    seed()
    manifest = yaml.safe_load(examples.text("statefulset"))
    manifest["spec"]["replicas"] = 2
    store.create(manifest)
    inline.advance(120)
    pods = Pod.objects.in_namespace("default").live().order_by("name").objects()
    assert [p["metadata"]["name"] for p in pods] == ["db-0", "db-1"]
    assert {p["status"]["phase"] for p in pods} == {"Running"}
    for name in ("data-db-0", "data-db-1"):
        store.get(PVC, "default", name)
    status = store.get(STATEFUL_SET, "default", "db")["status"]
    assert status["readyReplicas"] == status["availableReplicas"] == 2
