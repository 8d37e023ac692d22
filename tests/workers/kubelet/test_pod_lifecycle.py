"""A pod's life on node-1, step by step on the simulated clock, as the API shows it."""
import pytest

from cluster import store
from workers import events
from workers.models import PodRuntime

from .conftest import conditions, container, get, reasons, stamp

pytestmark = pytest.mark.django_db

FIELD = "spec.containers{app}"


def test_happy_path_status_at_each_step(make_pod, sync, step):
    make_pod()
    assert sync() == 1.0  # the sandbox is ready in a second
    pod = get()
    assert pod["status"]["phase"] == "Pending"
    assert pod["status"]["startTime"] == stamp(0)
    assert pod["status"]["hostIP"] == "172.18.0.3"
    assert pod["status"]["hostIPs"] == [{"ip": "172.18.0.3"}]
    assert "podIP" not in pod["status"]
    assert pod["status"]["qosClass"] == "BestEffort"
    assert pod["status"]["observedGeneration"] == 1
    assert conditions(pod) == {"PodReadyToStartContainers": "False", "Initialized": "True",
                               "Ready": "False", "ContainersReady": "False",
                               "PodScheduled": "True"}
    ready = next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")
    assert ready == {"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                     "message": "containers with unready status: [app]", "lastProbeTime": None,
                     "lastTransitionTime": stamp(0), "observedGeneration": 1}
    # The ServiceAccount admission mounted the API credentials (kube-api-access-xxxxx).
    token = {"name": pod["spec"]["volumes"][0]["name"], "readOnly": True,
             "recursiveReadOnly": "Disabled",
             "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
    assert container(pod) == {"name": "app", "image": "nginx:1.27", "imageID": "",
                              "lastState": {}, "ready": False, "restartCount": 0,
                              "started": False, "state": {"waiting": {"reason":
                                                                      "ContainerCreating"}},
                              "volumeMounts": [token]}

    assert step(1) == pytest.approx(2.6)  # sandbox ready: the pull starts, 72 MB in 2.6 s
    pod = get()
    assert pod["status"]["podIP"] == "10.244.1.2"
    assert pod["status"]["podIPs"] == [{"ip": "10.244.1.2"}]
    assert conditions(pod)["PodReadyToStartContainers"] == "True"
    assert container(pod)["state"] == {"waiting": {"reason": "ContainerCreating"}}

    assert step(2.6) == pytest.approx(0.5)  # pulled; create and start take half a second
    assert get()["status"]["phase"] == "Pending"

    step(0.5)
    pod = get()
    assert pod["status"]["phase"] == "Running"
    assert set(conditions(pod).values()) == {"True"}
    app = container(pod)
    assert app["state"] == {"running": {"startedAt": stamp(4)}}
    assert app["ready"] is True and app["started"] is True
    assert app["image"] == "docker.io/library/nginx:1.27"
    assert app["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert app["containerID"].startswith("containerd://") and len(app["containerID"]) == 77
    assert app["resources"] == {}
    assert app["user"] == {"linux": {"gid": 0, "supplementalGroups": [0], "uid": 0}}

    assert reasons(pod) == [
        ("Pulling", 'Pulling image "nginx:1.27"'),
        ("Pulled", ('Successfully pulled image "nginx:1.27" in 2.6s (2.6s including waiting). '
                   "Image size: 72000000 bytes.")),
        ("Created", "Container created"),
        ("Started", "Container started"),
    ]


def test_events_name_the_container_and_the_kubelet(make_pod, sync, step):
    make_pod()
    sync()
    step(1)
    event = events.for_object(get())[0]
    assert event["involvedObject"]["fieldPath"] == FIELD
    assert event["source"] == {"component": "kubelet", "host": "node-1"}
    assert event["type"] == "Normal"


def test_a_second_pod_finds_the_image_present(make_pod, sync, step):
    make_pod()
    sync()
    step(5)
    make_pod("web-2")
    sync()
    step(1)
    step(0.5)
    pod = get("web-2")
    assert reasons(pod)[0] == (
        "Pulled", ('Container image "nginx:1.27" already present on machine and can be accessed '
                  "by the pod"))
    assert pod["status"]["phase"] == "Running"
    assert pod["status"]["podIP"] == "10.244.1.3"


def test_readiness_waits_for_the_probe(make_pod, sync, step):
    probe = {"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 5,
             "periodSeconds": 10}
    make_pod(containers=[{"name": "app", "image": "nginx:1.27", "readinessProbe": probe}])
    sync()
    step(1), step(2.6), step(0.5)  # running at T0+4.1
    pod = get()
    assert pod["status"]["phase"] == "Running"
    assert container(pod)["ready"] is False and container(pod)["started"] is True
    assert conditions(pod)["Ready"] == "False"
    step(9.9)  # the first probe comes after the 5 s delay, on the 10 s period: at 14.1
    assert container(get())["ready"] is False
    step(0.1)
    pod = get()
    assert container(pod)["ready"] is True
    ready = next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "True" and ready["lastTransitionTime"] == stamp(14)


def test_never_ready_keeps_failing_the_probe(make_pod, sync, step):
    probe = {"httpGet": {"path": "/healthz", "port": 80}, "periodSeconds": 10}
    make_pod(containers=[{"name": "app", "image": "nginx:1.27", "readinessProbe": probe}],
             annotations={"kubesim.io/never-ready": "true"})
    sync()
    step(1), step(2.6), step(0.5), step(10), step(10)
    pod = get()
    assert container(pod)["ready"] is False
    unhealthy = [e for e in reasons(pod) if e[0] == "Unhealthy"]
    assert unhealthy == [("Unhealthy", ("Readiness probe failed: HTTP probe failed with "
                                       "statuscode: 503"))]
    event = next(e for e in events.for_object(pod) if e["reason"] == "Unhealthy")
    assert event["count"] == 3 and event["type"] == "Warning"


def test_reconciling_twice_at_the_same_time_writes_nothing(make_pod, sync, step):
    make_pod()
    sync()
    step(1)
    revision = store.current_revision()
    state = PodRuntime.objects.get().state
    sync()
    assert store.current_revision() == revision
    assert PodRuntime.objects.get().state == state


def test_every_step_of_a_crash_loop_is_idempotent(make_pod, sync, step):
    make_pod(containers=[{"name": "app", "image": "busybox:1.36", "command": ["false"],
                          "readinessProbe": {"exec": {"command": ["true"]}}}])
    sync()
    for seconds in (1, 0.9, 0.3, 1, 0.3, 1, 5, 5, 0.3, 1):
        step(seconds)
        revision = store.current_revision()
        sync()
        assert store.current_revision() == revision
