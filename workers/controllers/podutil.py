"""Pods as the workload controllers see them (pkg/api/v1/pod, pkg/controller/controller_utils.go):
readiness and availability, pods made from a template, and which pods to delete first."""
import copy
import math
import re
from datetime import timedelta
from functools import cmp_to_key

from cluster import timestamps

DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_TERMINAL = ("Succeeded", "Failed")
_PHASE_ORDER = {"Pending": 0, "Unknown": 1, "Running": 2}  # any other phase counts as Pending
_DELETION_COST_FORMAT = re.compile(r"0|-[0-9]+|[1-9][0-9]*")


def ready_condition(pod):
    return next((c for c in (pod.get("status") or {}).get("conditions") or ()
                 if c.get("type") == "Ready"), None)


def is_ready(pod):
    condition = ready_condition(pod)
    return condition is not None and condition.get("status") == "True"


def is_active(pod):
    """Neither finished nor being deleted: a pod that counts toward a controller's replicas."""
    return (pod.get("status") or {}).get("phase") not in _TERMINAL and not _deleting(pod)


def is_terminating(pod):
    return (pod.get("status") or {}).get("phase") not in _TERMINAL and _deleting(pod)


def _deleting(pod):
    return bool(pod["metadata"].get("deletionTimestamp"))


def _ready_since(pod):
    """The Ready condition's lastTransitionTime of a ready pod, else None (Go's zero time)."""
    return timestamps.parse(ready_condition(pod).get("lastTransitionTime")) if is_ready(pod) else None


def is_available(pod, min_ready_seconds, now):
    """IsPodAvailable: ready, and ready for more than minReadySeconds of cluster time."""
    if not is_ready(pod):
        return False
    since = _ready_since(pod)
    return not min_ready_seconds or (since is not None
                                     and since + timedelta(seconds=min_ready_seconds) < now)


def seconds_until_available(pods, min_ready_seconds, now):
    """How long until the first ready but not yet available pod becomes available (0 for one
    exactly at the mark: it is an instant later); None if none is waiting
    (FindMinNextPodAvailabilityCheck)."""
    waits = [max((_ready_since(p) + timedelta(seconds=min_ready_seconds) - now).total_seconds(), 0)
             for p in pods if _ready_since(p) is not None
             and not is_available(p, min_ready_seconds, now)]
    return min(waits) if waits else None


def from_template(template, owner, controller_ref):
    """GetPodFromTemplate: the template's labels, annotations, finalizers and spec, named after
    its owner ("web-5d9c8b7f6-" + five random characters)."""
    template_meta = template.get("metadata") or {}
    meta = {"generateName": f"{owner['metadata']['name']}-",
            "namespace": owner["metadata"]["namespace"]}
    for key in ("labels", "annotations", "finalizers"):
        if template_meta.get(key):
            meta[key] = copy.deepcopy(template_meta[key])
    meta["ownerReferences"] = [controller_ref]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": copy.deepcopy(template.get("spec") or {})}


# --- which pods go first ----------------------------------------------------------------------

def pods_to_delete(pods, related_pods, count, now):
    """getPodsToDelete: the `count` pods to delete first, in ActivePodsWithRanks' order.

    A pod's rank is how many active related pods (of the ReplicaSets that share its owner) run on
    its node: of two otherwise equal pods, the one on the more crowded node goes first.
    """
    if count >= len(pods):
        return list(pods)
    on_node = {}
    for pod in related_pods:
        if is_active(pod):
            node = pod["spec"].get("nodeName", "")
            on_node[node] = on_node.get(node, 0) + 1
    rank = {p["metadata"]["uid"]: on_node.get(p["spec"].get("nodeName", ""), 0) for p in pods}

    def compare(a, b):
        return -1 if _deleted_before(a, b, rank, now) else 1 if _deleted_before(b, a, rank, now) else 0

    return sorted(pods, key=cmp_to_key(compare))[:count]


def _deleted_before(a, b, rank, now):
    """ActivePodsWithRanks.Less: whether pod `a` should be deleted before pod `b`."""
    node_a, node_b = a["spec"].get("nodeName", ""), b["spec"].get("nodeName", "")
    if node_a != node_b and (not node_a or not node_b):
        return not node_a  # 1. unscheduled before scheduled
    phase_a, phase_b = (_PHASE_ORDER.get((p.get("status") or {}).get("phase"), 0) for p in (a, b))
    if phase_a != phase_b:
        return phase_a < phase_b  # 2. Pending before Unknown before Running
    if is_ready(a) != is_ready(b):
        return not is_ready(a)  # 3. not ready before ready
    cost_a, cost_b = _deletion_cost(a), _deletion_cost(b)
    if cost_a != cost_b:
        return cost_a < cost_b  # 4. lower controller.kubernetes.io/pod-deletion-cost first
    uid_a, uid_b = a["metadata"]["uid"], b["metadata"]["uid"]
    if rank[uid_a] != rank[uid_b]:
        return rank[uid_a] > rank[uid_b]  # 5. doubled up on a node before alone
    if is_ready(a) and is_ready(b):
        ready_a, ready_b = _ready_since(a), _ready_since(b)
        if ready_a != ready_b:
            return _newer(ready_a, ready_b, uid_a, uid_b, now)  # 6. ready for less time first
    restarts_a, restarts_b = _max_restarts(a), _max_restarts(b)
    if restarts_a != restarts_b:
        return restarts_a > restarts_b  # 7. more container restarts first
    created_a, created_b = (timestamps.parse(p["metadata"].get("creationTimestamp")) for p in (a, b))
    if created_a != created_b:
        return _newer(created_a, created_b, uid_a, uid_b, now)  # 8. newer first
    return False


def _newer(t1, t2, uid1, uid2, now):
    """Whether t1 comes first: the more recent one, compared on a logarithmic scale of age
    (LogarithmicScaleDown), so that pods of about the same age go in a random-enough order (by
    uid). A missing time comes before any."""
    if t1 is None or t2 is None:
        return t1 is None
    diff = _log_age(t1, now) - _log_age(t2, now)
    return uid1 < uid2 if diff == 0 else diff < 0


def _log_age(t, now):
    nanoseconds = (now - t).total_seconds() * 1e9
    return int(math.log2(nanoseconds)) if nanoseconds > 0 else -1


def _deletion_cost(pod):
    """The pod-deletion-cost annotation as an int32; a missing or malformed one ("+1", "007")
    is 0."""
    value = (pod["metadata"].get("annotations") or {}).get(DELETION_COST, "")
    if not _DELETION_COST_FORMAT.fullmatch(value):
        return 0
    cost = int(value)
    return cost if -2**31 <= cost < 2**31 else 0


def _max_restarts(pod):
    return max((s.get("restartCount", 0)
                for s in (pod.get("status") or {}).get("containerStatuses") or ()), default=0)
