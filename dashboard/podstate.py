"""The state a pod chip shows: one of nine words a class can follow, built on kubectl's STATUS.

kubectl's STATUS column (`cluster.printers.pod_status`) has dozens of values (`Init:0/2`,
`ErrImagePull`, `ExitCode:1`, ...). A chip folds them into the lifecycle a student watches:
Pending → ContainerCreating → Running (not ready yet) → Ready, then Terminating, or Succeeded /
Failed, with the two problems worth spotting from across a room: CrashLoopBackOff and
ImagePullBackOff. The exact STATUS stays in the chip's title.
"""
from cluster.printers import pod_status

PENDING, CREATING, RUNNING, READY = "Pending", "ContainerCreating", "Running", "Ready"
TERMINATING, SUCCEEDED, FAILED = "Terminating", "Succeeded", "Failed"
CRASH_LOOP, IMAGE_PULL = "CrashLoopBackOff", "ImagePullBackOff"
STATES = (PENDING, CREATING, RUNNING, READY, TERMINATING, SUCCEEDED, FAILED, CRASH_LOOP,
          IMAGE_PULL)

# The base.css class of each state (tint, text color and border shape).
CSS = {PENDING: "state-warn", CREATING: "state-progress", RUNNING: "state-progress",
       READY: "state-ok", TERMINATING: "state-idle", SUCCEEDED: "state-idle", FAILED: "state-bad",
       CRASH_LOOP: "state-bad", IMAGE_PULL: "state-bad"}
# What the chip says: "Running" alone would read as fine to a student.
LABELS = {**{s: s for s in STATES}, RUNNING: "Running, not ready"}

# Waiting reasons of a container whose image cannot be had (kubelet's images package).
_IMAGE_REASONS = {"ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "InvalidImageName",
                  "RegistryUnavailable", "SignatureValidationFailed"}
_STARTING = {"ContainerCreating", "PodInitializing"}


def chip_state(pod):
    """The chip state of a pod (an API dict)."""
    return state_of(pod, pod_status(pod))


def state_of(pod, status):
    """The chip state given the pod and its kubectl STATUS (already worked out)."""
    phase = (pod.get("status") or {}).get("phase")
    reason = status.removeprefix("Init:")
    if status in ("Terminating", "Unknown") and (pod.get("metadata") or {}).get("deletionTimestamp"):
        return TERMINATING
    if phase == "Succeeded":
        return SUCCEEDED
    if phase == "Failed":
        return FAILED
    if reason == CRASH_LOOP:
        return CRASH_LOOP
    if reason in _IMAGE_REASONS:
        return IMAGE_PULL
    if not (pod.get("spec") or {}).get("nodeName"):
        return PENDING
    if status == "Running":
        return READY if _ready(pod) else RUNNING
    if phase == "Running":
        return RUNNING  # a container exited and restarts, or one completed beside the others
    if status in _STARTING or status.startswith("Init:"):
        return CREATING
    return PENDING  # bound, not yet started by its kubelet (or stuck before starting)


def _ready(pod):
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())
