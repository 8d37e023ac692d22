"""Assigning a pod to a node: the write behind pods/binding (BindingREST.assignPod upstream).

The API's binding subresource and the scheduler both bind through here, so a pod is assigned
exactly once whoever asks: one already on a node, being deleted or still gated gets 409 Conflict.
"""
import copy

from . import kinds, store
from .errors import Conflict
from .timestamps import now, timestamp

POD = kinds.BY_KIND[("", "Pod")]


def bind(namespace, name, node_name, *, uid=None, resource_version=None, annotations=None,
         dry_run=False, pod=None):
    """Set the pod's spec.nodeName and its PodScheduled=True condition; returns the pod.

    `uid` and `resource_version` are the Binding's preconditions on the pod. `pod` is the pod as
    the caller last read it, which saves a read while it is still current; the write checks its
    resourceVersion either way, and a pod changed meanwhile is read again and checked again.
    """
    for attempt in range(store.UPDATE_RETRIES):
        current = pod if pod is not None and attempt == 0 else store.get(POD, namespace, name)
        assigned = copy.deepcopy(current)
        store.check_preconditions(POD, assigned, {"uid": uid, "resourceVersion": resource_version})
        why = _unassignable(assigned)
        if why:
            raise Conflict.of(POD, name, why)
        assigned["spec"]["nodeName"] = node_name
        if annotations:
            assigned["metadata"]["annotations"] = {
                **(assigned["metadata"].get("annotations") or {}), **annotations}
        update_pod_condition(assigned, "PodScheduled")
        try:
            return store.update(assigned, subresource="binding", dry_run=dry_run)
        except Conflict:
            continue  # the pod changed since it was read: check it again as it now is
    raise Conflict.stale(POD, name)


def _unassignable(pod):
    name, spec = pod["metadata"]["name"], pod["spec"]
    if pod["metadata"].get("deletionTimestamp"):
        return f"pod {name} is being deleted, cannot be assigned to a host"
    if spec.get("nodeName"):
        return f'pod {name} is already assigned to node "{spec["nodeName"]}"'
    if spec.get("schedulingGates"):
        return f"pod {name} has non-empty .spec.schedulingGates"
    return None


def update_pod_condition(pod, condition_type, reason=None, message=None, status="True"):
    """podutil.UpdatePodCondition: set the condition, moving lastTransitionTime only when the
    status changes. Returns whether anything changed (an unchanged condition is left alone)."""
    conditions = pod.setdefault("status", {}).setdefault("conditions", [])
    old = next((c for c in conditions if c.get("type") == condition_type), None)
    same_status = old is not None and old.get("status") == status
    if same_status and (old.get("reason"), old.get("message")) == (reason, message):
        return False
    new = {"type": condition_type, "status": status, "lastProbeTime": None,
           "lastTransitionTime": old.get("lastTransitionTime") if same_status else timestamp(now())}
    if reason:
        new |= {"reason": reason, "message": message}
    if old is None:
        conditions.append(new)
    else:
        conditions[conditions.index(old)] = new
    return True
