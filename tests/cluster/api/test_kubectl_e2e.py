"""The real kubectl, with the kubeconfig `manage.py kubeconfig` writes, against a live daphne."""
import os
import shutil
import subprocess
import sys

import pytest

from .test_server_e2e import ROOT, TIMEOUT, server  # noqa: F401

KUBECTL = shutil.which("kubectl")
pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")]


@pytest.fixture
def kubectl(server, tmp_path):  # noqa: F811
    config = tmp_path / "kubeconfig"
    env = {**os.environ, "KUBESIM_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True,
                   timeout=120, capture_output=True)
    subprocess.run([sys.executable, "manage.py", "kubeconfig", "--server",
                    f"http://127.0.0.1:{server}", "-o", str(config)], cwd=ROOT, env=env,
                   check=True, timeout=60, capture_output=True)

    def run(*args):
        done = subprocess.run([KUBECTL, "--kubeconfig", str(config), *args], env=env, check=False,
                              capture_output=True, text=True, timeout=TIMEOUT)
        assert done.returncode == 0, done.stderr
        return done.stdout
    return run


def test_kubectl_discovers_lists_and_tops(kubectl):
    resources = kubectl("api-resources")
    assert "deployments" in resources and "NodeMetrics" in resources
    kubectl("get", "all", "-A")
    assert "node-1" in kubectl("top", "nodes")
    assert "node-1" in kubectl("get", "nodemetrics")  # by its kind, as with metrics-server
