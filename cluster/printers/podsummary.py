"""What printPod works out from a pod's phase and its containers' states: the STATUS reason,
the ready containers and the restarts."""
from dataclasses import dataclass
from datetime import datetime

from .fields import condition_true, get, later, parse_time


@dataclass(frozen=True)
class PodSummary:
    ready: int
    total: int
    reason: str
    restarts: int
    last_restart: datetime | None


def summarize(pod):
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    conditions = status.get("conditions") or ()
    reason = status.get("reason") or status.get("phase") or ""
    if any(c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated"
           for c in conditions):
        reason = "SchedulingGated"
    total = len(spec.get("containers") or ()) + sum(
        map(_is_sidecar, spec.get("initContainers") or ()))
    tally = _Tally()
    init_reason = _init_reason(spec, status, tally)
    reason = init_reason or reason
    if init_reason is None or condition_true(conditions, "Initialized"):
        # Past initialization only sidecars' restarts count besides the regular containers'.
        tally.restarts, tally.last = tally.sidecar_restarts, tally.sidecar_last
        reason = _containers_reason(status, reason, tally)
    if get(pod, "metadata.deletionTimestamp"):
        if status.get("reason") == "NodeLost":  # node.NodeUnreachablePodReason
            reason = "Unknown"
        elif status.get("phase") not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return PodSummary(tally.ready, total, reason, tally.restarts, tally.last)


class _Tally:
    """Ready containers and restarts as printPod counts them."""

    def __init__(self):
        self.ready = self.restarts = self.sidecar_restarts = 0
        self.last = self.sidecar_last = None

    def restarted(self, container_status, sidecar=False):
        count = container_status.get("restartCount") or 0
        finished = parse_time(get(container_status, "lastState.terminated.finishedAt"))
        self.restarts += count
        self.last = later(self.last, finished)
        if sidecar:
            self.sidecar_restarts += count
            self.sidecar_last = later(self.sidecar_last, finished)


def _is_sidecar(container):
    """podutil.IsRestartableInitContainer: an init container that keeps running."""
    return (container or {}).get("restartPolicy") == "Always"


def _state(container_status):
    state = container_status.get("state") or {}
    return state.get("waiting"), state.get("terminated"), state.get("running")


def _exit_reason(terminated):
    """A terminated container's reason, or `Signal:9` / `ExitCode:1` when it has none."""
    if terminated.get("reason"):
        return terminated["reason"]
    if terminated.get("signal"):
        return f"Signal:{terminated['signal']}"
    return f"ExitCode:{terminated.get('exitCode', 0)}"


def _init_reason(spec, status, tally):
    """`Init:1/2`, `Init:CrashLoopBackOff`, `Init:ExitCode:1`...: the first init container that is
    neither done nor a started sidecar, if any; counts restarts and ready sidecars on the way."""
    init_specs = spec.get("initContainers") or ()
    by_name = {c.get("name"): c for c in init_specs}
    for i, container in enumerate(status.get("initContainerStatuses") or ()):
        sidecar = _is_sidecar(by_name.get(container.get("name")))
        tally.restarted(container, sidecar)
        waiting, terminated, _ = _state(container)
        if terminated is not None and terminated.get("exitCode", 0) == 0:
            continue
        if sidecar and container.get("started") is True:
            tally.ready += bool(container.get("ready"))
            continue
        if terminated is not None:
            return "Init:" + _exit_reason(terminated)
        if waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            return "Init:" + waiting["reason"]
        return f"Init:{i}/{len(init_specs)}"
    return None


def _containers_reason(status, reason, tally):
    """The reason the regular containers give: printPod walks them from the last, so the first
    container with a reason has the last word. Counts their restarts and the ready ones."""
    running = False
    for container in reversed(status.get("containerStatuses") or ()):
        tally.restarted(container)
        waiting, terminated, run = _state(container)
        if waiting is not None and waiting.get("reason"):
            reason = waiting["reason"]
        elif terminated is not None:
            reason = _exit_reason(terminated)
        elif container.get("ready") and run is not None:
            running = True
            tally.ready += 1
    # A container that completed while another still runs: the pod is still running.
    if reason == "Completed" and running:
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in status.get("conditions") or ())
        reason = "Running" if ready else "NotReady"
    return reason
