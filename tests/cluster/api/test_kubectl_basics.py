"""The real kubectl's first steps against a live server: discovery, top, /openapi/v3 (explain,
apply validated on the server) and the strategic merge patches of apply, set image, label and
annotate. One server for the module (tests.livecluster)."""
import os
import subprocess

import pytest

from tests.livecluster import KUBECTL
from tests.manifests import WEB_DEPLOYMENT

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")]

K4WEB = """apiVersion: apps/v1
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


@pytest.fixture(scope="module")
def kubectl(live_cluster):
    return live_cluster.kubectl()


def _bare_kubectl(live_cluster, home, *args, stdin=None):
    """kubectl with nothing but --server: no kubeconfig, no token."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home)}
    return subprocess.run([KUBECTL, "--server", live_cluster.url, *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def test_kubectl_discovers_lists_and_tops(kubectl):
    resources = kubectl("api-resources")
    assert "deployments" in resources and "NodeMetrics" in resources
    kubectl("get", "all", "-A")
    assert "node-1" in kubectl("top", "nodes")
    assert "node-1" in kubectl("get", "nodemetrics")  # by its kind, as with metrics-server


def test_explain_reads_the_field_from_openapi_v3(live_cluster, tmp_path):
    result = _bare_kubectl(live_cluster, tmp_path, "explain", "deployment.spec.replicas")
    assert result.returncode == 0, result.stderr
    assert "FIELD: replicas <integer>" in result.stdout
    assert "Number of desired pods" in result.stdout


def test_apply_validates_on_the_server_without_validate_false(live_cluster, tmp_path):
    result = _bare_kubectl(live_cluster, tmp_path, "apply", "-f", "-", "-v=6",
                           stdin=WEB_DEPLOYMENT)
    assert result.returncode == 0, result.stderr
    assert "deployment.apps/web created" in result.stdout
    assert "fieldValidation=Strict" in result.stderr  # kubectl left checking fields to us
    bad = WEB_DEPLOYMENT.replace("  replicas: 2\n", "  replicas: 2\n  bogus: 1\n")
    result = _bare_kubectl(live_cluster, tmp_path, "apply", "-f", "-", stdin=bad)
    assert result.returncode != 0
    assert 'unknown field "spec.bogus"' in result.stderr


def test_apply_twice_set_image_label_annotate(kubectl, tmp_path):
    manifest = tmp_path / "web.yaml"
    for image, value in (("nginx:1.25", "1"), ("nginx:1.27", "2")):
        manifest.write_text(K4WEB.replace("IMAGE", image).replace("VALUE", value))
        kubectl("apply", "-f", str(manifest))
    kubectl("set", "image", "deployment/k4web", "side=busybox:2")
    kubectl("label", "deployment", "k4web", "tier=x")
    kubectl("annotate", "deployment", "k4web", "note=y")
    got = kubectl.json("get", "deployment", "k4web")
    containers = got["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("nginx", "nginx:1.27"), ("side", "busybox:2")]
    assert containers[0]["env"] == [{"name": "A", "value": "2"}]
    assert got["metadata"]["labels"]["tier"] == "x"
    assert got["metadata"]["annotations"]["note"] == "y"
