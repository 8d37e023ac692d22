"""The kubelet's node: heartbeat, registration, admission, and a stopped kubelet."""
import pytest

from cluster import kinds, store
from workers import events
from workers.kubelet import kubelet
from workers.models import Kubelet

from .conftest import NODE, container, get, stamp

pytestmark = pytest.mark.django_db

LEASE = kinds.BY_KIND[("coordination.k8s.io", "Lease")]


def lease():
    return store.get(LEASE, "kube-node-lease", "node-1")


def test_the_heartbeat_renews_the_lease_every_ten_seconds(node, sync, step):
    assert sync() == 10.0
    spec = lease()["spec"]
    assert spec == {"holderIdentity": "node-1", "leaseDurationSeconds": 40,
                    "renewTime": stamp(0).replace("Z", ".000000Z")}
    assert lease()["metadata"]["ownerReferences"] == [{
        "apiVersion": "v1", "kind": "Node", "name": "node-1", "uid": node["metadata"]["uid"]}]
    step(5)
    assert lease()["spec"]["renewTime"] == spec["renewTime"]
    assert step(5) == 10.0
    assert lease()["spec"]["renewTime"] == stamp(10).replace("Z", ".000000Z")


def test_an_idle_node_writes_only_its_lease(node, sync, step):
    sync()
    version = store.get(NODE, None, "node-1")["metadata"]["resourceVersion"]
    for _ in range(29):
        step(10)
    assert store.get(NODE, None, "node-1")["metadata"]["resourceVersion"] == version
    step(10)  # five minutes: the status is reported again
    ready = next(c for c in store.get(NODE, None, "node-1")["status"]["conditions"]
                 if c["type"] == "Ready")
    assert ready["lastHeartbeatTime"] == stamp(300)
    assert ready["lastTransitionTime"] == stamp(0)


def test_a_node_marked_unknown_is_ready_again(node, sync, step):
    def unknown(obj):
        for condition in obj["status"]["conditions"]:
            if condition["type"] == "Ready":
                condition.update(status="Unknown", reason="NodeStatusUnknown",
                                 message="Kubelet stopped posting node status.")
    store.guaranteed_update(NODE, None, "node-1", unknown, subresource="status")
    step(60)
    ready = next(c for c in store.get(NODE, None, "node-1")["status"]["conditions"]
                 if c["type"] == "Ready")
    assert ready == {"type": "Ready", "status": "True", "reason": "KubeletReady",
                     "message": "kubelet is posting ready status",
                     "lastHeartbeatTime": stamp(60), "lastTransitionTime": stamp(60)}


def test_a_stopped_kubelet_does_nothing(node, make_pod, sync, step):
    kubelet.set_running("node-1", False)
    make_pod()
    revision = store.current_revision()
    assert sync() is None
    assert store.current_revision() == revision
    assert get()["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    kubelet.set_running("node-1", True)
    sync()
    assert Kubelet.objects.get().running
    assert container(get())["state"] == {"waiting": {"reason": "ContainerCreating"}}


def test_a_bare_node_is_registered(sync):
    store.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    sync()
    obj = store.get(NODE, None, "node-1")
    assert obj["spec"]["podCIDR"] == "10.244.0.0/24"
    assert obj["metadata"]["labels"]["kubernetes.io/hostname"] == "node-1"
    status = obj["status"]
    assert status["capacity"]["cpu"] == "4" and status["allocatable"]["pods"] == "110"
    assert status["addresses"] == [{"type": "InternalIP", "address": "172.18.0.2"},
                                   {"type": "Hostname", "address": "node-1"}]
    assert status["nodeInfo"]["kubeletVersion"] == "v1.37.0"
    assert [c["type"] for c in status["conditions"]] == [
        "MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]


def test_pulled_images_are_listed_on_the_node(make_pod, sync, step):
    make_pod()
    sync()
    step(1), step(2.6)
    images = store.get(NODE, None, "node-1")["status"]["images"]
    assert images[0]["names"][1] == "docker.io/library/nginx:1.27"
    assert images[0]["names"][0].startswith("docker.io/library/nginx@sha256:")
    assert images[0]["sizeBytes"] == 72_000_000


def test_a_pod_that_does_not_fit_is_rejected(make_pod, sync):
    def requesting(cpu):
        return [{"name": "app", "image": "nginx:1.27", "resources": {"requests": {"cpu": cpu}}}]

    make_pod("big", requesting("3800m"))
    make_pod("web", requesting("500m"))
    sync()
    assert get("big")["status"]["phase"] == "Pending"
    pod = get()
    message = "Node didn't have enough resource: cpu, requested: 500, used: 3800, capacity: 4000"
    assert pod["status"] == {"phase": "Failed", "reason": "OutOfcpu",
                             "message": f"Pod was rejected: {message}", "qosClass": "Burstable",
                             "startTime": stamp(0), "observedGeneration": 1}
    event = events.for_object(pod)[0]
    assert (event["type"], event["reason"], event["message"]) == ("Warning", "OutOfcpu", message)
    assert "fieldPath" not in event["involvedObject"]


def test_keys(node):
    assert list(kubelet.keys_for("MODIFIED", node)) == ["node-1"]
    pod = {"kind": "Pod", "metadata": {"name": "web"}, "spec": {"nodeName": "node-1"}}
    assert list(kubelet.keys_for("ADDED", pod)) == ["node-1"]
    assert list(kubelet.keys_for("ADDED", {**pod, "spec": {}})) == []
    assert list(kubelet.resync_keys()) == ["node-1"]
