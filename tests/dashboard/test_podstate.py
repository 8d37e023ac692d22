"""dashboard.podstate: kubectl's STATUS folded into the nine states a pod chip shows."""
import pytest

from dashboard import podstate
from dashboard.podstate import chip_state


def container(state, ready=False, restarts=0):
    return {"name": "app", "image": "nginx:1.27", "ready": ready, "restartCount": restarts,
            "state": state}


def pod(*statuses, phase="Running", node="node-1", ready=False, deleting=False, init=()):
    meta = {"name": "web", "namespace": "default"}
    if deleting:
        meta["deletionTimestamp"] = "2025-03-01T12:00:00Z"
    spec = {"containers": [{"name": "app", "image": "nginx:1.27"}]}
    if node:
        spec["nodeName"] = node
    status = {"phase": phase, "containerStatuses": list(statuses),
              "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if init:
        spec["initContainers"] = [{"name": "setup", "image": "busybox"}]
        status["initContainerStatuses"] = [{**s, "name": "setup"} for s in init]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


RUNNING = {"running": {"startedAt": "2025-03-01T11:59:00Z"}}


def waiting(reason):
    return {"waiting": {"reason": reason}}


def terminated(exit_code, reason):
    return {"terminated": {"exitCode": exit_code, "reason": reason}}


@pytest.mark.parametrize(("the_pod", "state"), [
    (pod(phase="Pending", node=""), "Pending"),
    (pod(phase="Pending"), "Pending"),  # bound, its kubelet has not started it yet
    (pod(container(waiting("ContainerCreating")), phase="Pending"), "ContainerCreating"),
    (pod(container(waiting("PodInitializing")), phase="Pending",
         init=[container(RUNNING)]), "ContainerCreating"),  # Init:0/1
    (pod(container(RUNNING)), "Running"),  # running, not ready
    (pod(container(RUNNING, ready=True), ready=True), "Ready"),
    (pod(container(terminated(1, "Error"), restarts=1)), "Running"),  # exited, restarting
    (pod(container(waiting("CrashLoopBackOff"), restarts=3)), "CrashLoopBackOff"),
    (pod(container(waiting("ImagePullBackOff")), phase="Pending"), "ImagePullBackOff"),
    (pod(container(waiting("ErrImagePull")), phase="Pending"), "ImagePullBackOff"),
    (pod(container(waiting("ErrImagePull")), phase="Pending",
         init=[container(waiting("ErrImagePull"))]), "ImagePullBackOff"),  # Init:ErrImagePull
    (pod(container(terminated(0, "Completed")), phase="Succeeded"), "Succeeded"),
    (pod(container(terminated(1, "Error")), phase="Failed"), "Failed"),
    (pod(container(RUNNING, ready=True), ready=True, deleting=True), "Terminating"),
    # A finished pod being deleted stays what it was, as kubectl prints it.
    (pod(container(terminated(0, "Completed")), phase="Succeeded", deleting=True), "Succeeded"),
])
def test_chip_state(the_pod, state):
    assert chip_state(the_pod) == state


def test_every_state_has_a_class_and_a_label():
    assert set(podstate.CSS) == set(podstate.STATES) == set(podstate.LABELS)
    assert podstate.LABELS["Running"] == "Running, not ready"
    # Problems look like problems, progress like progress.
    assert {podstate.CSS[s] for s in ("Failed", "CrashLoopBackOff", "ImagePullBackOff")} == {
        "state-bad"}
    assert podstate.CSS["Ready"] == "state-ok"
