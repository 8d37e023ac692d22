"""The README's `make run`, for real: the server comes up with the demo cluster and answers over HTTP.

The server runs as the README starts it, with a free PORT and a throwaway KUBESIM_DATA_DIR, in
embedded mode (the suite's DATABASE_URL and REDIS_URL are not passed on: `make run` is the
no-services quick start).
"""
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60
# Not passed to `make run`: the suite's services, and the outer make's (its jobserver fds).
_DROPPED_ENV = ("DATABASE_URL", "REDIS_URL", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")



def request(method, url, body=None, content_type="application/json"):
    """(status, headers, body bytes) for any status, 4xx and 5xx included."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def _wait_for_healthz(base, proc, log_path):
    deadline = time.monotonic() + STARTUP_SECONDS
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`make run` exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            status, _, body = request("GET", f"{base}/healthz")
            if status == 200 and body.strip() == b"ok":
                return
            last = f"{status} {body[:200]!r}"
        except OSError as e:  # not listening yet
            last = repr(e)
        time.sleep(0.5)
    pytest.fail(f"/healthz did not answer ok within {STARTUP_SECONDS}s (last: {last}):\n"
                f"{log_path.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("make-run")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(PORT=str(port), KUBESIM_DATA_DIR=str(data_dir))
    log_path = data_dir / "make-run.log"
    with open(log_path, "wb") as log:
        # Its own process group: make, the shell and daphne all go when the group is killed.
        proc = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_healthz(base, proc, log_path)
        yield base
    finally:
        _kill_group(proc)


def _kill_group(proc):
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def assert_status(status, body, code, reason):
    assert status == code, body
    doc = json.loads(body)
    assert doc["kind"] == "Status" and doc["apiVersion"] == "v1", doc
    assert doc["status"] == "Failure" and doc["code"] == code and doc["reason"] == reason, doc
    assert doc["message"], doc


def test_the_demo_cluster_has_three_nodes(server):
    status, headers, body = request("GET", f"{server}/api/v1/nodes")
    assert status == 200, body
    assert headers["Content-Type"].startswith("application/json")
    nodes = json.loads(body)
    assert nodes["kind"] == "NodeList"
    assert int(nodes["metadata"]["resourceVersion"]) > 0
    assert len(nodes["items"]) == 3, [n["metadata"]["name"] for n in nodes["items"]]
    assert all(n["kind"] == "Node" for n in nodes["items"])


def test_create_a_pod_and_get_it_back(server):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "readme-web", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
    }
    status, _, body = request("POST", f"{server}/api/v1/namespaces/default/pods", pod)
    assert status == 201, body
    created = json.loads(body)
    assert created["kind"] == "Pod"
    assert created["metadata"]["namespace"] == "default"
    assert created["metadata"]["uid"] and created["metadata"]["resourceVersion"]

    status, _, body = request("GET", f"{server}/api/v1/namespaces/default/pods/readme-web")
    assert status == 200, body
    fetched = json.loads(body)
    assert fetched["metadata"]["uid"] == created["metadata"]["uid"]
    assert fetched["spec"]["containers"][0]["image"] == "nginx:1.27"

    status, _, body = request("GET", f"{server}/api/v1/namespaces/default/pods?labelSelector=app%3Dweb")
    assert status == 200, body
    assert [p["metadata"]["name"] for p in json.loads(body)["items"]] == ["readme-web"]


def test_a_bad_request_gets_a_kubernetes_status(server):
    status, _, body = request("POST", f"{server}/api/v1/namespaces/default/pods", b"{not json")
    assert_status(status, body, 400, "BadRequest")


def test_a_missing_pod_gets_a_not_found_status(server):
    status, _, body = request("GET", f"{server}/api/v1/namespaces/default/pods/no-such-pod")
    assert_status(status, body, 404, "NotFound")


def _running_and_ready(pods):
    return all(p.get("status", {}).get("phase") == "Running"
               and any(c["type"] == "Ready" and c["status"] == "True"
                       for c in p["status"].get("conditions", [])) for p in pods)


def test_the_embedded_control_plane_runs_a_deployment(server):
    """No Redis, no second process: the server's own worker schedules, starts and heals pods."""
    labels = {"app": "embedded"}
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "embedded"},
        "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels, "annotations": {
                     "kubesim.io/pull-seconds": "0"}},
                     "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
    }
    status, _, body = request("POST", f"{server}/apis/apps/v1/namespaces/default/deployments",
                              deployment)
    assert status == 201, body
    pods = _wait_for_pods(server, "app%3Dembedded", 2)
    assert {p["spec"]["nodeName"] for p in pods} <= {"node-1", "node-2"}  # not the control plane

    victim = pods[0]["metadata"]["name"]
    status, _, body = request("DELETE", f"{server}/api/v1/namespaces/default/pods/{victim}")
    assert status == 200, body
    healed = _wait_for_pods(server, "app%3Dembedded", 2, without=victim)
    assert victim not in {p["metadata"]["name"] for p in healed}


def _wait_for_pods(server, selector, n, without=None, seconds=60):
    deadline = time.monotonic() + seconds
    pods = []
    while time.monotonic() < deadline:
        _, _, body = request("GET", f"{server}/api/v1/namespaces/default/pods?labelSelector={selector}")
        pods = [p for p in json.loads(body)["items"] if p["metadata"]["name"] != without]
        if len(pods) == n and _running_and_ready(pods):
            return pods
        time.sleep(0.5)
    pytest.fail(f"pods not Running and Ready within {seconds}s: {json.dumps(pods)[:3000]}")
