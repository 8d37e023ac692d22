"""metrics.k8s.io/v1beta1, as metrics-server serves it, from the kubelet's simulated usage, so
that `kubectl top nodes` and `kubectl top pods` work."""
from django.urls import re_path

from .. import clock
from ..errors import NotFound
from ..models import Node, Pod
from ..timestamps import timestamp
from . import tables
from .discovery import apart_urlpatterns, only_get
from .responses import api_view

GROUP, VERSION = "metrics.k8s.io", "v1beta1"
API_VERSION = f"{GROUP}/{VERSION}"
# (resource, kind, namespaced, singular, verbs), for discovery. The singular is the kind in lower
# case, as the generic apiserver metrics-server runs on derives it: `kubectl get nodemetrics`
# finds it, and `node`/`pod` stay the core kinds'.
RESOURCES = [("nodes", "NodeMetrics", False, "nodemetrics", ["get", "list"]),
             ("pods", "PodMetrics", True, "podmetrics", ["get", "list"])]


def _usage(used):
    return {"cpu": f"{used['cpu']}m", "memory": f"{used['memory'] // 1024}Ki"}


def _metrics(kind, obj, **fields):
    from workers.kubelet.usage import WINDOW_SECONDS
    now = timestamp(clock.now())
    meta = obj["metadata"]
    metadata = {"name": meta["name"], "creationTimestamp": now,
                "labels": meta.get("labels") or {}}
    if meta.get("namespace"):
        metadata["namespace"] = meta["namespace"]
    return {"kind": kind, "apiVersion": API_VERSION, "metadata": metadata,
            "timestamp": now, "window": f"{WINDOW_SECONDS}s", **fields}


def node_metrics(node):
    from workers.kubelet.usage import node_usage
    return _metrics("NodeMetrics", node, usage=_usage(node_usage(node["metadata"]["name"])))


def pod_metrics(pod):
    from workers.kubelet.usage import pod_usage
    containers = []
    for spec in pod["spec"].get("containers") or ():
        # One container at a time: pod_usage sums whatever containers the spec it gets lists.
        alone = {**pod, "spec": {**pod["spec"], "containers": [spec], "initContainers": []}}
        containers.append({"name": spec["name"], "usage": _usage(pod_usage(alone))})
    return _metrics("PodMetrics", pod, containers=containers)


def _running(pods):
    return [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]


def _list(request, kind, items):
    body = {"kind": f"{kind}List", "apiVersion": API_VERSION, "metadata": {}, "items": items}
    return tables.respond_metrics(request, kind, body, listed=True)


def nodes(request, name=None):
    only_get(request)
    found = Node.objects.all() if name is None else Node.objects.filter(name=name)
    items = [node_metrics(n) for n in found.objects()]
    if name is None:
        return _list(request, "NodeMetrics", items)
    if not items:
        raise NotFound(f'nodemetrics.{GROUP} "{name}" not found')
    return tables.respond_metrics(request, "NodeMetrics", items[0])


def pods(request, namespace=None, name=None):
    only_get(request)
    found = Pod.objects.in_namespace(namespace)
    if name is not None:
        found = found.filter(name=name)
    items = [pod_metrics(p) for p in _running(found.objects())]
    if name is None:
        return _list(request, "PodMetrics", items)
    if not items:
        raise NotFound(f'podmetrics.{GROUP} "{name}" not found')
    return tables.respond_metrics(request, "PodMetrics", items[0])


_BASE = r"^apis/metrics\.k8s\.io"
urlpatterns = apart_urlpatterns(GROUP, VERSION) + [
    re_path(_BASE + r"/v1beta1/nodes(?:/(?P<name>[^/]+))?/?$", api_view(nodes)),
    re_path(_BASE + r"/v1beta1/pods/?$", api_view(pods)),
    re_path(_BASE + r"/v1beta1/namespaces/(?P<namespace>[^/]+)/pods(?:/(?P<name>[^/]+))?/?$",
            api_view(pods)),
]
