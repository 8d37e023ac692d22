"""Pods: printPod's columns, and the READY, STATUS and RESTARTS the dashboard shows too."""
from .definitions import AGE, NAME, column, wide_column
from .fields import condition_true, get, name
from .format import age, since
from .podsummary import summarize

POD_COLUMNS = (
    NAME,
    column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "The aggregate status of the containers in this pod."),
    column("Restarts", "The number of times the containers in this pod have been restarted "
                       "and when the last container in this pod has restarted."),
    AGE,
    wide_column("IP", "podIP address allocated to the pod. Routable at least within the "
                      "cluster. Empty if not yet allocated."),
    wide_column("Node", "NodeName indicates in which node this pod is scheduled."),
    wide_column("Nominated Node", "nominatedNodeName is set only when this pod preempts other "
                                  "pods on the node, but it cannot be scheduled right away as "
                                  "preemption victims receive their graceful termination "
                                  "periods."),
    wide_column("Readiness Gates", "If specified, all readiness gates will be evaluated for pod "
                                   "readiness."),
)


def pod_status(pod):
    """The STATUS column of a pod, as printPod works it out from its phase and containers."""
    return summarize(pod).reason


def pod_ready(pod):
    """The READY column: ready containers (sidecars included) out of all of them, `1/2`."""
    summary = summarize(pod)
    return f"{summary.ready}/{summary.total}"


def pod_restarts(pod, now):
    """The RESTARTS column: `0`, or `3 (2m ago)` with the time since the last container exit."""
    return _restarts_text(summarize(pod), now)


def pod_row_conditions(pod):
    """A Table row's conditions: a pod that ran to completion is marked Completed."""
    phase = get(pod, "status.phase")
    if phase == "Succeeded":
        return [_completed("Succeeded", "The pod has completed successfully.")]
    if phase == "Failed":
        return [_completed("Failed", "The pod failed.")]
    return []


def _completed(reason, message):
    return {"type": "Completed", "status": "True", "reason": reason, "message": message}


def _restarts_text(summary, now):
    if summary.restarts and summary.last_restart is not None:
        return f"{summary.restarts} ({since(summary.last_restart, now)} ago)"
    return str(summary.restarts)


def _readiness_gates(pod):
    gates = get(pod, "spec.readinessGates") or ()
    if not gates:
        return "<none>"
    conditions = get(pod, "status.conditions") or ()
    true = sum(condition_true(conditions, g.get("conditionType")) for g in gates)
    return f"{true}/{len(gates)}"


def pod_cells(pod, now, wide):
    summary = summarize(pod)
    pod_ips = get(pod, "status.podIPs") or ()
    return [
        name(pod), f"{summary.ready}/{summary.total}", summary.reason,
        _restarts_text(summary, now), age(pod, now),
        (pod_ips[0].get("ip") if pod_ips else "") or "<none>",
        get(pod, "spec.nodeName") or "<none>",
        get(pod, "status.nominatedNodeName") or "<none>",
        _readiness_gates(pod),
    ]
