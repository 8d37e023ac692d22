"""The pod status the kubelet posts, from its record of the pod: pure, as
kubelet_pods.go's generateAPIPodStatus and status/generate.go shape it.

A condition keeps its lastTransitionTime while its status stays the same (the status manager's
rule), so generating the status twice from the same record gives the same status.
"""
import math
from datetime import UTC, datetime

from cluster.timestamps import timestamp

from . import lifecycle, messages
from .lifecycle import INIT, REGULAR

# Kubelet-owned conditions, in the order the kubelet appends them.
READY_TO_START, INITIALIZED, READY = "PodReadyToStartContainers", "Initialized", "Ready"
CONTAINERS_READY, SCHEDULED = "ContainersReady", "PodScheduled"
OWNED = (READY_TO_START, INITIALIZED, READY, CONTAINERS_READY, SCHEDULED)
_RESOURCES = ("cpu", "memory", "ephemeral-storage")


def stamp(seconds):
    """A simulated epoch time as the API writes it (RFC 3339, whole seconds, truncated)."""
    return timestamp(datetime.fromtimestamp(math.floor(seconds), UTC))


def pod_status(pod, record, host_ip, now):
    """The status for `pod` given the kubelet's record of it; `now` dates condition changes."""
    old = pod.get("status") or {}
    generation = pod["metadata"].get("generation", 1)
    base = {"phase": lifecycle.phase(pod, record), "startTime": stamp(record["startTime"]),
            "observedGeneration": generation}
    if old.get("qosClass"):
        base["qosClass"] = old["qosClass"]
    if record.get("rejected"):  # rejectPod: the reason, and nothing the kubelet owns
        return base | {"reason": record["rejected"]["reason"],
                       "message": messages.rejected(record["rejected"]["message"])}
    spec = pod["spec"]
    statuses = {kind: [container_status(pod, kind, c, record) for c in spec.get(kind) or ()]
                for kind in (INIT, REGULAR)}
    status = base | {"hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
                     "containerStatuses": sorted(statuses[REGULAR], key=lambda s: s["name"])}
    if spec.get(INIT):
        status["initContainerStatuses"] = statuses[INIT]
    if record.get("ip") and record.get("sandbox"):
        status |= {"podIP": record["ip"], "podIPs": [{"ip": record["ip"]}]}
    if status["phase"] == old.get("phase"):  # a reason goes with its phase (an eviction's)
        status |= {k: old[k] for k in ("reason", "message") if old.get(k)}
    status["conditions"] = _conditions(pod, record, status, old, generation, stamp(now))
    return status


# --- conditions -------------------------------------------------------------------------------

def _conditions(pod, record, status, old, generation, now):
    old_conditions = {c["type"]: c for c in old.get("conditions") or ()}
    kept = [c for c in old.get("conditions") or () if c["type"] not in OWNED]
    sandbox = bool(record.get("sandbox")) and not record.get("done")
    phase = status["phase"]
    generated = [
        (READY_TO_START, sandbox, None, None),
        _initialized(pod, status, phase),
        _ready(pod, status, phase, old_conditions),
        _readiness(CONTAINERS_READY, pod, status, phase),
    ]
    conditions = [_condition(t, s, reason, message, generation, old_conditions.get(t), now)
                  for t, s, reason, message in generated]
    scheduled = old_conditions.get(SCHEDULED)
    if not (scheduled and scheduled["status"] == "True"):
        scheduled = _condition(SCHEDULED, True, None, None, generation, scheduled, now)
    return kept + conditions + [scheduled]


def _condition(condition_type, true, reason, message, generation, old, now):
    status = "True" if true else "False"
    condition = {"type": condition_type, "status": status, "lastProbeTime": None,
                 "lastTransitionTime": old["lastTransitionTime"]
                 if old and old.get("status") == status else now,
                 "observedGeneration": generation}
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def _names(names):
    return "[" + " ".join(names) + "]"  # Go's %s of a []string


def _initialized(pod, status, phase):
    sidecars = {c["name"] for c in pod["spec"].get(INIT) or () if lifecycle.is_sidecar(c)}
    incomplete = [s["name"] for s in status.get("initContainerStatuses") or ()
                  if not (s["started"] if s["name"] in sidecars else s["ready"])]
    if phase == lifecycle.SUCCEEDED:
        return INITIALIZED, True, "PodCompleted", None
    if any(s.get("containerID") for s in status["containerStatuses"]):
        return INITIALIZED, True, None, None  # a regular container has run: initialized
    if incomplete:
        return (INITIALIZED, False, "ContainersNotInitialized",
                f"containers with incomplete status: {_names(incomplete)}")
    return INITIALIZED, True, None, None


def _readiness(condition_type, pod, status, phase):
    if phase == lifecycle.SUCCEEDED:
        return condition_type, False, "PodCompleted", None
    ready = {s["name"]: s["ready"] for s in status["containerStatuses"]}
    unready = [c["name"] for c in pod["spec"][REGULAR] if not ready[c["name"]]]
    if unready:
        return (condition_type, False, "ContainersNotReady",
                f"containers with unready status: {_names(unready)}")
    return condition_type, True, None, None


def _ready(pod, status, phase, old_conditions):
    ready = _readiness(READY, pod, status, phase)
    if not ready[1]:
        return ready
    unready = []
    for gate in pod["spec"].get("readinessGates") or ():
        condition = old_conditions.get(gate["conditionType"])
        if condition is None:
            unready.append(f'corresponding condition of pod readiness gate '
                           f'"{gate["conditionType"]}" does not exist.')
        elif condition["status"] != "True":
            unready.append(f'the status of pod readiness gate "{gate["conditionType"]}" is not '
                           f'"True", but {condition["status"]}')
    if unready:
        return READY, False, "ReadinessGatesNotReady", ", ".join(unready)
    return ready


# --- containers -------------------------------------------------------------------------------

def container_status(pod, kind, container, record):
    ctr = record[kind][container["name"]]
    run, last, stage = ctr.get("run"), ctr.get("last"), ctr["stage"]
    status = {"name": container["name"], "image": container.get("image", ""), "imageID": "",
              "lastState": {}, "ready": False, "restartCount": ctr["restarts"],
              "started": False}
    if run:
        status |= {"image": run["image"], "imageID": run["imageID"],
                   "containerID": "containerd://" + run["id"], "user": _user(pod, container)}
    if stage in ("running", "stopping"):
        status |= {"state": {"running": {"startedAt": stamp(run["startedAt"])}},
                   "ready": ctr["ready"], "started": ctr["started"],
                   "resources": _resources(container)}
        if last:
            status["lastState"] = {"terminated": _terminated(last)}
        requests = status["resources"].get("requests")
        if requests:
            status["allocatedResources"] = requests
    elif run and ctr.get("waiting"):  # between two runs: the last one is lastState
        status |= {"state": {"waiting": ctr["waiting"]},
                   "lastState": {"terminated": _terminated(run)}}
    elif run:
        status["state"] = {"terminated": _terminated(run)}
        status["ready"] = kind == INIT and not lifecycle.is_sidecar(container) \
            and run["exitCode"] == 0
        if last:
            status["lastState"] = {"terminated": _terminated(last)}
    elif record.get("done") and kind == REGULAR and _initialized_ever(pod, record):
        # TerminatePod: once the pod has initialized, a container that never ran failed.
        status["state"] = {"terminated": {
            "exitCode": 137, "reason": "ContainerStatusUnknown",
            "message": "The container could not be located when the pod was terminated"}}
    else:
        default = messages.POD_INITIALIZING if pod["spec"].get(INIT) \
            else messages.CONTAINER_CREATING
        status["state"] = {"waiting": ctr.get("waiting") or {"reason": default}}
    mounts = [_mount(m) for m in container.get("volumeMounts") or ()]
    if mounts:
        status["volumeMounts"] = mounts
    return status


def _initialized_ever(pod, record):
    """Whether every init container did its part: succeeded, or (a sidecar) started."""
    for c in pod["spec"].get(INIT) or ():
        run = record[INIT][c["name"]].get("run") or {}
        if not (run if lifecycle.is_sidecar(c) else run.get("exitCode") == 0):
            return False
    return True


def _terminated(run):
    return {"containerID": "containerd://" + run["id"], "exitCode": run["exitCode"],
            "finishedAt": stamp(run["finishedAt"]), "reason": run["reason"],
            "startedAt": stamp(run["startedAt"])}


def _resources(container):
    """The resources applied to a running container (cpu, memory, ephemeral-storage)."""
    spec = container.get("resources") or {}
    resources = {}
    for key in ("limits", "requests"):
        values = {k: v for k, v in (spec.get(key) or {}).items() if k in _RESOURCES}
        if values:
            resources[key] = values
    return resources


def _user(pod, container):
    """The process's identity: root unless the security contexts say otherwise."""
    pod_context = pod["spec"].get("securityContext") or {}
    context = {**pod_context, **(container.get("securityContext") or {})}
    uid, gid = context.get("runAsUser", 0), context.get("runAsGroup", 0)
    groups = {gid, *(pod_context.get("supplementalGroups") or ())}
    if pod_context.get("fsGroup") is not None:
        groups.add(pod_context["fsGroup"])
    return {"linux": {"gid": gid, "supplementalGroups": sorted(groups), "uid": uid}}


def _mount(mount):
    status = {"mountPath": mount["mountPath"], "name": mount["name"]}
    if mount.get("readOnly"):
        status |= {"readOnly": True, "recursiveReadOnly": "Disabled"}
    return status
