"""The namespace controller (pkg/controller/namespace): empties a namespace being deleted, then lets
it go.

Deleting a namespace only marks it: the store sets its deletionTimestamp and status.phase
Terminating and keeps it while spec.finalizers holds "kubernetes". For such a namespace, a
reconcile (namespacedResourcesDeleter.Delete)
- deletes everything in it, every namespaced kind, with background propagation,
- reports progress in the status conditions upstream writes (NamespaceContentRemaining: "Some
  resources are remaining: pods. has 2 resource instances", ...),
- waits while content remains: as long as its pods' grace periods (estimated as upstream does),
  or 15 s for content held by finalizers; deletions in the namespace wake it sooner,
- once it is empty, removes "kubernetes" through the finalize subresource and deletes the
  namespace again, which then goes (unless other finalizers still hold it).

A pod deleted on a node whose kubelet is stopped stays Terminating, and so does its namespace, as
in a real cluster, until the pod is force-deleted.
"""
from collections import Counter

from cluster import clock, kinds, store, timestamps
from cluster.errors import NotFound
from cluster.models import Namespace
from workers.result import Result, split_key

NAMESPACE = kinds.lookup("namespaces")
NAMESPACED_KINDS = [k for k in kinds.KINDS if k.namespaced]
FINALIZER = "kubernetes"
FINALIZER_ESTIMATE_SECONDS = 15  # how long to give content held by finalizers
TERMINAL_PHASES = ("Succeeded", "Failed")
# The conditions the controller maintains, in upstream's order, with their "all is well" form.
CONDITIONS = {
    "NamespaceDeletionDiscoveryFailure": ("ResourcesDiscovered", "All resources successfully discovered"),
    "NamespaceDeletionGroupVersionParsingFailure": ("ParsedGroupVersions",
                                                    "All legacy kube types successfully parsed"),
    "NamespaceDeletionContentFailure": ("ContentDeleted",
                                        "All content successfully deleted, may be waiting on finalization"),
    "NamespaceContentRemaining": ("ContentRemoved", "All content successfully removed"),
    "NamespaceFinalizersRemaining": ("ContentHasNoFinalizers", "All content-preserving finalizers finished"),
}


def reconcile(key):
    _, name = split_key(key)
    try:
        namespace = store.get(NAMESPACE, None, name)
    except NotFound:
        return None
    if not namespace["metadata"].get("deletionTimestamp"):
        return None
    if FINALIZER in namespace["spec"].get("finalizers") or ():
        estimate, remaining = delete_all_content(namespace)
        if remaining:
            return Result.after(estimate or FINALIZER_ESTIMATE_SECONDS)
        finalize(namespace)
    _delete(namespace)
    return None


def keys_for(event_type, obj):
    """A namespace being deleted; the namespace of anything deleted, which may have been the
    content it waited for."""
    meta = obj["metadata"]
    if obj["kind"] == "Namespace":
        return [meta["name"]] if meta.get("deletionTimestamp") else []
    return [meta["namespace"]] if event_type == "DELETED" and meta.get("namespace") else []


def resync_keys():
    return list(Namespace.objects.terminating().values_list("name", flat=True))


def delete_all_content(namespace):
    """deleteAllContent: delete what the namespace holds and update its conditions. Returns the
    estimate of how long what remains will take (seconds) and the count left of each kind."""
    name = namespace["metadata"]["name"]
    deleted_at = timestamps.parse(namespace["metadata"]["deletionTimestamp"])
    estimate, remaining, finalizers, errors = 0, {}, Counter(), []
    for kind in NAMESPACED_KINDS:
        kind_estimate, left = _delete_all_of_kind(kind, name, deleted_at)
        if not left:
            continue
        remaining[kind] = len(left)
        held = Counter(f for obj in left for f in obj["metadata"].get("finalizers") or ())
        finalizers.update(held)
        if kind_estimate:
            estimate = max(estimate, kind_estimate)
        elif held:
            estimate = max(estimate, FINALIZER_ESTIMATE_SECONDS)
        else:  # nothing should have kept these: upstream reports it as a failure
            errors.append(f"unexpected items still remain in namespace: {name} for gvr: "
                          f"{kind.group}/{kind.version}, Resource={kind.plural}")
    _update_conditions(name, _conditions(remaining, finalizers, errors))
    return estimate, remaining


def _delete_all_of_kind(kind, namespace, deleted_at):
    """Delete every object of a kind in the namespace; returns the estimate and those left."""
    items = store.list_objects(kind, namespace).items
    estimate = _estimate_graceful_termination(kind, items, deleted_at)
    for obj in items:
        if obj["metadata"].get("deletionTimestamp"):
            continue  # being deleted already
        try:
            store.delete(kind, namespace, obj["metadata"]["name"], propagation_policy="Background")
        except NotFound:
            pass
    return estimate, store.list_objects(kind, namespace).items if items else []


def _estimate_graceful_termination(kind, items, deleted_at):
    """For pods, the longest grace period of those still running, unless that much time has
    passed since the namespace was deleted (estimateGracefulTermination)."""
    if kind.kind != "Pod":
        return 0
    estimate = max((pod["spec"].get("terminationGracePeriodSeconds", 30) for pod in items
                    if (pod.get("status") or {}).get("phase") not in TERMINAL_PHASES), default=0)
    return 0 if (clock.now() - deleted_at).total_seconds() >= estimate else estimate


def _conditions(remaining, finalizers, errors):
    """The conditions that report trouble (updateConditions fills in the others as fine)."""
    conditions = {}
    if errors:
        conditions["NamespaceDeletionContentFailure"] = (
            "True", "ContentDeletionFailed",
            f"Failed to delete all resource types, {len(errors)} remaining: {', '.join(sorted(errors))}")
    if remaining:
        counts = sorted(f"{kind.plural}.{kind.group} has {count} resource instances"
                        for kind, count in remaining.items())
        conditions["NamespaceContentRemaining"] = (
            "True", "SomeResourcesRemain", f"Some resources are remaining: {', '.join(counts)}")
    if finalizers:
        counts = sorted(f"{finalizer} in {count} resource instances"
                        for finalizer, count in finalizers.items())
        conditions["NamespaceFinalizersRemaining"] = (
            "True", "SomeFinalizersRemain",
            f"Some content in the namespace has finalizers remaining: {', '.join(counts)}")
    return conditions


def _update_conditions(name, trouble):
    """Write the five conditions; lastTransitionTime moves only when a status changes."""
    def update(namespace):
        now = timestamps.timestamp(timestamps.now())
        conditions = namespace.setdefault("status", {}).setdefault("conditions", [])
        changed = False
        for condition_type, fine in CONDITIONS.items():
            status, reason, message = trouble.get(condition_type, ("False", *fine))
            old = next((c for c in conditions if c.get("type") == condition_type), None)
            if old is None:
                conditions.append({"type": condition_type, "status": status,
                                   "lastTransitionTime": now, "reason": reason, "message": message})
            elif (old.get("status"), old.get("reason"), old.get("message")) != (status, reason, message):
                if old.get("status") != status:
                    old["lastTransitionTime"] = now
                old.update(status=status, reason=reason, message=message)
            else:
                continue
            changed = True
        return changed

    store.guaranteed_update(NAMESPACE, None, name, update, subresource="status")


def finalize(namespace):
    """finalizeNamespace: remove "kubernetes" from spec.finalizers, through the finalize
    subresource, the only write that may change them."""
    def remove(current):
        finalizers = current["spec"].get("finalizers") or []
        if FINALIZER not in finalizers:
            return False
        current["spec"]["finalizers"] = [f for f in finalizers if f != FINALIZER]

    store.guaranteed_update(NAMESPACE, None, namespace["metadata"]["name"], remove,
                            subresource="finalize")


def _delete(namespace):
    """Delete it again: a namespace with no finalizers left goes."""
    meta = namespace["metadata"]
    try:
        store.delete(NAMESPACE, None, meta["name"], preconditions={"uid": meta["uid"]})
    except NotFound:
        pass
