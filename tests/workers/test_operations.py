"""Cluster operations and their terminal commands: nodes added and removed, kubelets stopped and
started, cordon, uncordon, drain, the clock and the demo reset."""
import io

import pytest
from django.core.management import call_command

from cluster import clock, kinds, store
from cluster.errors import NotFound
from cluster.management.commands.seed_demo import seed
from cluster.models import Pod
from workers import inline, operations
from workers.controllers import nodelifecycle
from workers.models import Kubelet, PodRuntime, SchedulingVerdict, Timer

pytestmark = pytest.mark.django_db

NODE = kinds.lookup("nodes")
POD = kinds.lookup("pods")
UNSCHEDULABLE = ("node.kubernetes.io/unschedulable", "NoSchedule")


@pytest.fixture
def demo():
    clock.pause()
    seed()


def run(*args):
    """A command as a person runs it: (exit code, stdout lines, stderr lines)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as e:
        code = e.code
    return code, out.getvalue().splitlines(), err.getvalue().splitlines()


def pod(name, node_name="node-1", namespace="default", owner=None, phase=None, **spec):
    meta = {"name": name, "namespace": namespace}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": owner["apiVersion"], "kind": owner["kind"],
                                    "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
                                    "controller": True, "blockOwnerDeletion": True}]
    created = store.create({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                            "spec": {"nodeName": node_name, **spec,
                                     "containers": [{"name": "web", "image": "nginx:1.27"}]}})
    if phase:
        created = store.guaranteed_update(POD, namespace, name, lambda p: p["status"].update(phase=phase),
                                          subresource="status")
    return created


def workload(kind, name, namespace="default"):
    spec = {"selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}
    return store.create({"apiVersion": "apps/v1", "kind": kind,
                         "metadata": {"name": name, "namespace": namespace}, "spec": spec})


def taints(name="node-1"):
    return {(t["key"], t["effect"]) for t in store.get(NODE, None, name)["spec"].get("taints") or ()}


def ready(obj):
    """The Ready condition's status of a pod, or of the node named."""
    obj = store.get(NODE, None, obj) if isinstance(obj, str) else obj
    return next(c["status"] for c in obj["status"]["conditions"] if c["type"] == "Ready")


def live(name, namespace="default"):
    try:
        found = store.get(POD, namespace, name)
    except NotFound:
        return False
    return not found["metadata"].get("deletionTimestamp")


# --- nodes ------------------------------------------------------------------------------------

def test_add_node_registers_a_ready_node_with_a_running_kubelet(demo):
    code, out, _ = run("node", "add", "node-3", "--cpu", "8", "--memory", "16Gi", "--label", "disk=ssd",
                       "--taint", "dedicated=db:NoSchedule")
    assert (code, out) == (0, ["node/node-3 created"])
    node = store.get(NODE, None, "node-3")
    assert {"kubernetes.io/hostname": "node-3", "kubernetes.io/os": "linux", "disk": "ssd"}.items() \
        <= node["metadata"]["labels"].items()
    assert node["spec"]["taints"] == [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]
    assert node["spec"]["podCIDR"] == "10.244.3.0/24"
    assert {"cpu": "8", "memory": "16Gi", "pods": "110"}.items() <= node["status"]["capacity"].items()
    assert node["status"]["allocatable"] == node["status"]["capacity"]
    assert [a["type"] for a in node["status"]["addresses"]] == ["InternalIP", "Hostname"]
    assert node["status"]["nodeInfo"]["kubeletVersion"]
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("True", "KubeletReady")
    assert Kubelet.objects.get(node_name="node-3").running
    assert 49 < nodelifecycle.reconcile("node-3").requeue_after <= 50  # healthy: nothing to taint


def test_add_node_refuses_what_kubectl_would(demo):
    assert run("node", "add", "node-1") == (
        1, [], ['Error from server (AlreadyExists): nodes "node-1" already exists'])
    assert run("node", "add", "node-3", "--taint", "dedicated=db")[2] == ["error: invalid taint spec: dedicated=db"]
    assert run("node", "add", "node-3", "--taint", "a:Sometimes")[2] == [
        "error: invalid taint effect: Sometimes, unsupported taint effect"]
    assert run("node", "add", "node-3", "--label", "ssd")[2] == ["error: invalid label spec: ssd"]


def test_remove_node_deletes_it_and_its_pods_go(demo):
    pod("web-1", terminationGracePeriodSeconds=30)
    operations.stop_kubelet("node-1")
    PodRuntime.objects.create(pod_uid="x", namespace="default", name="web-1", node_name="node-1")
    assert run("node", "remove", "node-1") == (0, ["node/node-1 deleted"], [])
    assert not Kubelet.objects.filter(node_name="node-1").exists()
    assert not PodRuntime.objects.filter(node_name="node-1").exists()
    nodelifecycle.reconcile("node-1")  # the Node's deletion wakes it: the pod GC's sweep
    with pytest.raises(NotFound):
        store.get(POD, "default", "web-1")
    assert run("node", "remove", "node-1")[2] == ['Error from server (NotFound): nodes "node-1" not found']


def test_stop_and_start_a_kubelet(demo):
    assert run("node", "stop", "node-1") == (0, ["kubelet on node/node-1 stopped"], [])
    assert not Kubelet.objects.get(node_name="node-1").running
    assert run("node", "stop", "node-1")[1] == ["kubelet on node/node-1 already stopped"]
    assert run("node", "start", "node-1")[1] == ["kubelet on node/node-1 started"]
    assert Kubelet.objects.get(node_name="node-1").running
    assert Timer.objects.filter(controller="kubelet", key="node-1").exists()  # woken at once
    assert run("node", "start", "node-2")[1] == ["kubelet on node/node-2 already running"]
    assert run("node", "stop", "nope")[2] == ['Error from server (NotFound): nodes "nope" not found']


# --- cordon, uncordon -------------------------------------------------------------------------

def test_cordon_and_uncordon(demo):
    assert run("cordon", "node-1") == (0, ["node/node-1 cordoned"], [])
    assert store.get(NODE, None, "node-1")["spec"]["unschedulable"] is True
    nodelifecycle.reconcile("node-1")
    assert taints() == {UNSCHEDULABLE}
    assert run("cordon", "node-1")[1] == ["node/node-1 already cordoned"]
    assert run("uncordon", "node-1") == (0, ["node/node-1 uncordoned"], [])
    assert "unschedulable" not in store.get(NODE, None, "node-1")["spec"]
    nodelifecycle.reconcile("node-1")
    assert not taints()
    assert run("uncordon", "node-1")[1] == ["node/node-1 already uncordoned"]
    assert run("cordon", "nope") == (1, [], ['Error from server (NotFound): nodes "nope" not found'])


# --- drain ------------------------------------------------------------------------------------

def test_drain_refuses_pods_that_need_an_option_and_evicts_nothing(demo):
    rs = workload("ReplicaSet", "web")
    ds = workload("DaemonSet", "kube-proxy", "kube-system")
    pod("web-1", owner=rs)
    pod("lonely")
    pod("kube-proxy-x", namespace="kube-system", owner=ds)
    pod("cache", owner=rs, volumes=[{"name": "scratch", "emptyDir": {}}])
    code, out, err = run("drain", "node-1")
    assert code == 1 and out == ["node/node-1 cordoned"]
    errors = ["cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache",
              "cannot delete Pods that declare no controller (use --force to override): default/lonely",
              "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/kube-proxy-x"]
    assert err == [f'error: unable to drain node "node-1" due to error: [{", ".join(errors)}], continuing command...',
                   "There are pending nodes to be drained:", " node-1", *errors]
    assert all(live(name) for name in ("web-1", "lonely", "cache"))
    assert store.get(NODE, None, "node-1")["spec"]["unschedulable"]


def test_drain_with_options_evicts_what_it_may_and_warns(demo):
    rs = workload("ReplicaSet", "web")
    ds = workload("DaemonSet", "kube-proxy", "kube-system")
    pod("web-1", owner=rs)
    pod("lonely")
    pod("done", phase="Succeeded")
    pod("kube-proxy-x", namespace="kube-system", owner=ds)
    store.create({"apiVersion": "v1", "kind": "Pod",
                  "metadata": {"name": "etcd-node-1", "namespace": "kube-system",
                               "annotations": {"kubernetes.io/config.mirror": "abc"}},
                  "spec": {"nodeName": "node-1", "containers": [{"name": "etcd", "image": "etcd"}]}})
    pod("elsewhere", node_name="node-2")
    drained = operations.drain("node-1", force=True, ignore_daemonsets=True)
    assert [p["metadata"]["name"] for p in drained.pods] == ["done", "lonely", "web-1"]
    assert drained.warnings == ("deleting Pods that declare no controller: default/lonely; "
                                "ignoring DaemonSet-managed Pods: kube-system/kube-proxy-x")
    evicted = store.get(POD, "default", "web-1")
    assert evicted["metadata"]["deletionGracePeriodSeconds"] == 30
    assert {"type": "DisruptionTarget", "status": "True", "reason": "EvictionByEvictionAPI",
            "message": "Eviction API: evicting"}.items() <= next(
        c for c in evicted["status"]["conditions"] if c["type"] == "DisruptionTarget").items()
    with pytest.raises(NotFound):  # nothing to stop: gone at once
        store.get(POD, "default", "done")
    assert live("kube-proxy-x", "kube-system") and live("etcd-node-1", "kube-system") and live("elsewhere")
    assert store.get(NODE, None, "node-1")["spec"]["unschedulable"]


def test_drain_command_waits_for_the_pods_to_go(demo):
    rs = workload("ReplicaSet", "web")
    pod("web-1", owner=rs)
    pod("web-2", owner=rs)
    operations.cordon("node-1")
    code, out, err = run("drain", "node-1", "--grace-period", "0")
    assert (code, err) == (0, [])
    assert out == ["node/node-1 already cordoned", "evicting pod default/web-1", "evicting pod default/web-2",
                   "pod/web-1 evicted", "pod/web-2 evicted", "node/node-1 drained"]


def test_drain_command_gives_up_after_its_timeout(demo):
    rs = workload("ReplicaSet", "web")
    pod("web-1", owner=rs)  # 30 s to stop, and no kubelet here to stop it
    code, out, err = run("drain", "node-1", "--timeout", "1ms")
    assert code == 1 and out == ["node/node-1 cordoned", "evicting pod default/web-1"]
    error = ('error when waiting for pod "web-1" in namespace "default" to terminate: '
             "global timeout reached: 1ms")
    assert err == [f'There are pending pods in node "node-1" when an error occurred: {error}', "pod/web-1",
                   f'error: unable to drain node "node-1" due to error: {error}, continuing command...',
                   "There are pending nodes to be drained:", " node-1", error]


# --- the clock and the demo -------------------------------------------------------------------

def test_clock_command(demo):
    clock.resume()
    code, out, _ = run("clock")
    assert code == 0 and out[0].endswith(" running at 1x")
    assert run("clock", "speed", "10")[1][0].endswith(" running at 10x")
    paused = run("clock", "pause")[1][0]
    assert paused.endswith(" paused at 10x")
    before = clock.current().seconds()
    run("clock", "step", "5m")
    assert clock.current().seconds() == before + 300
    assert run("clock", "step", "soon")[2] == ['error: time: invalid duration "soon"']
    assert run("clock", "speed", "0")[2] == ["error: the clock's speed must be positive"]
    assert run("clock", "resume")[1][0].endswith(" running at 10x")


def test_reset_demo_forgets_everything_but_the_demo(demo):
    pod("web-1")
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    operations.stop_kubelet("node-1")
    operations.add_node("node-3")
    PodRuntime.objects.create(pod_uid="x", namespace="default", name="web-1", node_name="node-1")
    SchedulingVerdict.objects.create(pod_uid="x", namespace="default", name="web-1")
    Timer.objects.create(controller="kubelet", key="node-1", due=0)
    code, out, _ = run("reset_demo")
    assert code == 0 and out[0] == "6 objects deleted"  # the pod, the namespace and the four nodes
    assert out[1:] == ["node/control-plane created", "node/node-1 created", "node/node-2 created"]
    assert sorted(n["metadata"]["name"] for n in store.list_objects(NODE).items) == ["control-plane", "node-1", "node-2"]
    assert not live("web-1")
    for model in (Kubelet, PodRuntime, SchedulingVerdict, Timer):
        assert not model.objects.exists()


# --- the classroom demo, with the whole control plane ------------------------------------------

def test_a_stopped_kubelets_pods_are_evicted_and_replaced_elsewhere(demo):
    """Every control loop, run inline on the paused clock: scheduler, kubelets, the workload
    controllers and the node lifecycle controller."""
    store.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
    inline.advance(60)
    on_node_1 = {p["metadata"]["name"] for p in Pod.objects.on_node("node-1").objects()}
    assert on_node_1 and len(Pod.objects.live().filter(phase="Running")) == 4

    operations.stop_kubelet("node-1")  # its last Lease renewal was at most 10 s ago
    # 51 s, not 50: a renewal at the very moment of the stop puts the 50 s grace deadline exactly
    # at 50, where float rounding decides; the test is about the outcome, not that boundary.
    inline.advance(51)
    assert ready("node-1") == "Unknown"
    assert taints() == {("node.kubernetes.io/unreachable", "NoSchedule"),
                        ("node.kubernetes.io/unreachable", "NoExecute")}
    assert all(ready(p) == "False" for p in Pod.objects.on_node("node-1").objects())
    inline.advance(288)  # the taint came 40 to 50 s after the stop: 300 s have not passed
    assert all(live(name) for name in on_node_1)

    inline.advance(12)
    assert not any(live(name) for name in on_node_1)  # Terminating: no kubelet to finish them
    inline.advance(60)  # the replacements start on node-2
    running = Pod.objects.live().filter(phase="Running").objects()
    assert len(running) == 4 and {p["spec"]["nodeName"] for p in running} == {"node-2"}

    operations.start_kubelet("node-1")
    inline.advance(30)
    assert ready("node-1") == "True" and not taints()
    assert not Pod.objects.on_node("node-1").exists()  # its kubelet finished them
