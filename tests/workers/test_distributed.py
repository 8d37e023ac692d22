"""Distributed mode for real: daphne, a Celery beat and three Celery worker processes on PostgreSQL
and Redis take a Deployment to all Running — and, racing each other, never bind a pod twice,
overfill a node or create extra replicas."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest

from tests.conftest import POSTGRES_URL, REDIS_URL, free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
REPLICAS = 12


def deployment(name, replicas, cpu):
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{
                                  "name": "web", "image": "nginx:1.27",
                                  "resources": {"requests": {"cpu": cpu}}}]}}},
    }


@pytest.fixture
def cluster(postgres_url, redis_url, tmp_path):
    """A fresh database and Redis db; migrate and seed; then the processes of distributed mode."""
    db = f"kubesim_e2e_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(POSTGRES_URL, autocommit=True)
    admin.execute(f"CREATE DATABASE {db}")
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + db
    redis = REDIS_URL.rsplit("/", 1)[0] + "/14"
    subprocess.run(["redis-cli", "-u", redis, "flushdb"], check=True, capture_output=True)
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis, "KUBESIM_DATA_DIR": str(tmp_path),
           "KUBESIM_CONTROL_PLANE": "celery", "KUBESIM_ZERO_DELAYS": "1"}
    manage = [str(VENV_BIN / "python"), "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    celery = [str(VENV_BIN / "celery"), "-A", "kubesim"]
    commands = [
        [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "kubesim.asgi:application"],
        [*celery, "beat", "-s", str(tmp_path / "beat-schedule"), "--loglevel", "WARNING"],
        *([*celery, "worker", "--pool", "solo", "-n", f"w{i}@%h", "--loglevel", "WARNING"]
          for i in range(3)),
    ]
    with ExitStack() as stack:
        for i, command in enumerate(commands):
            log = stack.enter_context(open(tmp_path / f"process-{i}.log", "w"))
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log,
                                    start_new_session=True)
            stack.callback(_stop, proc)
        api = f"http://127.0.0.1:{port}"
        _wait_for(lambda: _get(api, "/healthz") == "ok", 30, tmp_path)
        try:
            yield api, url, tmp_path
        finally:
            stack.close()
            psycopg.connect(url).close()
            admin.execute(f"DROP DATABASE {db} WITH (FORCE)")


def _stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _get(api, path):
    try:
        with urllib.request.urlopen(api + path, timeout=5) as response:
            body = response.read().decode()
            return body if path == "/healthz" else json.loads(body)
    except OSError:
        return None


def _post(api, path, obj):
    request = urllib.request.Request(api + path, data=json.dumps(obj).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _wait_for(condition, seconds, logs):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    dump = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(logs.glob("*.log")))
    pytest.fail(f"timed out after {seconds}s\n{dump}")


def _pods(api):
    return (_get(api, "/api/v1/namespaces/default/pods") or {}).get("items", [])


def _all_running(api, n):
    pods = _pods(api)
    return len(pods) == n and all(
        p.get("status", {}).get("phase") == "Running"
        and any(c["type"] == "Ready" and c["status"] == "True"
                for c in p["status"].get("conditions", []))
        for p in pods)


def test_workers_take_a_deployment_to_running_without_double_work(cluster):
    api, url, logs = cluster
    # Each worker node of the demo has 4 CPUs; 12 × 500m fits only if packed exactly right.
    _post(api, "/apis/apps/v1/namespaces/default/deployments", deployment("web", REPLICAS, "500m"))
    _wait_for(lambda: _all_running(api, REPLICAS), 90, logs)

    with psycopg.connect(url) as db:
        history = db.execute(
            "SELECT type, object FROM cluster_watchevent WHERE kind = 'Pod' ORDER BY revision"
        ).fetchall()
    created = [obj["metadata"]["name"] for kind, obj in history if kind == "ADDED"]
    assert len(created) == REPLICAS, "no extra replicas were ever created"
    bound = {}
    for _, obj in history:
        node = obj["spec"].get("nodeName")
        if node:
            assert bound.setdefault(obj["metadata"]["name"], node) == node, "bound once"
    per_node = {}
    for pod in _pods(api):
        per_node[pod["spec"]["nodeName"]] = per_node.get(pod["spec"]["nodeName"], 0) + 500
    assert "control-plane" not in per_node  # tainted
    assert all(millicores <= 4000 for millicores in per_node.values()), per_node
