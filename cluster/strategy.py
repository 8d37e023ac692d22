"""Per-kind rules the store applies around a write, as kube-apiserver's registry strategies do:
what a create resets, what an update may not change, how a delete proceeds."""
import secrets

from . import defaults, validation
from .timestamps import after, timestamp

# Fields of metadata only the server sets; a client's values are ignored.
_SYSTEM_META = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                "generation", "resourceVersion", "selfLink")
_GENERATED_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # as apimachinery's rand.String: no vowels
# The kinds whose registry strategy keeps metadata.generation (1 on create, +1 when the desired
# state changes). Others (ConfigMaps, Services, Nodes, ...) have none in `kubectl get -o yaml`.
_GENERATION_KINDS = frozenset({"Pod", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet",
                               "Job", "CronJob", "EndpointSlice"})


def generate_name(prefix):
    return prefix[:58] + "".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(5))


def _set_namespace(kind, meta):
    if kind.namespaced:
        meta["namespace"] = meta.get("namespace") or "default"
    else:
        meta.pop("namespace", None)


def prepare_for_create(kind, obj):
    meta = obj.setdefault("metadata", {})
    for key in _SYSTEM_META:
        meta.pop(key, None)
    _set_namespace(kind, meta)
    if kind.kind in _GENERATION_KINDS:
        meta["generation"] = 1
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = generate_name(meta["generateName"])
    if kind.kind == "Namespace":
        obj["spec"] = {"finalizers": ["kubernetes"]}
        obj["status"] = {"phase": "Active"}
    elif kind.kind == "Pod":
        obj["status"] = {"phase": "Pending"}
    elif kind.kind == "Service":
        obj["status"] = {"loadBalancer": {}}
    elif kind.has_status and kind.kind != "Node":  # nodes register with their status
        obj["status"] = {}
    defaults.apply(kind, obj)


def prepare_for_update(kind, new, old, subresource=None):
    """Carry over what the client may not change; bump generation when the desired state changed."""
    old_meta = old["metadata"]
    if subresource == "status":
        status = new.get("status")
        managed = (new.get("metadata") or {}).get("managedFields")
        new = {**old, "metadata": dict(old_meta)}
        if managed is not None:  # the API's record of this write (cluster.managedfields)
            new["metadata"]["managedFields"] = managed
        if status is not None:
            new["status"] = status
        else:
            new.pop("status", None)
        return new
    meta = new.setdefault("metadata", {})
    for key in _SYSTEM_META:
        if key in old_meta:
            meta[key] = old_meta[key]
        else:
            meta.pop(key, None)
    _set_namespace(kind, meta)
    if kind.kind == "Namespace" and subresource != "finalize":
        # Only the finalize subresource changes spec.finalizers (upstream's namespaceStrategy).
        new.setdefault("spec", {})["finalizers"] = (old.get("spec") or {}).get("finalizers")
    # Binding writes the pod's PodScheduled condition with its nodeName, as upstream's BindingREST.
    if subresource != "binding" and (kind.has_status or kind.kind in ("Namespace", "Pod")):
        if "status" in old:
            new["status"] = old["status"]
        else:
            new.pop("status", None)
    defaults.apply(kind, new)
    if kind.kind in _GENERATION_KINDS and _desired_state(new) != _desired_state(old):
        meta["generation"] = old_meta.get("generation", 1) + 1
    return new


def prepare_with_uid(kind, obj):
    """What a create does once the object has its uid, before validation (where upstream's
    jobStrategy.Validate does it): a Job without manualSelector gets the selector upstream
    generates (generateSelector) and the template labels it selects (a client's own are kept),
    and, as the API shows a Job read back, those labels as its own when it has none."""
    spec, meta = obj.get("spec"), obj["metadata"]
    if kind.kind != "Job" or not isinstance(spec, dict):
        return
    spec.setdefault("manualSelector", False)
    if spec["manualSelector"] is True:
        return
    labels = _map_at(_map_at(_map_at(spec, "template"), "metadata"), "labels")
    match_labels = _map_at(_map_at(spec, "selector"), "matchLabels")
    if labels is None or match_labels is None:
        return  # not objects: validation says where
    for key in ("job-name", "batch.kubernetes.io/job-name"):
        labels.setdefault(key, meta.get("name") or "")
    for key in ("controller-uid", "batch.kubernetes.io/controller-uid"):
        labels.setdefault(key, meta["uid"])
    match_labels.setdefault("batch.kubernetes.io/controller-uid", meta["uid"])
    if not meta.get("labels"):
        meta["labels"] = dict(labels)


def _map_at(parent, key):
    """parent[key], made an empty object if unset; None where either is not an object."""
    if not isinstance(parent, dict):
        return None
    if parent.get(key) is None:
        parent[key] = {}
    return parent[key] if isinstance(parent[key], dict) else None


def _desired_state(obj):
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def validate_create(kind, obj):
    validation.validate(kind, obj)


def validate_update(kind, new, old, subresource=None):
    validation.validate(kind, new, old=old, subresource=subresource)


def prepare_for_delete(kind, obj, now, grace_period_seconds=None, propagation_policy=None):
    """The object marked for deletion, or None to delete it at once.

    Pods on a node get their grace period for the kubelet to stop them; anything with finalizers
    waits for them; Foreground and Orphan propagation add the finalizer the garbage collector
    acts on.
    """
    meta = obj["metadata"]
    finalizers = list(meta.get("finalizers") or ())
    if propagation_policy == "Foreground" and "foregroundDeletion" not in finalizers:
        finalizers.append("foregroundDeletion")
    elif propagation_policy == "Orphan" and "orphan" not in finalizers:
        finalizers.append("orphan")
    grace = _grace_period(kind, obj, grace_period_seconds)
    if kind.kind == "Namespace":
        # The namespace controller empties it, removes spec.finalizers' "kubernetes", then
        # deletes it again: only then does it go.
        if meta.get("deletionTimestamp") and not finalizers and not obj["spec"].get("finalizers"):
            return None
        obj["status"] = {**(obj.get("status") or {}), "phase": "Terminating"}
    elif not finalizers and not grace:
        return None
    if meta.get("deletionTimestamp"):
        sooner = grace < (meta.get("deletionGracePeriodSeconds") or 0)
        if not sooner and finalizers == list(meta.get("finalizers") or ()):
            return obj  # already terminating, and no sooner: nothing changes
    meta["deletionTimestamp"] = timestamp(after(now, grace))
    meta["deletionGracePeriodSeconds"] = grace
    if finalizers:
        meta["finalizers"] = finalizers
    return obj


def should_delete_on_update(kind, obj):
    """An object being deleted goes once its finalizers are gone and its grace period is over."""
    meta = obj["metadata"]
    return (kind.kind != "Namespace" and bool(meta.get("deletionTimestamp"))
            and not meta.get("finalizers") and not meta.get("deletionGracePeriodSeconds"))


def _grace_period(kind, obj, requested):
    if kind.kind != "Pod":
        return 0
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
        return 0  # no kubelet has to stop it
    if requested is not None:
        return max(int(requested), 0)
    return int(spec.get("terminationGracePeriodSeconds", 30))
