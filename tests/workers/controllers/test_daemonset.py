"""The DaemonSet controller: one pod per eligible node (nodeSelector, taints and the daemon
tolerations), placed by the scheduler through a matchFields affinity, new nodes getting a pod,
rolling update within maxUnavailable, OnDelete, status, and reconcile being idempotent."""
import pytest

from cluster import store
from cluster.models import Pod
from workers.controllers import daemonset
from workers.scheduler import scheduler

from ..scheduler.objects import node
from .conftest import template

pytestmark = pytest.mark.django_db
LABELS = {"app": "agent"}
DAEMON_SET = daemonset.DAEMON_SET


def daemon_set(name="agent", **spec):
    return store.create({"apiVersion": "apps/v1", "kind": "DaemonSet",
                         "metadata": {"name": name},
                         "spec": {"selector": {"matchLabels": LABELS},
                                  "template": template(LABELS), **spec}})


def reconcile(name="agent"):
    return daemonset.reconcile(f"default/{name}")


def pods_by_node(cluster):
    return {daemonset.target_node_name(p): p for p in cluster.pods()}


def set_image(image, name="agent"):
    def change(ds):
        ds["spec"]["template"]["spec"]["containers"][0]["image"] = image

    return store.guaranteed_update(DAEMON_SET, "default", name, change)


def test_one_pod_per_node_placed_by_the_scheduler(cluster):
    for name in ("node-1", "node-2", "node-3"):
        node(name)
    ds = daemon_set()
    reconcile()
    pods = pods_by_node(cluster)
    assert sorted(pods) == ["node-1", "node-2", "node-3"]
    pod = pods["node-2"]
    assert pod["metadata"]["name"].startswith("agent-")
    assert pod["metadata"]["ownerReferences"][0]["uid"] == ds["metadata"]["uid"]
    assert "nodeName" not in pod["spec"]  # the default scheduler binds it
    assert pod["spec"]["affinity"] == {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-2"]}]}]}}}
    labels = pod["metadata"]["labels"]
    assert labels["pod-template-generation"] == "1"
    assert len(labels["controller-revision-hash"]) >= 8
    keys = {(t["key"], t["effect"]) for t in pod["spec"]["tolerations"]}
    assert {("node.kubernetes.io/not-ready", "NoExecute"),
            ("node.kubernetes.io/unreachable", "NoExecute"),
            ("node.kubernetes.io/unschedulable", "NoSchedule")} <= keys
    assert ("node.kubernetes.io/network-unavailable", "NoSchedule") not in keys
    assert sorted(cluster.events(ds)) == sorted(
        ("Normal", "SuccessfulCreate", f"Created pod: {p['metadata']['name']}")
        for p in pods.values())


def test_the_default_scheduler_binds_each_pod_to_its_node(cluster, settings):
    settings.KUBESIM_SCHEDULER_SEED = 7
    for name in ("node-1", "node-2", "node-3"):
        node(name)
    daemon_set()
    reconcile()
    scheduler.reconcile(scheduler.QUEUE)
    pods = cluster.pods()
    assert sorted(p["spec"].get("nodeName") for p in pods) == ["node-1", "node-2", "node-3"]
    assert all(p["spec"]["nodeName"] == daemonset.target_node_name(
        {**p, "spec": {**p["spec"], "nodeName": ""}}) for p in pods)


def test_reconcile_twice_is_a_no_op(cluster):
    node("node-1")
    node("node-2")
    daemon_set()
    reconcile()
    reconcile()
    before = store.current_revision()
    assert reconcile() is None
    assert store.current_revision() == before
    assert len(cluster.pods()) == 2


def test_tainted_node_and_node_selector_are_skipped(cluster):
    node("node-1", labels={"disk": "ssd"})
    node("node-2", labels={"disk": "ssd"}, taints=[{"key": "dedicated", "value": "db",
                                                    "effect": "NoSchedule"}])
    node("node-3")
    # Node problems' taints are tolerated automatically.
    node("node-4", labels={"disk": "ssd"},
         taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}])
    tpl = template(LABELS)
    tpl["spec"]["nodeSelector"] = {"disk": "ssd"}
    daemon_set(template=tpl)
    reconcile()
    reconcile()
    assert sorted(pods_by_node(cluster)) == ["node-1", "node-4"]
    status = cluster.get(DAEMON_SET, "agent")["status"]
    assert status["desiredNumberScheduled"] == 2
    assert status["currentNumberScheduled"] == 2
    assert status["numberMisscheduled"] == 0


def test_tolerated_taint_gets_a_pod(cluster):
    node("node-1", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}])
    tpl = template(LABELS)
    tpl["spec"]["tolerations"] = [{"key": "dedicated", "operator": "Exists"}]
    daemon_set(template=tpl)
    reconcile()
    assert sorted(pods_by_node(cluster)) == ["node-1"]


def test_new_node_gets_a_pod_and_keys_for_wakes_the_daemon_set(cluster):
    node("node-1")
    daemon_set()
    reconcile()
    new = node("node-2")
    assert daemonset.keys_for("ADDED", new) == ["default/agent"]
    reconcile()
    assert sorted(pods_by_node(cluster)) == ["node-1", "node-2"]


def test_node_no_longer_eligible_loses_its_pod(cluster):
    node("node-1", labels={"role": "edge"})
    node("node-2", labels={"role": "edge"})
    tpl = template(LABELS)
    tpl["spec"]["nodeSelector"] = {"role": "edge"}
    ds = daemon_set(template=tpl)
    reconcile()
    victim = pods_by_node(cluster)["node-2"]

    def relabel(n):
        n["metadata"]["labels"]["role"] = "core"

    store.guaranteed_update(daemonset.kinds.lookup("nodes"), None, "node-2", relabel)
    reconcile()
    assert sorted(pods_by_node(cluster)) == ["node-1"]
    assert ("Normal", "SuccessfulDelete",
            f"Deleted pod: {victim['metadata']['name']}") in cluster.events(ds)


def test_pending_pod_of_a_deleted_node_is_deleted(cluster):
    node("node-1")
    node("node-2")
    daemon_set()
    reconcile()
    store.delete(daemonset.kinds.lookup("nodes"), None, "node-2")
    reconcile()
    assert sorted(pods_by_node(cluster)) == ["node-1"]


def test_status_counts_ready_and_available(cluster):
    node("node-1")
    node("node-2")
    daemon_set()
    reconcile()
    pods = pods_by_node(cluster)
    cluster.bind(pods["node-1"], "node-1")
    cluster.make_ready(store.get(daemonset.POD, "default", pods["node-1"]["metadata"]["name"]))
    reconcile()
    assert cluster.get(DAEMON_SET, "agent")["status"] == {
        "currentNumberScheduled": 2, "numberMisscheduled": 0, "desiredNumberScheduled": 2,
        "numberReady": 1, "observedGeneration": 1, "updatedNumberScheduled": 2,
        "numberAvailable": 1, "numberUnavailable": 1}


def _run_and_ready(cluster):
    """What the scheduler and the kubelets do: finish deleting pods, bind each pending pod to its
    node, make it Ready."""
    for pod in Pod.objects.terminating().objects():
        store.delete(daemonset.POD, "default", pod["metadata"]["name"], grace_period_seconds=0)
    for pod in cluster.pods():
        if not pod["spec"].get("nodeName"):
            pod = cluster.bind(pod, daemonset.target_node_name(pod))
        if not any(c["type"] == "Ready" and c["status"] == "True"
                   for c in (pod.get("status") or {}).get("conditions") or ()):
            cluster.make_ready(store.get(daemonset.POD, "default", pod["metadata"]["name"]))


def _images(cluster):
    return sorted((daemonset.target_node_name(p), p["spec"]["containers"][0]["image"])
                  for p in cluster.pods())


def test_rolling_update_replaces_one_node_at_a_time(cluster):
    for name in ("node-1", "node-2", "node-3"):
        node(name)
    daemon_set()
    reconcile()
    _run_and_ready(cluster)
    reconcile()
    old_hash = cluster.pods()[0]["metadata"]["labels"]["controller-revision-hash"]
    set_image("nginx:1.28")
    reconcile()  # deletes one old pod (maxUnavailable 1)
    assert len(cluster.pods()) == 2
    reconcile()  # it is still terminating: nothing more
    assert len(cluster.pods()) == 2
    _run_and_ready(cluster)  # gone now (the new pod will not be ready before it exists)
    reconcile()  # its node gets a new pod
    assert sorted(img for _, img in _images(cluster)) == ["nginx:1.27", "nginx:1.27", "nginx:1.28"]
    reconcile()  # the new pod is not available yet: nothing more goes
    assert len(cluster.pods()) == 3
    for _ in range(6):
        _run_and_ready(cluster)
        reconcile()
    assert [img for _, img in _images(cluster)] == ["nginx:1.28"] * 3
    new = cluster.pods()
    assert all(p["metadata"]["labels"]["controller-revision-hash"] != old_hash for p in new)
    assert all(p["metadata"]["labels"]["pod-template-generation"] == "2" for p in new)
    status = cluster.get(DAEMON_SET, "agent")["status"]
    assert status["updatedNumberScheduled"] == 3 and status["observedGeneration"] == 2


def test_rolling_update_with_surge_keeps_the_old_pod_until_the_new_is_available(cluster):
    node("node-1")
    daemon_set(updateStrategy={"type": "RollingUpdate",
                               "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}})
    reconcile()
    _run_and_ready(cluster)
    set_image("nginx:1.28")
    reconcile()
    assert _images(cluster) == [("node-1", "nginx:1.27"), ("node-1", "nginx:1.28")]
    reconcile()
    assert len(cluster.pods()) == 2
    _run_and_ready(cluster)
    reconcile()
    assert _images(cluster) == [("node-1", "nginx:1.28")]


def test_on_delete_replaces_only_deleted_pods(cluster):
    node("node-1")
    node("node-2")
    daemon_set(updateStrategy={"type": "OnDelete"})
    reconcile()
    _run_and_ready(cluster)
    set_image("nginx:1.28")
    reconcile()
    reconcile()
    assert [img for _, img in _images(cluster)] == ["nginx:1.27", "nginx:1.27"]
    store.delete(daemonset.POD, "default", pods_by_node(cluster)["node-1"]["metadata"]["name"],
                 grace_period_seconds=0)
    reconcile()
    assert _images(cluster) == [("node-1", "nginx:1.28"), ("node-2", "nginx:1.27")]


def test_failed_pod_is_replaced_with_an_event(cluster):
    node("node-1")
    ds = daemon_set()
    reconcile()
    pod = cluster.bind(cluster.pods()[0], "node-1")

    def fail(p):
        p["status"]["phase"] = "Failed"

    store.guaranteed_update(daemonset.POD, "default", pod["metadata"]["name"], fail,
                            subresource="status")
    reconcile()
    message = (f"Found failed daemon pod default/{pod['metadata']['name']} on node node-1, "
               "will try to kill it")
    assert ("Warning", "FailedDaemonPod", message) in cluster.events(ds)
    reconcile()
    live = Pod.objects.live().objects()
    assert len(live) == 1 and live[0]["metadata"]["name"] != pod["metadata"]["name"]


def test_the_example_runs_on_every_node_with_the_whole_control_plane(db):
    """Every control loop inline on the paused clock (scheduler, kubelets, controllers): the
    dashboard's example lands one Running pod on each demo node, the control plane included."""
    import yaml

    from cluster import clock
    from cluster.management.commands.seed_demo import seed
    from dashboard.manifests import examples
    from workers import inline

    clock.pause()
    seed()
    store.create(yaml.safe_load(examples.text("daemonset")))
    inline.advance(60)
    pods = Pod.objects.in_namespace("kube-system").live().objects()
    pods = [p for p in pods if p["metadata"]["name"].startswith("log-agent-")]
    assert sorted(p["spec"]["nodeName"] for p in pods) == ["control-plane", "node-1", "node-2"]
    assert {p["status"]["phase"] for p in pods} == {"Running"}
    status = store.get(DAEMON_SET, "kube-system", "log-agent")["status"]
    assert status["numberReady"] == status["desiredNumberScheduled"] == 3
