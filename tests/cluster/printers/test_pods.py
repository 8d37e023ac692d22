"""cluster.printers.pods: printPod's READY, STATUS and RESTARTS, and the pod row."""
import pytest

from cluster import printers

from .objects import NOW, ago, condition, meta, row


def running(name="app", ready=True, restarts=0, finished=None):
    status = {"name": name, "image": "nginx:1.27", "ready": ready, "restartCount": restarts,
              "started": True, "state": {"running": {"startedAt": ago(60)}}, "lastState": {}}
    if finished is not None:
        status["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error",
                                              "finishedAt": ago(finished)}}
    return status


def waiting(reason, name="app", restarts=0):
    return {"name": name, "image": "nginx:1.27", "ready": False, "restartCount": restarts,
            "started": False, "state": {"waiting": {"reason": reason}}, "lastState": {}}


def terminated(name="app", exit_code=0, reason=None, signal=None):
    state = {"exitCode": exit_code, "finishedAt": ago(30)}
    if reason:
        state["reason"] = reason
    if signal:
        state["signal"] = signal
    return {"name": name, "image": "busybox", "ready": False, "restartCount": 0,
            "started": False, "state": {"terminated": state}, "lastState": {}}


def pod(*statuses, phase="Running", init=(), init_spec=None, conditions=(), **more):
    names = [s["name"] for s in statuses] or ["app"]
    spec = {"containers": [{"name": n, "image": "nginx:1.27"} for n in names],
            "nodeName": "node-1"}
    if init_spec is not None or init:
        spec["initContainers"] = init_spec or [{"name": s["name"], "image": "busybox"}
                                               for s in init]
    status = {"phase": phase, "containerStatuses": list(statuses),
              "conditions": list(conditions), **more.pop("status", {})}
    if init:
        status["initContainerStatuses"] = list(init)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta(**more), "spec": spec,
            "status": status}


READY = [condition("Initialized"), condition("Ready"), condition("ContainersReady")]


def test_a_running_ready_pod_prints_every_column():
    p = pod(running(), conditions=READY,
            status={"podIP": "10.244.1.5", "podIPs": [{"ip": "10.244.1.5"}]})
    assert row("Pod", p) == ["web", "1/1", "Running", "0", "5m", "10.244.1.5", "node-1",
                             "<none>", "<none>"]
    assert row("Pod", p, wide=False) == ["web", "1/1", "Running", "0", "5m"]


def test_a_pod_without_status_yet():
    p = pod(phase="Pending")
    p["spec"].pop("nodeName")
    assert row("Pod", p) == ["web", "0/1", "Pending", "0", "5m", "<none>", "<none>", "<none>",
                             "<none>"]


def test_the_pod_ip_comes_from_pod_ips_and_nomination_and_gates_show_wide():
    p = pod(running(), conditions=[*READY, condition("example.com/lb", "False"),
                                   condition("example.com/dns")],
            status={"podIPs": [{"ip": "10.244.1.7"}, {"ip": "fd00::7"}],
                    "nominatedNodeName": "node-2"})
    p["spec"]["readinessGates"] = [{"conditionType": "example.com/lb"},
                                   {"conditionType": "example.com/dns"},
                                   {"conditionType": "example.com/absent"}]
    assert row("Pod", p)[5:] == ["10.244.1.7", "node-1", "node-2", "1/3"]


@pytest.mark.parametrize(("statuses", "expected"), [
    ([waiting("ContainerCreating")], "ContainerCreating"),
    ([waiting("CrashLoopBackOff", restarts=4)], "CrashLoopBackOff"),
    ([waiting("ImagePullBackOff")], "ImagePullBackOff"),
    ([waiting("ErrImagePull")], "ErrImagePull"),
    ([waiting("CreateContainerConfigError")], "CreateContainerConfigError"),
    ([terminated(reason="Completed")], "Completed"),
    ([terminated(exit_code=1, reason="Error")], "Error"),
    ([terminated(exit_code=137, reason="OOMKilled")], "OOMKilled"),
    ([terminated(exit_code=3)], "ExitCode:3"),
    ([terminated(exit_code=0)], "ExitCode:0"),
    ([terminated(exit_code=143, signal=15)], "Signal:15"),
    ([running(ready=False)], "Running"),  # not ready yet: still Running, READY says 0/1
    # The first container's reason wins: printPod walks them from the last.
    ([waiting("ImagePullBackOff", "a"), waiting("CrashLoopBackOff", "b")], "ImagePullBackOff"),
    ([running(name="a"), waiting("CrashLoopBackOff", "b")], "CrashLoopBackOff"),
])
def test_the_status_of_a_pod_comes_from_its_containers(statuses, expected):
    assert printers.pod_status(pod(*statuses)) == expected


def test_a_waiting_container_without_a_reason_leaves_the_phase():
    assert printers.pod_status(pod(waiting(""), phase="Pending")) == "Pending"


def test_a_completed_sidecar_style_container_beside_a_running_one():
    statuses = [running(name="a"), terminated(name="b", reason="Completed")]
    assert printers.pod_status(pod(*statuses, conditions=READY)) == "Running"
    assert printers.pod_status(pod(*statuses, conditions=[condition("Ready", "False")])) \
        == "NotReady"
    # Without a running container it stays Completed.
    done = [running(name="a", ready=False), terminated(name="b", reason="Completed")]
    assert printers.pod_status(pod(*done)) == "Completed"


def test_the_pod_reason_shows_until_a_container_says_otherwise():
    evicted = pod(terminated(exit_code=137, reason="ContainerStatusUnknown"), phase="Failed",
                  status={"reason": "Evicted", "message": "The node was low on resource."})
    evicted["status"]["containerStatuses"] = []
    assert printers.pod_status(evicted) == "Evicted"
    rejected = pod(phase="Failed", status={"reason": "OutOfcpu"})
    rejected["status"]["containerStatuses"] = []
    assert printers.pod_status(rejected) == "OutOfcpu"


def test_a_scheduling_gated_pod():
    gated = pod(phase="Pending", conditions=[
        condition("PodScheduled", "False", reason="SchedulingGated")])
    assert printers.pod_status(gated) == "SchedulingGated"
    unschedulable = pod(phase="Pending", conditions=[
        condition("PodScheduled", "False", reason="Unschedulable")])
    assert printers.pod_status(unschedulable) == "Pending"


def init_pod(*init, regular=None, conditions=(), init_spec=None, phase="Pending"):
    regular = regular or [waiting("PodInitializing")]
    return pod(*regular, phase=phase, init=init, init_spec=init_spec, conditions=conditions)


@pytest.mark.parametrize(("init", "expected"), [
    ([waiting("PodInitializing", "setup"), waiting("PodInitializing", "migrate")], "Init:0/2"),
    ([running("setup", ready=False), waiting("PodInitializing", "migrate")], "Init:0/2"),
    ([terminated("setup"), running("migrate", ready=False)], "Init:1/2"),
    ([terminated("setup"), waiting("CrashLoopBackOff", "migrate", restarts=2)],
     "Init:CrashLoopBackOff"),
    ([waiting("ImagePullBackOff", "setup"), waiting("PodInitializing", "migrate")],
     "Init:ImagePullBackOff"),
    ([terminated("setup", 1, "Error"), waiting("PodInitializing", "migrate")], "Init:Error"),
    ([terminated("setup", 2), waiting("PodInitializing", "migrate")], "Init:ExitCode:2"),
    ([terminated("setup", 137, signal=9), waiting("PodInitializing", "migrate")],
     "Init:Signal:9"),
])
def test_an_initializing_pod_shows_its_init_containers(init, expected):
    assert printers.pod_status(init_pod(*init)) == expected


def test_once_initialized_the_regular_containers_speak():
    done = init_pod(terminated("setup"), regular=[waiting("ContainerCreating")],
                    conditions=[condition("Initialized")])
    assert printers.pod_status(done) == "ContainerCreating"
    # An init container failed, but the pod had initialized before (a restarted pod sandbox):
    # a regular container's reason replaces the init one; a running container gives none.
    crashing = init_pod(terminated("setup", 1, "Error"), regular=[waiting("CrashLoopBackOff")],
                        conditions=[condition("Initialized")])
    assert printers.pod_status(crashing) == "CrashLoopBackOff"
    failed = init_pod(terminated("setup", 1, "Error"), regular=[running()],
                      conditions=[condition("Initialized"), condition("Ready")])
    assert (printers.pod_status(failed), printers.pod_ready(failed)) == ("Init:Error", "1/1")


def test_a_started_sidecar_counts_as_a_ready_container():
    spec = [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"},
            {"name": "setup", "image": "busybox"}]
    sidecar = running("proxy")
    starting = init_pod(sidecar, running("setup", ready=False), init_spec=spec)
    assert (printers.pod_status(starting), printers.pod_ready(starting)) == ("Init:1/2", "1/2")
    up = init_pod(sidecar, terminated("setup"), regular=[running()], init_spec=spec,
                  conditions=READY, phase="Running")
    assert (printers.pod_status(up), printers.pod_ready(up)) == ("Running", "2/2")
    not_started = init_pod({**sidecar, "started": False, "ready": False},
                           waiting("PodInitializing", "setup"), init_spec=spec)
    assert printers.pod_status(not_started) == "Init:0/2"


def test_deletion_shows_terminating_unless_the_pod_is_done_or_its_node_lost():
    deleting = {"deletionTimestamp": ago(5), "deletionGracePeriodSeconds": 30}
    assert printers.pod_status(pod(running(), conditions=READY, **deleting)) == "Terminating"
    assert printers.pod_status(pod(waiting("CrashLoopBackOff"), **deleting)) == "Terminating"
    done = pod(terminated(reason="Completed"), phase="Succeeded", **deleting)
    assert printers.pod_status(done) == "Completed"
    lost = pod(running(), status={"reason": "NodeLost"}, **deleting)
    assert printers.pod_status(lost) == "Unknown"
    # NodeLost without a deletion is just the pod's reason.
    assert printers.pod_status(pod(status={"reason": "NodeLost"})) == "NodeLost"


def test_ready_counts_ready_running_containers_of_all():
    p = pod(running("a"), running("b", ready=False), terminated("c", reason="Completed"))
    assert printers.pod_ready(p) == "1/3"


def test_restarts_say_when_the_last_container_exited():
    assert printers.pod_restarts(pod(running()), NOW) == "0"
    p = pod(running("a", restarts=2, finished=400), running("b", restarts=1, finished=125))
    assert printers.pod_restarts(p, NOW) == "3 (2m5s ago)"
    assert row("Pod", p)[3] == "3 (2m5s ago)"
    # A restart count without a recorded exit: the count alone.
    assert printers.pod_restarts(pod(running(restarts=4)), NOW) == "4"


def test_restarts_of_init_containers_count_until_the_pod_is_initialized():
    crashing = init_pod(waiting("CrashLoopBackOff", "setup", restarts=3) | {
        "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(42)}}})
    assert printers.pod_restarts(crashing, NOW) == "3 (42s ago)"
    spec = [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"},
            {"name": "setup", "image": "busybox"}]
    setup = terminated("setup") | {"restartCount": 5}
    up = init_pod(running("proxy", restarts=1, finished=900), setup, init_spec=spec,
                  regular=[running(restarts=2, finished=200)], conditions=READY)
    # Initialized: the sidecar's restarts and the app's, not the finished init container's.
    assert printers.pod_restarts(up, NOW) == "3 (3m20s ago)"


def test_a_finished_pod_row_is_marked_completed():
    done = pod(terminated(reason="Completed"), phase="Succeeded")
    assert printers.row_conditions("Pod", done) == [{
        "type": "Completed", "status": "True", "reason": "Succeeded",
        "message": "The pod has completed successfully."}]
    assert printers.row_conditions("Pod", pod(phase="Failed"))[0]["reason"] == "Failed"
    assert printers.row_conditions("Pod", pod(running())) == []
    assert printers.row_conditions("Deployment", done) == []
