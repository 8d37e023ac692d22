"""The real kubectl reads /openapi/v3 from a live server: explain, and apply with validation on."""
import os
import shutil
import subprocess

import pytest

from tests.cluster.api.test_server_e2e import server  # noqa: F401 (the fixture)
from tests.manifests import WEB_DEPLOYMENT

KUBECTL = shutil.which("kubectl")
DEPLOYMENT = WEB_DEPLOYMENT
pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")]


def _kubectl(port, home, *args, stdin=None):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home)}  # no user kubeconfig
    return subprocess.run([KUBECTL, "--server", f"http://127.0.0.1:{port}", *args],
                          input=stdin, capture_output=True, text=True, env=env, timeout=60,
                          check=False)


def test_explain_reads_the_field_from_openapi_v3(server, tmp_path):  # noqa: F811
    result = _kubectl(server, tmp_path, "explain", "deployment.spec.replicas")
    assert result.returncode == 0, result.stderr
    assert "FIELD: replicas <integer>" in result.stdout
    assert "Number of desired pods" in result.stdout


def test_apply_validates_on_the_server_without_validate_false(server, tmp_path):  # noqa: F811
    result = _kubectl(server, tmp_path, "apply", "-f", "-", "-v=6", stdin=DEPLOYMENT)
    assert result.returncode == 0, result.stderr
    assert "deployment.apps/web created" in result.stdout
    assert "fieldValidation=Strict" in result.stderr  # kubectl left checking fields to us
    bad = DEPLOYMENT.replace("  replicas: 2\n", "  replicas: 2\n  bogus: 1\n")
    result = _kubectl(server, tmp_path, "apply", "-f", "-", stdin=bad)
    assert result.returncode != 0
    assert 'unknown field "spec.bogus"' in result.stderr
