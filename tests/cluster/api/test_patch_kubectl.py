"""The real kubectl's strategic merge patches: apply twice, set image, label, annotate."""
import json

import pytest

from .test_kubectl_e2e import kubectl, server  # noqa: F401

pytestmark = [pytest.mark.e2e]

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: k4web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: k4web}}
  template:
    metadata: {labels: {app: k4web}}
    spec:
      containers:
      - {name: nginx, image: "IMAGE", env: [{name: A, value: "VALUE"}]}
      - {name: side, image: busybox}
"""


def test_apply_twice_set_image_label_annotate(kubectl, tmp_path):  # noqa: F811
    manifest = tmp_path / "web.yaml"
    for image, value in (("nginx:1.25", "1"), ("nginx:1.27", "2")):
        manifest.write_text(DEPLOYMENT.replace("IMAGE", image).replace("VALUE", value))
        kubectl("apply", "-f", str(manifest))
    kubectl("set", "image", "deployment/k4web", "side=busybox:2")
    kubectl("label", "deployment", "k4web", "tier=x")
    kubectl("annotate", "deployment", "k4web", "note=y")
    got = json.loads(kubectl("get", "deployment", "k4web", "-o", "json"))
    containers = got["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("nginx", "nginx:1.27"), ("side", "busybox:2")]
    assert containers[0]["env"] == [{"name": "A", "value": "2"}]
    assert got["metadata"]["labels"]["tier"] == "x"
    assert got["metadata"]["annotations"]["note"] == "y"
