"""The README's picture of the cluster view, taken by the browser the tests drive.

    KUBESIM_SCREENSHOT=1 .venv/bin/pytest tests/dashboard/browser/test_screenshot.py

writes docs/images/cluster-view.png (1280×800); without the variable the picture goes to a
temporary directory and is only checked.
"""
import os
import struct
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .dom import chips

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

README_IMAGE = Path(__file__).resolve().parents[3] / "docs" / "images" / "cluster-view.png"


def deployment(name, replicas, container, annotations=None):
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels, "annotations": annotations or {}},
                              "spec": {"containers": [{"name": name, **container}]}}},
    }


def pod(name, container, annotations=None):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "annotations": annotations or {}},
            "spec": {"containers": [{"name": name, **container}]}}


CPU = {"resources": {"requests": {"cpu": "500m", "memory": "256Mi"}}}
PROBE = {"readinessProbe": {"httpGet": {"path": "/", "port": 80}}}
# (resource path, object, pod name prefix, the state it is shown in, how many)
SCENE = [
    ("deployments", deployment("web", 4, {"image": "nginx:1.27", **CPU}), "web-", "Ready", 4),
    ("deployments", deployment("cache", 1, {"image": "redis:7", **CPU}), "cache-", "Ready", 1),
    # busybox exits at once with nothing to run: the Deployment crash-loops, as in real life.
    ("deployments", deployment("worker", 1, {"image": "busybox:1.36"}), "worker-",
     "CrashLoopBackOff", 1),
    ("deployments", deployment("api", 2, {"image": "nginx:1.27", **PROBE},
                               {"kubesim.io/never-ready": "true"}), "api-", "Running", 2),
    ("pods", pod("typo", {"image": "ngnix:1.27"}), "typo", "ImagePullBackOff", 1),
    ("pods", pod("big-image", {"image": "postgres:17"}, {"kubesim.io/pull-seconds": "86400"}),
     "big-image", "ContainerCreating", 1),
    ("pods", pod("too-big", {"image": "nginx:1.27", "resources": {"requests": {"cpu": "16"}}}),
     "too-big", "Pending", 1),
]


def _create_scene(cluster):
    for resource, obj, *_ in SCENE:
        group = "/api/v1" if resource == "pods" else "/apis/apps/v1"
        cluster.ok("POST", f"{group}/namespaces/default/{resource}", obj)


def _png_size(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_a_screenshot_of_the_cluster_view(open_page, cluster, tmp_path):
    view = open_page("/")
    _create_scene(cluster)
    for _, _, prefix, state, count in SCENE:
        expect(chips(view, f"default/{prefix}", state=state)).to_have_count(count)
    expect(chips(view, "default/too-big", unscheduled=True)).to_have_count(1)
    expect(view.locator('section.node-card[data-ready="true"]')).to_have_count(3)

    wanted = os.environ.get("KUBESIM_SCREENSHOT") == "1"
    path = README_IMAGE if wanted else tmp_path / "cluster-view.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    view.mouse.move(0, 0)  # no hover effect in the picture
    view.screenshot(path=path, animations="disabled")
    assert _png_size(path) == (view.viewport_size["width"], view.viewport_size["height"])
    assert path.stat().st_size > 20_000, "a picture of a page with content"
