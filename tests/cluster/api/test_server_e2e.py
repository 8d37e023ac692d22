"""The API served by daphne over real HTTP: a watch streams while another request creates a pod."""
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
TIMEOUT = 20  # seconds for any one step



@pytest.fixture
def server(tmp_path):
    """daphne on a free port, over a fresh SQLite database in a temporary directory."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["KUBESIM_DATA_DIR"] = str(tmp_path)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True, timeout=120)
    port = free_port()
    process = subprocess.Popen([BIN / "daphne", "-b", "127.0.0.1", "-p", str(port),
                                "kubesim.asgi:application"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_healthy(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def wait_until_healthy(port, process):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"daphne exited: {process.stderr.read().decode()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/readyz")
            if connection.getresponse().read() == b"ok":
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("daphne did not become ready")


@pytest.mark.e2e
def test_a_watch_over_http_sees_a_pod_another_request_creates(server):
    watch = http.client.HTTPConnection("127.0.0.1", server, timeout=TIMEOUT)
    watch.request("GET", "/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=30")
    stream = watch.getresponse()  # the headers come at once, before any event
    assert stream.status == 200
    assert stream.getheader("Content-Type") == "application/json"
    assert stream.getheader("Transfer-Encoding") == "chunked"

    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
           "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}
    writer = http.client.HTTPConnection("127.0.0.1", server, timeout=TIMEOUT)
    writer.request("POST", "/api/v1/namespaces/default/pods", json.dumps(pod),
                   {"Content-Type": "application/json"})
    created = writer.getresponse()
    assert created.status == 201
    created = json.loads(created.read())

    event = json.loads(stream.readline())
    assert event["type"] == "ADDED"
    assert event["object"]["metadata"]["uid"] == created["metadata"]["uid"]
    watch.close()
    writer.close()
