"""What a container does, from its image, command and annotations (pure functions)."""
import pytest

from workers.kubelet import behaviour, catalog, messages


def plan(image="busybox:1.36", command=None, args=None, annotations=None, **container):
    pod = {"metadata": {"name": "web", "uid": "u", "annotations": annotations or {}},
           "spec": {}}
    spec = {"name": "app", "image": image, **container}
    if command is not None:
        spec["command"] = command
    if args is not None:
        spec["args"] = args
    return behaviour.for_container(pod, spec)


@pytest.mark.parametrize("command, runs, code", [
    (None, 0.0, 0),  # busybox with no command: sh reads end-of-file
    (["sleep", "3600"], 3600.0, 0),
    (["sleep", "infinity"], None, 0),
    (["sh", "-c", "exit 1"], 0.0, 1),
    (["/bin/sh", "-c", "sleep 2; echo done && sleep 1m"], 62.0, 0),
    (["sh", "-c", "false"], 0.0, 1),
    (["sh", "-c", "tail -f /dev/null"], None, 0),
    (["sh", "-c", "for i in 1 2 3; do echo $i; sleep 1; done"], 3.0, 0),
    (["myserver", "--port=8080"], None, 0),
])
def test_commands(command, runs, code):
    program = plan(command=command).program
    assert (program.runs, program.exit_code) == (runs, code)


def test_echo_and_loops_print():
    program = plan(command=["sh", "-c", ("echo hi $HOSTNAME; while true; do date; sleep 10; "
                                        "done")]).program
    assert program.lines == ((0.0, "hi web"),)
    assert program.loop == ((0.0, "{t:%a %b %d %H:%M:%S UTC %Y}"),) and program.period == 10.0
    assert plan(command=["sh", "-c", "echo secret > /tmp/x; echo out"]).program.lines == (
        (0.0, "out"),)


def test_servers_handle_sigterm_but_sleep_does_not():
    assert plan("nginx:1.27").stop_seconds == 0.1
    assert plan(command=["sleep", "3600"]).stop_seconds is None
    assert plan("python:3.13", command=["python", "app.py"]).stop_seconds is None
    assert plan(annotations={"kubesim.io/stop-seconds": "never"}, image="nginx").stop_seconds \
        is None


def test_args_alone_are_the_images_own_flags():
    assert plan("redis:7", args=["--appendonly", "yes"]).program.runs is None
    assert plan("busybox", args=["sleep", "5"]).program.runs == 5.0


def test_databases_need_their_password():
    postgres = plan("postgres:17").program
    assert (postgres.runs, postgres.exit_code, postgres.reason) == (0.3, 1, "Error")
    configured = plan("postgres:17", env=[{"name": "POSTGRES_PASSWORD", "value": "x"}])
    assert configured.program.runs is None and configured.ready_after == 2.0
    assert plan("mysql:9", envFrom=[{"secretRef": {"name": "db"}}]).program.runs is None


def test_annotations_per_pod_and_per_container():
    notes = {"kubesim.io/crash-after": "10", "kubesim.io/crash-after.app": "30",
             "kubesim.io/exit-code": "2", "kubesim.io/pull-seconds": "7",
             "kubesim.io/ready-after": "5", "kubesim.io/liveness-fail-after": "60"}
    b = plan("nginx", annotations=notes)
    assert (b.program.runs, b.program.exit_code) == (30.0, 2)
    assert b.pull_seconds == 7.0 and b.ready_after == 5.0 and b.liveness_fails_after == 60.0
    assert plan("nginx", annotations={"kubesim.io/exit-after": "5"}).program.reason == \
        "Completed"
    assert plan("nginx", annotations={"kubesim.io/oom-after": "5"}).program.reason == "OOMKilled"
    assert plan("nginx", annotations={"kubesim.io/never-ready": "true"}).ready_after is None
    assert plan("nginx", annotations={"kubesim.io/image-pull-fails": "true"}).pull_error


def test_zero_delays():
    pod = {"metadata": {"name": "web", "uid": "u"}, "spec": {}}
    b = behaviour.for_container(pod, {"name": "app", "image": "nginx"}, zero_delays=True)
    assert (b.pull_seconds, b.start_seconds) == (0.0, 0.0)


@pytest.mark.parametrize("image, name, repository", [
    ("nginx", "docker.io/library/nginx:latest", "nginx"),
    ("nginx:1.27", "docker.io/library/nginx:1.27", "nginx"),
    ("curlimages/curl:8.11.1", "docker.io/curlimages/curl:8.11.1", "curlimages/curl"),
    ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10", "registry.k8s.io/pause"),
    ("localhost:5000/app", "localhost:5000/app:latest", "localhost:5000/app"),
    ("nginx@sha256:abc", "docker.io/library/nginx@sha256:abc", "nginx"),
])
def test_references_are_normalized_as_containerd_does(image, name, repository):
    reference = catalog.parse(image)
    assert (reference.name, reference.repository) == (name, repository)


def test_image_ids_are_stable_digests():
    reference = catalog.parse("nginx:1.27")
    assert reference.image_id == catalog.parse("docker.io/library/nginx:1.27").image_id
    assert reference.image_id.startswith("docker.io/library/nginx@sha256:")
    assert catalog.parse("nginx@sha256:abc").image_id == "docker.io/library/nginx@sha256:abc"


@pytest.mark.parametrize("image, fails", [
    ("nginx:1.27", None), ("example.com/team/app:v3", None), ("rabbitmq:4", None),
    ("nginx:doesnotexist", "NotFound"), ("nginx:does-not-exist", "NotFound"),
    ("ghcr.io/me/nonexistent:1", "pull access denied"), ("ngnix", "pull access denied"),
    ("busybx:1.36", "pull access denied"),
])
def test_which_images_fail_to_pull(image, fails):
    error = catalog.pull_error(catalog.parse(image))
    assert (error is None) if fails is None else (fails in error)


def test_image_sizes_follow_the_tag():
    assert catalog.lookup(catalog.parse("nginx:1.27-alpine"))[1] == 21_000_000
    assert catalog.pull_seconds(72_000_000) == 2.6


@pytest.mark.parametrize("seconds, text", [
    (0, "0s"), (0.5, "500ms"), (0.0015, "1.5ms"), (2.1, "2.1s"), (10, "10s"), (80, "1m20s"),
    (160, "2m40s"), (300, "5m0s"), (3600, "1h0m0s"), (65.25, "1m5.25s"),
])
def test_go_durations(seconds, text):
    assert messages.go_duration(seconds) == text
