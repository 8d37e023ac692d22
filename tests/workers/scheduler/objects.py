"""Nodes and pods for the scheduler's tests, created through the store."""
from cluster import kinds, store

POD, NODE = kinds.lookup("pods"), kinds.lookup("nodes")


def node(name, cpu="4", memory="8Gi", pods="110", labels=None, taints=None, unschedulable=False,
         **allocatable):
    resources = {"cpu": cpu, "memory": memory, "pods": pods, "ephemeral-storage": "100Gi",
                 **allocatable}
    spec = {"taints": taints} if taints else {}
    if unschedulable:
        spec["unschedulable"] = True
    return store.create({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": spec,
        "status": {"capacity": resources, "allocatable": resources,
                   "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                   "message": "kubelet is posting ready status"}]},
    })


def control_plane(name="control-plane", **kwargs):
    return node(name, labels={"node-role.kubernetes.io/control-plane": ""},
                taints=[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
                **kwargs)


def pod(name, cpu=None, memory=None, labels=None, namespace="default", **spec):
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    container = {"name": "app", "image": "nginx:1.27"}
    if requests:
        container["resources"] = {"requests": requests}
    if "ports" in spec:
        container["ports"] = spec.pop("ports")
    return store.create({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {"app": name}},
        "spec": {"containers": [container], **spec},
    })


def get_pod(name, namespace="default"):
    return store.get(POD, namespace, name)


def node_of(name, namespace="default"):
    return get_pod(name, namespace)["spec"].get("nodeName")


def condition(name, condition_type="PodScheduled"):
    conditions = (get_pod(name)["status"].get("conditions") or ())
    return next((c for c in conditions if c["type"] == condition_type), None)
