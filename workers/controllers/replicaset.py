"""The ReplicaSet controller (pkg/controller/replicaset): keeps spec.replicas pods alive.

reconcile(key) is upstream's syncReplicaSet: claim the pods (adopt matching orphans, release
non-matching own), create or delete pods to reach spec.replicas, then write the status. Pods are
counted from the store each time, so a second run right after the first creates nothing more.
"""

from cluster import clock, kinds, selectors, store, timestamps
from cluster.errors import Forbidden, NotFound, StatusError
from cluster.models import Pod, ReplicaSet, WatchEvent

from .. import events
from ..memo import per_batch
from ..result import Result, key_of, split_key
from . import podutil
from .controllerref import claim, controller_of, is_controlled_by, new_controller_ref

REPLICA_SET = kinds.BY_KIND[("apps", "ReplicaSet")]
POD = kinds.BY_KIND[("", "Pod")]
COMPONENT = "replicaset-controller"
BURST_REPLICAS = 500  # the most pods one sync creates or deletes
SLOW_START_INITIAL_BATCH_SIZE = 1
MAX_RETRY_SECONDS = 1000  # the workqueue's longest back-off
REPLICA_FAILURE = "ReplicaFailure"


def reconcile(key):
    namespace, name = split_key(key)
    try:
        rs = store.get(REPLICA_SET, namespace, name)
    except NotFound:
        return None
    selector = selectors.from_label_selector(rs["spec"].get("selector"))
    pods = _owned_and_orphan_pods(rs, selector)
    active = claim(POD, rs, [p for p in pods if podutil.is_active(p)], selector.matches)
    terminating = [p for p in pods if podutil.is_terminating(p)
                   and is_controlled_by(p, rs) and selector.matches(p)]
    error = None
    if not rs["metadata"].get("deletionTimestamp"):
        error = _manage_replicas(rs, active)
    now = clock.now()
    status = _calculate_status(rs, active, terminating, error, now)
    if status != rs.get("status"):
        try:
            rs = store.update({**rs, "status": status}, subresource="status")
        except NotFound:
            return None  # deleted meanwhile: nothing left to keep running
    if error is not None:
        return Result.after(_retry_after(status, now))
    return _next_availability_check(rs, active, now)


def _owned_and_orphan_pods(rs, selector):
    """The pods this ReplicaSet controls, and the orphans in its namespace its selector matches
    (the pod index's controller-uid and orphan entries)."""
    pods = Pod.objects.claimable_by(rs, selector).objects()
    return [p for p in pods if controller_of(p) is not None or selector.matches(p)]


# --- creating and deleting pods ---------------------------------------------------------------

def _manage_replicas(rs, pods):
    """Create or delete pods to match spec.replicas; returns the first error, or None."""
    diff = len(pods) - rs["spec"]["replicas"]
    if diff < 0:
        return _slow_start_batch(min(-diff, BURST_REPLICAS), lambda: _create_pod(rs))
    if diff > 0:
        victims = podutil.pods_to_delete(pods, _indirectly_related_pods(rs),
                                         min(diff, BURST_REPLICAS), clock.now())
        errors = [e for e in (_delete_pod(rs, pod) for pod in victims) if e is not None]
        return errors[0] if errors else None
    return None


def _slow_start_batch(count, create):
    """slowStartBatch: create in batches of 1, 2, 4, ..., stopping after a batch with a failure,
    so that a quota or an invalid template costs a few failed calls rather than hundreds."""
    remaining, size = count, min(count, SLOW_START_INITIAL_BATCH_SIZE)
    while size > 0:
        errors = [e for e in (create() for _ in range(size)) if e is not None]
        if errors:
            return errors[0]
        remaining -= size
        size = min(2 * size, remaining)
    return None


def _create_pod(rs):
    pod = podutil.from_template(rs["spec"]["template"], rs, new_controller_ref(rs))
    try:
        created = store.create(pod)
    except StatusError as error:
        if _namespace_terminating(error):
            return None  # every create would fail; the namespace controller deletes us anyway
        events.record(rs, events.WARNING, "FailedCreate", f"Error creating: {error.message}",
                      component=COMPONENT)
        return error
    events.record(rs, events.NORMAL, "SuccessfulCreate",
                  f"Created pod: {created['metadata']['name']}", component=COMPONENT)
    return None


def _namespace_terminating(error):
    # Upstream marks this 403 with the NamespaceTerminating cause; the store says it in words.
    return isinstance(error, Forbidden) and "because it is being terminated" in error.message


def _delete_pod(rs, pod):
    name = pod["metadata"]["name"]
    try:
        store.delete(POD, rs["metadata"]["namespace"], name)
    except NotFound:
        return None  # already gone: what we wanted
    except StatusError as error:
        events.record(rs, events.WARNING, "FailedDelete", f"Error deleting: {error.message}",
                      component=COMPONENT)
        return StatusError(f"unable to delete pods: {error.message}")
    events.record(rs, events.NORMAL, "SuccessfulDelete", f"Deleted pod: {name}",
                  component=COMPONENT)
    return None


def _indirectly_related_pods(rs):
    """The pods of every ReplicaSet with the same controller (a Deployment's old and new ones):
    they decide which nodes are crowded."""
    owner = controller_of(rs)
    if owner is None:
        return []
    related, seen = [], set()
    for other in ReplicaSet.objects.in_namespace(rs["metadata"]["namespace"]).owned_by(
            owner.get("uid", "")).objects():
        selector = selectors.from_label_selector(other["spec"].get("selector"))
        for pod in Pod.objects.in_namespace(rs["metadata"]["namespace"]).filter(
                selector.to_q()).objects():
            if selector.matches(pod) and pod["metadata"]["uid"] not in seen:
                seen.add(pod["metadata"]["uid"])
                related.append(pod)
    return related


# --- status -----------------------------------------------------------------------------------

def _calculate_status(rs, pods, terminating, error, now):
    """calculateStatus, shaped as the API serializes ReplicaSetStatus (zero counts omitted, but
    replicas and terminatingReplicas always there)."""
    spec = rs["spec"]
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    min_ready = spec.get("minReadySeconds", 0)
    ready = [p for p in pods if podutil.is_ready(p)]
    counts = {
        "replicas": len(pods),
        "fullyLabeledReplicas": sum(
            all((p["metadata"].get("labels") or {}).get(k) == v for k, v in template_labels.items())
            for p in pods),
        "readyReplicas": len(ready),
        "availableReplicas": sum(podutil.is_available(p, min_ready, now) for p in ready),
        "terminatingReplicas": len(terminating),
        "observedGeneration": rs["metadata"].get("generation", 1),
    }
    status = {k: v for k, v in counts.items()
              if v or k in ("replicas", "terminatingReplicas")}
    conditions = _conditions(rs, len(pods), error, now)
    if conditions:
        status["conditions"] = conditions
    return status


def _conditions(rs, pod_count, error, now):
    """The ReplicaFailure condition: set on the first failure (kept as it was while failures go
    on), removed once a sync succeeds."""
    conditions = list((rs.get("status") or {}).get("conditions") or ())
    failure = next((c for c in conditions if c["type"] == REPLICA_FAILURE), None)
    if error is not None and failure is None:
        diff = pod_count - rs["spec"]["replicas"]
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        conditions.append({"type": REPLICA_FAILURE, "status": "True",
                           "lastTransitionTime": timestamps.timestamp(now.replace(microsecond=0)),
                           "reason": reason, "message": error.message})
    elif error is None and failure is not None:
        conditions.remove(failure)
    return conditions


# --- coming back later ------------------------------------------------------------------------

def _retry_after(status, now):
    """Back off while pods cannot be made: as long again as the failure has lasted (1, 1, 2, 4...
    seconds), the shape of the workqueue's exponential back-off."""
    failure = next(c for c in status["conditions"] if c["type"] == REPLICA_FAILURE)
    lasted = (now - timestamps.parse(failure["lastTransitionTime"])).total_seconds()
    return min(max(lasted, 1.0), MAX_RETRY_SECONDS)


def _next_availability_check(rs, pods, now):
    """Ready pods become available minReadySeconds later with no event to say so: come back then,
    a second late as upstream does, to be past the strict `after` of IsPodAvailable."""
    min_ready = rs["spec"].get("minReadySeconds", 0)
    status = rs.get("status") or {}
    if not min_ready or status.get("readyReplicas", 0) == status.get("availableReplicas", 0):
        return None
    wait = podutil.seconds_until_available(pods, min_ready, now)
    return Result.after((min_ready if wait is None else wait) + 1)


# --- which keys a change wakes ----------------------------------------------------------------

def keys_for(event_type, obj):
    """A ReplicaSet's own changes; a pod's changes wake its controller, or, for an orphan, every
    ReplicaSet that selects it (to adopt it)."""
    if _is(obj, REPLICA_SET):
        return [key_of(obj)]
    if not _is(obj, POD):
        return []
    ref = controller_of(obj)
    if ref is not None:
        is_ours = ref.get("kind") == "ReplicaSet"
        return [f"{obj['metadata']['namespace']}/{ref['name']}"] if is_ours else []
    if event_type == WatchEvent.DELETED:
        return []  # no controller cares about an orphan going away
    return [key_of(rs) for rs in _replica_sets_selecting(obj)]


def _replica_sets_selecting(pod):
    """GetPodReplicaSets: the ReplicaSets whose (non-empty) selector matches the pod's labels."""
    if not pod["metadata"].get("labels"):
        return []
    return [rs for rs, selector in _replica_set_selectors(pod["metadata"]["namespace"])
            if selector.matches(pod)]


@per_batch
def _replica_set_selectors(namespace):
    """(ReplicaSet, selector) of the ReplicaSets of a namespace that select anything."""
    found = [(rs, selectors.from_label_selector(rs["spec"].get("selector")))
             for rs in ReplicaSet.objects.in_namespace(namespace).objects()]
    return [(rs, selector) for rs, selector in found if not selector.empty]


def _is(obj, kind):
    return obj.get("kind") == kind.kind and obj.get("apiVersion") == kind.api_version


def resync_keys():
    return [f"{namespace}/{name}"
            for namespace, name in ReplicaSet.objects.values_list("namespace", "name")]
