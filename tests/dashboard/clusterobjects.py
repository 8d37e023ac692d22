"""Nodes, pods and events for the cluster view's tests, written through the store as the control
plane would write them (nothing reconciles in unit tests)."""
from cluster import kinds, store
from workers import events, operations

POD, NODE = kinds.lookup("pods"), kinds.lookup("nodes")
HOSTILE = '"><img src=x onerror=alert(1)>'
HOSTILE_ESCAPED = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
READY = {"phase": "Running",
         "conditions": [{"type": "Ready", "status": "True"}],
         "containerStatuses": [{"name": "app", "image": "nginx:1.27", "ready": True,
                                "restartCount": 0, "started": True,
                                "state": {"running": {"startedAt": "2025-03-01T12:00:00Z"}}}]}


def node(name, cpu="4", memory="8Gi", **more):
    return operations.add_node(name, cpu=cpu, memory=memory, **more)


def namespace(name):
    return store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def pod(name, node="", namespace="default", requests=None, labels=None, annotations=None,
        status=None):
    meta = {"name": name, "namespace": namespace, "labels": labels or {},
            "annotations": annotations or {}}
    resources = {"requests": requests} if requests else {}
    spec = {"containers": [{"name": "app", "image": "nginx:1.27", "resources": resources}]}
    if node:
        spec["nodeName"] = node
    created = store.create({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec})
    if status:
        created = set_status(created, status)
    return created


def set_status(the_pod, status):
    meta = the_pod["metadata"]
    return store.guaranteed_update(POD, meta["namespace"], meta["name"],
                                   lambda p: p["status"].update(status), subresource="status")


def event(obj, reason, message, component="kubelet", event_type="Normal"):
    return events.record(obj, event_type, reason, message, component=component)
