"""metrics.k8s.io/v1beta1 from the kubelet's simulated usage, as `kubectl top` reads it."""
import json

import pytest
from django.test import Client

from tests.workers.kubelet.conftest import make_pod, node, paused_clock, step, sync  # noqa: F401
from workers.kubelet import usage

pytestmark = pytest.mark.django_db


def started(make_pod, sync, step):  # noqa: F811
    make_pod(annotations={"kubesim.io/cpu": "250m", "kubesim.io/memory": "64Mi"})
    sync()
    step(1), step(2.6), step(0.5), step(1)


def get(path):
    response = Client().get(path)
    return response.status_code, json.loads(response.content)


def test_node_metrics(make_pod, sync, step):  # noqa: F811
    started(make_pod, sync, step)
    used = usage.node_usage("node-1")
    status, body = get("/apis/metrics.k8s.io/v1beta1/nodes")
    assert status == 200 and body["kind"] == "NodeMetricsList"
    [item] = body["items"]
    assert item["metadata"]["name"] == "node-1" and item["window"] == "15s"
    assert item["usage"] == {"cpu": f"{used['cpu']}m", "memory": f"{used['memory'] // 1024}Ki"}
    status, one = get("/apis/metrics.k8s.io/v1beta1/nodes/node-1")
    assert status == 200 and one["kind"] == "NodeMetrics"
    assert get("/apis/metrics.k8s.io/v1beta1/nodes/nope")[0] == 404


def test_pod_metrics(make_pod, sync, step):  # noqa: F811
    started(make_pod, sync, step)
    status, body = get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods")
    assert status == 200 and body["kind"] == "PodMetricsList"
    [item] = body["items"]
    assert item["metadata"]["namespace"] == "default"
    [container] = item["containers"]
    assert 225 <= int(container["usage"]["cpu"].rstrip("m")) <= 275
    assert get("/apis/metrics.k8s.io/v1beta1/pods")[1]["items"][0]["metadata"]["name"] == "web"
    assert get("/apis/metrics.k8s.io/v1beta1/namespaces/other/pods/web")[0] == 404


def test_metrics_are_discoverable():
    groups = get("/apis")[1]["groups"]
    assert any(g["name"] == "metrics.k8s.io" for g in groups)
    kinds = {r["kind"] for r in get("/apis/metrics.k8s.io/v1beta1")[1]["resources"]}
    assert kinds == {"NodeMetrics", "PodMetrics"}
