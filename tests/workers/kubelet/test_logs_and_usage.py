"""Simulated logs and resource usage."""
from datetime import UTC, datetime

import pytest

from cluster.errors import BadRequest
from workers.kubelet import usage
from workers.kubelet.logs import logs

from .conftest import T0, get

pytestmark = pytest.mark.django_db


def started(make_pod, sync, step, **kwargs):
    make_pod(**kwargs)
    sync()
    step(1), step(2.6), step(0.5)  # nginx runs from T0+4.1, prints from 4.2
    step(1)
    return get()


def test_nginx_prints_its_startup_lines(make_pod, sync, step):
    pod = started(make_pod, sync, step)
    text = logs(pod)
    lines = text.splitlines()
    assert lines[0] == ("/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt "
                        "to perform configuration")
    assert lines[16] == "2025/03/01 12:00:04 [notice] 1#1: start worker process 30"
    assert all(" HTTP/1.1" in line for line in lines[17:])  # then requests, a few per minute
    assert text.endswith("\n")
    assert logs(pod) == text  # deterministic


def test_logs_grow_with_simulated_time_and_tail(make_pod, sync, step):
    pod = started(make_pod, sync, step)
    before = logs(pod)
    step(600)
    after = logs(pod)
    assert after.startswith(before) and len(after.splitlines()) > len(before.splitlines())
    assert '"GET / HTTP/1.1" 200 615' in after
    assert logs(pod, tail_lines=2) == "".join(f"{line}\n" for line in after.splitlines()[-2:])
    assert logs(pod, tail_lines=0) == ""


def test_timestamps_and_since(make_pod, sync, step):
    pod = started(make_pod, sync, step)
    first = logs(pod, timestamps=True).splitlines()[0]
    assert first.startswith("2025-03-01T12:00:04.2Z /docker-entrypoint.sh")
    step(100)
    since = datetime.fromtimestamp(T0 + 50, UTC)
    recent = logs(pod, since=since, timestamps=True).splitlines()
    assert recent == [line for line in logs(pod, timestamps=True).splitlines()
                      if line[:19] >= "2025-03-01T12:00:50"]


def test_probes_appear_in_the_access_log(make_pod, sync, step):
    probe = {"httpGet": {"path": "/healthz", "port": 80}, "periodSeconds": 10}
    pod = started(make_pod, sync, step, containers=[
        {"name": "app", "image": "nginx:1.27", "readinessProbe": probe}])
    step(30)
    probes = [line for line in logs(pod).splitlines() if "kube-probe/1.37" in line]
    assert len(probes) == 4
    assert probes[0].startswith('10.244.1.1 - - [01/Mar/2025:12:00:04 +0000] "GET /healthz ')


def test_echo_loops_print_as_they_go(make_pod, sync, step):
    make_pod(containers=[{"name": "app", "image": "busybox:1.36", "command": [
        "sh", "-c", "echo starting $HOSTNAME; while true; do echo tick; sleep 5; done"]}])
    sync()
    step(1), step(0.9), step(0.3)
    step(12)
    assert logs(get()) == "starting web\ntick\ntick\ntick\n"


def test_previous_shows_the_last_crashed_run(make_pod, sync, step):
    make_pod(containers=[{"name": "app", "image": "busybox:1.36",
                          "command": ["sh", "-c", "echo boom; exit 1"]}])
    sync()
    step(1), step(0.9), step(0.3)
    pod = get()
    with pytest.raises(BadRequest, match='previous terminated container "app" in pod "web" '
                                         "not found"):
        logs(pod, previous=True)
    assert logs(pod) == "boom\n"
    step(1), step(0.3), step(1)  # restarted, crashed again: CrashLoopBackOff
    assert logs(get()) == "boom\n"
    assert logs(get(), previous=True) == "boom\n"


def test_log_errors_are_upstreams(make_pod, sync, step):
    make_pod(containers=[{"name": "app", "image": "nginx:doesnotexist"},
                         {"name": "sidecar", "image": "redis:7"}],
             initContainers=[{"name": "setup", "image": "busybox:1.36", "command": ["true"]}])
    pod = get()
    with pytest.raises(BadRequest, match=r"^a container name must be specified for pod web, "
                                         r"choose one of: \[app sidecar\] or one of the init "
                                         r"containers: \[setup\]$"):
        logs(pod)
    with pytest.raises(BadRequest, match="^container nope is not valid for pod web$"):
        logs(pod, "nope")
    sync()
    with pytest.raises(BadRequest, match='^container "app" in pod "web" is waiting to start: '
                                         "PodInitializing$"):
        logs(get(), "app")
    step(1), step(0.9), step(0.3), step(0.8)  # setup ran; the app's pull failed
    with pytest.raises(BadRequest, match="is waiting to start: image can't be pulled$"):
        logs(get(), "app")
    assert logs(get(), "setup") == ""


def test_failing_postgres_explains_itself(make_pod, sync, step):
    make_pod(image="postgres:17")
    sync()
    step(1), step(4.8), step(0.5), step(0.3)
    assert logs(get()).startswith("Error: Database is uninitialized and superuser password is "
                                  "not specified.\n")


def test_usage_comes_from_the_catalog_and_annotations(make_pod, sync, step):
    pod = started(make_pod, sync, step, annotations={"kubesim.io/cpu": "250m",
                                                     "kubesim.io/memory": "64Mi"})
    used = usage.pod_usage(pod)
    assert 225 <= used["cpu"] <= 275
    assert 0.95 * 64 * 2 ** 20 <= used["memory"] <= 1.05 * 64 * 2 ** 20
    assert usage.pod_usage(pod) == used  # the same within a metrics window
    node = usage.node_usage("node-1")
    assert node == {"cpu": 60 + used["cpu"], "memory": 500 * 2 ** 20 + used["memory"]}


def test_cpu_is_throttled_at_the_limit(make_pod, sync, step):
    pod = started(make_pod, sync, step, annotations={"kubesim.io/cpu": "2"}, containers=[
        {"name": "app", "image": "nginx:1.27", "resources": {"limits": {"cpu": "500m"}}}])
    assert usage.pod_usage(pod)["cpu"] == 500


def test_a_pod_not_running_uses_nothing(make_pod, sync):
    pod = make_pod()
    assert usage.pod_usage(pod) == {"cpu": 0, "memory": 0}
