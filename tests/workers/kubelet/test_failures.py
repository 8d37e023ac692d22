"""What goes wrong, on purpose: bad images, crashing containers, failing probes."""
import pytest

from workers import events

from .conftest import conditions, container, get, pod_due, reasons, stamp

pytestmark = pytest.mark.django_db


def waiting(pod, name="app"):
    return container(pod, name)["state"].get("waiting")


def test_a_missing_image_goes_err_image_pull_then_image_pull_backoff(make_pod, sync, step):
    make_pod(image="nginx:doesnotexist")
    sync()
    step(1)  # Pulling; the registry answers in 0.8 s
    assert waiting(get()) == {"reason": "ContainerCreating"}
    assert pod_due() == 0.8
    error = ('rpc error: code = NotFound desc = failed to pull and unpack image '
             '"docker.io/library/nginx:doesnotexist": failed to resolve reference '
             '"docker.io/library/nginx:doesnotexist": docker.io/library/nginx:doesnotexist: '
             "not found")
    step(0.8)
    assert waiting(get()) == {"reason": "ErrImagePull", "message": error}
    assert pod_due() == 1.0  # the next sync finds the pull backing off
    step(1)
    pod = get()
    assert waiting(pod) == {"reason": "ImagePullBackOff",
                            "message": 'Back-off pulling image "nginx:doesnotexist"'}
    assert pod["status"]["phase"] == "Pending"
    assert reasons(pod) == [
        ("Pulling", 'Pulling image "nginx:doesnotexist"'),
        ("Failed", f'Failed to pull image "nginx:doesnotexist": {error}'),
        ("Failed", "Error: ErrImagePull"),
        ("BackOff", 'Back-off pulling image "nginx:doesnotexist"'),
        ("Failed", "Error: ImagePullBackOff"),
    ]
    assert pod_due() == 9.0  # 10 s after the failure: pull again
    step(9)
    assert waiting(get())["reason"] == "ImagePullBackOff"  # still, while it pulls
    step(0.8)  # fails again: the back-off doubles
    assert waiting(get())["reason"] == "ErrImagePull"
    step(1)
    assert waiting(get())["reason"] == "ImagePullBackOff"
    assert pod_due() == 19.0
    pulls = next(e for e in events.for_object(get()) if e["reason"] == "Pulling")
    assert pulls["count"] == 2


def test_the_pull_back_off_doubles_up_to_five_minutes(make_pod, sync, step):
    make_pod(image="nginx:doesnotexist")
    sync()
    step(1), step(0.8), step(1)
    waits = []
    for _ in range(7):
        waits.append(pod_due() + 1.0)  # the back-off counts from the failure, 1 s earlier
        step(pod_due()), step(0.8), step(1)
    assert waits == [10, 20, 40, 80, 160, 300, 300]


def test_busybox_with_no_command_crash_loops(make_pod, sync, step):
    pod = make_pod(image="busybox:1.36")
    uid = pod["metadata"]["uid"]
    sync()
    step(1)  # pulling 2.2 MB: 0.9 s
    step(0.9)  # pulled; start takes 0.3 s
    step(0.3)  # started and exited at once
    pod = get()
    app = container(pod)
    assert app["state"]["terminated"]["reason"] == "Completed"
    assert app["state"]["terminated"]["exitCode"] == 0
    assert pod["status"]["phase"] == "Running"  # restartPolicy Always: between two runs
    step(1)  # restarted at once the first time, exits again
    step(0.3)
    app = container(get())
    assert app["restartCount"] == 1
    step(1)  # now it backs off 10 s
    pod = get()
    app = container(pod)
    assert app["state"] == {"waiting": {
        "reason": "CrashLoopBackOff",
        "message": f"back-off 10s restarting failed container=app pod=web_default({uid})"}}
    assert app["lastState"]["terminated"] == {
        "containerID": app["containerID"], "exitCode": 0, "reason": "Completed",
        "startedAt": stamp(3), "finishedAt": stamp(3)}
    assert app["restartCount"] == 1 and app["ready"] is False
    assert conditions(pod)["Ready"] == "False"
    assert ("BackOff", f"Back-off restarting failed container app in pod web_default({uid})") \
        in reasons(pod)
    step(9), step(0.3)  # restarted after 10 s
    assert container(get())["restartCount"] == 2
    step(1)  # then 20 s
    assert pod_due() == 19.0
    assert "back-off 20s" in waiting(get())["message"]


def test_a_failing_command_is_an_error(make_pod, sync, step):
    make_pod(containers=[{"name": "app", "image": "busybox:1.36",
                          "command": ["sh", "-c", "sleep 5; exit 3"]}], restartPolicy="Never")
    sync()
    step(1), step(0.9), step(0.3)
    assert get()["status"]["phase"] == "Running"
    step(5)
    pod = get()
    assert pod["status"]["phase"] == "Failed"
    terminated = container(pod)["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (3, "Error")
    assert conditions(pod)["PodReadyToStartContainers"] == "False"
    assert conditions(pod)["Ready"] == "False"
    assert pod_due() is None  # nothing more to do for this pod


def test_on_failure_succeeds_when_the_command_does(make_pod, sync, step):
    make_pod(containers=[{"name": "app", "image": "busybox:1.36",
                          "command": ["sleep", "5"]}], restartPolicy="OnFailure")
    sync()
    step(1), step(0.9), step(0.3), step(5)
    pod = get()
    assert pod["status"]["phase"] == "Succeeded"
    ready = next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "PodCompleted")
    assert container(pod)["state"]["terminated"]["reason"] == "Completed"


def test_on_failure_restarts_a_failed_command(make_pod, sync, step):
    make_pod(containers=[{"name": "app", "image": "busybox:1.36",
                          "command": ["sh", "-c", "exit 1"]}], restartPolicy="OnFailure")
    sync()
    step(1), step(0.9), step(0.3)
    assert get()["status"]["phase"] == "Running"
    step(1), step(0.3)
    assert container(get())["restartCount"] == 1


def test_crash_after_annotation(make_pod, sync, step):
    make_pod(annotations={"kubesim.io/crash-after.app": "30"})
    sync()
    step(1), step(2.6), step(0.5)
    step(30)
    terminated = container(get())["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (1, "Error")
    assert (terminated["startedAt"], terminated["finishedAt"]) == (stamp(4), stamp(34))


def test_over_its_memory_limit_a_container_is_oom_killed(make_pod, sync, step):
    make_pod(containers=[{"name": "app", "image": "nginx:1.27",
                          "resources": {"limits": {"memory": "64Mi"}}}],
             annotations={"kubesim.io/memory": "100Mi"})
    sync()
    step(1), step(2.6), step(0.5)
    app = container(get())
    assert app["resources"] == {"limits": {"memory": "64Mi"}, "requests": {"memory": "64Mi"}}
    assert app["allocatedResources"] == {"memory": "64Mi"}
    step(1)
    terminated = container(get())["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (137, "OOMKilled")


def test_init_containers_run_first_in_order(make_pod, sync, step):
    make_pod(initContainers=[{"name": "setup", "image": "busybox:1.36",
                              "command": ["sh", "-c", "sleep 10"]}])
    sync()
    pod = get()
    assert pod["status"]["initContainerStatuses"][0]["state"] == {
        "waiting": {"reason": "PodInitializing"}}
    assert waiting(pod) == {"reason": "PodInitializing"}
    initialized = next(c for c in pod["status"]["conditions"] if c["type"] == "Initialized")
    assert initialized["message"] == "containers with incomplete status: [setup]"
    step(1), step(0.9), step(0.3)  # the init container runs
    pod = get()
    setup = pod["status"]["initContainerStatuses"][0]
    assert "running" in setup["state"] and setup["ready"] is False
    assert reasons(pod)[0] == ("Pulling", 'Pulling image "busybox:1.36"')
    step(10)  # it succeeds; the app's pull starts
    pod = get()
    setup = pod["status"]["initContainerStatuses"][0]
    assert setup["state"]["terminated"]["reason"] == "Completed"
    assert setup["ready"] is True and setup["started"] is False
    assert conditions(pod)["Initialized"] == "True"
    step(2.6), step(0.5)
    assert get()["status"]["phase"] == "Running"


def test_a_failing_init_container_fails_a_never_restarting_pod(make_pod, sync, step):
    make_pod(initContainers=[{"name": "setup", "image": "busybox:1.36",
                              "command": ["false"]}], restartPolicy="Never")
    sync()
    step(1), step(0.9), step(0.3)
    pod = get()
    assert pod["status"]["phase"] == "Failed"
    assert waiting(pod) == {"reason": "PodInitializing"}
    assert pod["status"]["initContainerStatuses"][0]["state"]["terminated"]["exitCode"] == 1


def test_liveness_failures_restart_the_container(make_pod, sync, step):
    probe = {"exec": {"command": ["cat", "/tmp/healthy"]}, "periodSeconds": 5,
             "failureThreshold": 2}
    make_pod(containers=[{"name": "app", "image": "nginx:1.27", "livenessProbe": probe}],
             annotations={"kubesim.io/liveness-fail-after": "20"})
    sync()
    step(1), step(2.6), step(0.5)  # running at 4.1
    step(20)  # 24.1: first failure
    assert container(get())["restartCount"] == 0
    step(5)  # 29.1: second failure: killed; nginx exits at once on SIGTERM
    step(0.1)  # 29.2: restarted at once (image present), started 0.5 s later
    step(0.5)
    pod = get()
    app = container(pod)
    assert app["restartCount"] == 1 and "running" in app["state"]
    assert app["lastState"]["terminated"]["reason"] == "Completed"
    assert app["lastState"]["terminated"]["finishedAt"] == stamp(29)
    # Events sort by when they last happened: the repeated ones come last.
    assert reasons(pod)[2:] == [
        ("Unhealthy", "Liveness probe failed: "),
        ("Killing", "Container app failed liveness probe, will be restarted"),
        ("Pulled", ('Container image "nginx:1.27" already present on machine and can be '
                   "accessed by the pod")),
        ("Created", "Container created"),
        ("Started", "Container started"),
    ]
    unhealthy = next(e for e in events.for_object(pod) if e["reason"] == "Unhealthy")
    assert unhealthy["count"] == 2


def test_a_sidecar_starts_first_and_keeps_running(make_pod, sync, step):
    make_pod(initContainers=[{"name": "proxy", "image": "nginx:1.27", "restartPolicy": "Always"}],
             containers=[{"name": "app", "image": "redis:7"}])
    sync()
    step(1), step(2.6), step(0.5)  # the sidecar runs; the app's pull starts
    pod = get()
    proxy = pod["status"]["initContainerStatuses"][0]
    assert "running" in proxy["state"] and proxy["started"] is True
    assert conditions(pod)["Initialized"] == "True"
    step(1.9), step(0.5)
    pod = get()
    assert pod["status"]["phase"] == "Running"
    assert conditions(pod)["Ready"] == "True"
    assert "running" in pod["status"]["initContainerStatuses"][0]["state"]


def test_sidecars_stop_when_a_job_pod_is_done(make_pod, sync, step):
    make_pod(initContainers=[{"name": "proxy", "image": "nginx:1.27", "restartPolicy": "Always"}],
             containers=[{"name": "app", "image": "nginx:1.27", "command": ["sleep", "5"]}],
             restartPolicy="Never")
    sync()
    step(1), step(2.6), step(0.5)  # proxy running at 4.1; the app starts from the same image
    step(0.5)  # app running at 4.6
    step(5)  # app done at 9.6: the sidecar is stopped
    pod = get()
    assert ("Killing", "Stopping container proxy") in reasons(pod)
    assert pod["status"]["phase"] == "Running"
    step(0.1)
    pod = get()
    assert pod["status"]["phase"] == "Succeeded"
    assert pod["status"]["initContainerStatuses"][0]["state"]["terminated"]["exitCode"] == 0
    assert pod_due() is None


def test_pull_policy_never_needs_the_image_on_the_node(make_pod, sync, step):
    make_pod(containers=[{"name": "app", "image": "myapp:dev", "imagePullPolicy": "Never"}])
    sync()
    step(1)
    message = 'Container image "myapp:dev" is not present with pull policy of Never'
    assert waiting(get()) == {"reason": "ErrImageNeverPull", "message": message}
    assert reasons(get()) == [("ErrImageNeverPull", message),
                              ("Failed", "Error: ErrImageNeverPull")]


def test_pull_policy_always_pulls_again_even_when_present(make_pod, sync, step):
    make_pod(image="busybox")  # no tag: latest, pulled Always
    sync()
    step(1), step(0.9), step(0.3), step(1)  # exits at once; restarted: pulled again, quickly
    step(0.5)
    pulled = [m for r, m in reasons(get()) if r == "Pulled"]
    assert pulled == [('Successfully pulled image "busybox" in 900ms (900ms including waiting). '
                      "Image size: 2200000 bytes."),
                      ('Successfully pulled image "busybox" in 500ms (500ms including waiting). '
                      "Image size: 2200000 bytes.")]


def test_a_host_network_pod_has_the_nodes_ip(make_pod, sync, step):
    make_pod(hostNetwork=True)
    sync()
    step(1)
    assert get()["status"]["podIP"] == "172.18.0.3"
