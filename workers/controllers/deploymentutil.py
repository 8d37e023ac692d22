"""What the Deployment controller computes (pkg/controller/deployment/util/deployment_util.go):
the pod-template hash, revisions and their annotations, surge and unavailability, replica counts,
and the Progressing and Available conditions."""
import copy
import json
import math

from cluster import timestamps

POD_TEMPLATE_HASH = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000
# Annotations of the Deployment its ReplicaSets do not copy.
_NOT_COPIED = ("kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY,
               DESIRED_REPLICAS, MAX_REPLICAS, "deprecated.deployment.rollback.to")
_MAX_INT32 = 2**31 - 1

# Condition types and reasons, as kubectl describe shows them.
PROGRESSING, AVAILABLE, REPLICA_FAILURE = "Progressing", "Available", "ReplicaFailure"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
FAILED_RS_CREATE = "ReplicaSetCreateError"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MINIMUM_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_UNAVAILABLE = "MinimumReplicasUnavailable"


# --- the pod-template hash --------------------------------------------------------------------

_FNV32_OFFSET, _FNV32_PRIME = 2166136261, 16777619
_SAFE_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery's rand: no vowels, no 0, 1, 3


def compute_hash(template, collision_count=None):
    """controller.ComputeHash: FNV-32a of the template (here its canonical JSON; upstream hashes
    the Go struct, so the values differ from a real cluster's but have their shape) and of the
    collision count, rendered with rand.SafeEncodeString: e.g. "5d9c8b7f6"."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        data += (collision_count & 0xFFFFFFFF).to_bytes(8, "little")
    h = _FNV32_OFFSET
    for byte in data:
        h = ((h ^ byte) * _FNV32_PRIME) & 0xFFFFFFFF
    return "".join(_SAFE_ALPHANUMS[ord(c) % len(_SAFE_ALPHANUMS)] for c in str(h))


def equal_ignore_hash(template1, template2):
    """Whether two pod templates are equal but for their pod-template-hash label."""
    return _without_hash(template1) == _without_hash(template2)


def _without_hash(template):
    template = copy.deepcopy(template or {})
    labels = (template.get("metadata") or {}).get("labels")
    if labels:
        labels.pop(POD_TEMPLATE_HASH, None)
    return template


# --- finding the new and old ReplicaSets ------------------------------------------------------

def by_creation(rs):
    """ReplicaSetsByCreationTimestamp's order (name breaks ties)."""
    return rs["metadata"]["creationTimestamp"], rs["metadata"]["name"]


def find_new_replica_set(d, rs_list):
    """The oldest ReplicaSet whose template is the Deployment's: a rollback reuses its RS."""
    return next((rs for rs in sorted(rs_list, key=by_creation)
                 if equal_ignore_hash(rs["spec"]["template"], d["spec"]["template"])), None)


def find_old_replica_sets(d, rs_list):
    new = find_new_replica_set(d, rs_list)
    return [rs for rs in rs_list if new is None or rs["metadata"]["uid"] != new["metadata"]["uid"]]


def active(rs_list):
    """FilterActiveReplicaSets: those asked for pods."""
    return [rs for rs in rs_list if rs["spec"]["replicas"] > 0]


def find_active_or_latest(new_rs, old_rses):
    """The one ReplicaSet with pods, or the newest if none has any; None if several have."""
    olds = sorted(old_rses, key=by_creation, reverse=True)
    candidates = active(olds + ([new_rs] if new_rs else []))
    if not candidates:
        return new_rs or (olds[0] if olds else None)
    return candidates[0] if len(candidates) == 1 else None


# --- revisions --------------------------------------------------------------------------------

def revision(rs):
    """The revision annotation as a number (0 if unset); None if it is not one."""
    value = (rs["metadata"].get("annotations") or {}).get(REVISION)
    if value is None:
        return 0
    try:
        return int(value, 10)
    except ValueError:
        return None


def max_revision(rs_list):
    return max((r for r in map(revision, rs_list) if r is not None), default=0)


def by_revision(rs):
    """ReplicaSetsByRevision's order: oldest revision first (creation breaks ties)."""
    return revision(rs) or 0, by_creation(rs)


def set_deployment_revision(d, value):
    annotations = d["metadata"].setdefault("annotations", {})
    if annotations.get(REVISION) == value:
        return False
    annotations[REVISION] = value
    return True


def set_new_replica_set_annotations(d, rs, new_revision, exists):
    """SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the revision to
    `new_revision` (keeping a reused RS's earlier revisions in revision-history), and for a
    ReplicaSet about to be created, the replica annotations. Returns whether anything changed."""
    annotations = rs["metadata"].setdefault("annotations", {})
    changed = False
    for key, value in (d["metadata"].get("annotations") or {}).items():
        if key not in _NOT_COPIED and annotations.get(key) != value:
            annotations[key] = value
            changed = True
    old = annotations.get(REVISION)
    old_number = revision(rs) if old else 0
    if old_number is None:
        return False  # not a number: leave it for a person to fix
    if old_number < int(new_revision):
        annotations[REVISION] = new_revision
        changed = True
        if old is not None:  # a ReplicaSet brought back: remember what it was
            _append_revision_history(annotations, old)
    if not exists and set_replicas_annotations(rs, d["spec"]["replicas"],
                                               d["spec"]["replicas"] + max_surge(d)):
        changed = True
    return changed


def _append_revision_history(annotations, old_revision):
    history = annotations.get(REVISION_HISTORY, "")
    if not history:
        annotations[REVISION_HISTORY] = old_revision
        return
    revisions = history.split(",")
    total = len(history) + len(old_revision) + 1
    start = 0
    while total > MAX_REV_HISTORY_LENGTH_IN_CHARS and start < len(revisions):
        total -= len(revisions[start]) + 1
        start += 1
    if total <= MAX_REV_HISTORY_LENGTH_IN_CHARS:
        annotations[REVISION_HISTORY] = ",".join([*revisions[start:], old_revision])


def set_replicas_annotations(rs, desired, maximum):
    annotations = rs["metadata"].setdefault("annotations", {})
    wanted = {DESIRED_REPLICAS: str(desired), MAX_REPLICAS: str(maximum)}
    if all(annotations.get(k) == v for k, v in wanted.items()):
        return False
    annotations.update(wanted)
    return True


def replicas_annotations_need_update(rs, desired, maximum):
    annotations = rs["metadata"].get("annotations") or {}
    return (annotations.get(DESIRED_REPLICAS) != str(desired)
            or annotations.get(MAX_REPLICAS) != str(maximum))


def _int32_annotation(rs, key):
    value = (rs["metadata"].get("annotations") or {}).get(key, "")
    return int(value) if value.isdigit() and int(value) <= _MAX_INT32 else None


def desired_replicas_annotation(rs):
    return _int32_annotation(rs, DESIRED_REPLICAS)


def has_revision_history_limit(d):
    return d["spec"].get("revisionHistoryLimit", _MAX_INT32) != _MAX_INT32


def has_progress_deadline(d):
    return d["spec"].get("progressDeadlineSeconds", _MAX_INT32) != _MAX_INT32


# --- surge and unavailability -----------------------------------------------------------------

def is_rolling_update(d):
    return d["spec"]["strategy"]["type"] == "RollingUpdate"


def scaled_value(value, total, round_up):
    """GetScaledValueFromIntOrPercent: an int as is; "25%" of `total`, rounded up or down."""
    if isinstance(value, int):
        return value
    percent = int(value.rstrip("%"))
    return math.ceil(percent * total / 100) if round_up else math.floor(percent * total / 100)


def resolve_fenceposts(max_surge_value, max_unavailable_value, desired):
    """Surge rounds up, unavailability down; both resolving to 0 would stall, so 0/0 is 0/1."""
    surge = scaled_value(max_surge_value or 0, desired, True)
    unavailable = scaled_value(max_unavailable_value or 0, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _fenceposts(d):
    rolling = d["spec"]["strategy"].get("rollingUpdate") or {}
    return resolve_fenceposts(rolling.get("maxSurge"), rolling.get("maxUnavailable"),
                              d["spec"]["replicas"])


def max_surge(d):
    return _fenceposts(d)[0] if is_rolling_update(d) else 0


def max_unavailable(d):
    desired = d["spec"]["replicas"]
    if not is_rolling_update(d) or desired == 0:
        return 0
    return min(_fenceposts(d)[1], desired)


def new_rs_new_replicas(d, all_rses, new_rs):
    """How big the new ReplicaSet may be now: for RollingUpdate, as big as the surge allows, never
    more than the Deployment asks; for Recreate, the whole Deployment."""
    replicas = d["spec"]["replicas"]
    if not is_rolling_update(d):
        return replicas
    max_total = replicas + max_surge(d)
    current = replica_count(all_rses)
    if current >= max_total:
        return new_rs["spec"]["replicas"]
    return new_rs["spec"]["replicas"] + min(max_total - current,
                                            replicas - new_rs["spec"]["replicas"])


def is_saturated(d, rs):
    """Whether the new ReplicaSet runs all the Deployment's replicas, all available."""
    replicas = d["spec"]["replicas"]
    return (rs is not None and rs["spec"]["replicas"] == replicas
            and desired_replicas_annotation(rs) == replicas
            and (rs.get("status") or {}).get("availableReplicas", 0) == replicas)


def replica_set_proportion(rs, d, to_add, added):
    """GetReplicaSetProportion: this ReplicaSet's share of a scaling, bounded by what is left."""
    if rs["spec"]["replicas"] == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = _replica_set_fraction(rs, d)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def _replica_set_fraction(rs, d):
    replicas = d["spec"]["replicas"]
    if replicas == 0:
        return -rs["spec"]["replicas"]
    before = _int32_annotation(rs, MAX_REPLICAS) or (d.get("status") or {}).get("replicas", 0)
    if not before:
        return 0
    size = rs["spec"]["replicas"] * (replicas + max_surge(d)) / before
    return _round_half_away(size) - rs["spec"]["replicas"]


def _round_half_away(x):
    """Go's math.Round (Python's round() rounds halves to even)."""
    return math.floor(abs(x) + 0.5) * (1 if x >= 0 else -1)


# --- counting ---------------------------------------------------------------------------------

def replica_count(rs_list):
    """Pods asked for (spec.replicas)."""
    return sum(rs["spec"]["replicas"] for rs in rs_list)


def _status_count(rs_list, field):
    return sum((rs.get("status") or {}).get(field, 0) for rs in rs_list)


def actual_replica_count(rs_list):
    return _status_count(rs_list, "replicas")


def ready_replica_count(rs_list):
    return _status_count(rs_list, "readyReplicas")


def available_replica_count(rs_list):
    return _status_count(rs_list, "availableReplicas")


def terminating_replica_count(rs_list):
    """None while some ReplicaSet's controller has not reported it yet."""
    total = 0
    for rs in rs_list:
        status = rs.get("status") or {}
        if "terminatingReplicas" not in status:
            if status.get("observedGeneration", 0) == 0:
                continue  # never synced: it has no pods to terminate
            return None
        total += status["terminatingReplicas"]
    return total


# --- rollout progress -------------------------------------------------------------------------

def deployment_complete(d, status):
    replicas = d["spec"]["replicas"]
    return (status.get("updatedReplicas", 0) == replicas and status.get("replicas", 0) == replicas
            and status.get("availableReplicas", 0) == replicas
            and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 1))


def deployment_progressing(d, status):
    """More updated, ready or available pods than last time, or fewer old ones."""
    old = d.get("status") or {}
    old_olds = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_olds = status.get("replicas", 0) - status.get("updatedReplicas", 0)
    return (status.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
            or new_olds < old_olds
            or status.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or status.get("availableReplicas", 0) > old.get("availableReplicas", 0))


def deployment_timed_out(d, status, now):
    """Whether progressDeadlineSeconds have passed since the Progressing condition last moved."""
    if not has_progress_deadline(d):
        return False
    condition = get_condition(status, PROGRESSING)
    if condition is None or condition.get("reason") == NEW_RS_AVAILABLE:
        return False
    if condition.get("reason") == TIMED_OUT:
        return True
    return seconds_to_deadline(d, condition, now) < 0


def seconds_to_deadline(d, condition, now):
    """lastUpdateTime + progressDeadlineSeconds - now."""
    since = timestamps.parse(condition["lastUpdateTime"])
    return (since - now).total_seconds() + d["spec"]["progressDeadlineSeconds"]


# --- conditions -------------------------------------------------------------------------------

def new_condition(condition_type, status, reason, message, now):
    at = timestamps.timestamp(now.replace(microsecond=0))
    return {"type": condition_type, "status": status, "lastUpdateTime": at,
            "lastTransitionTime": at, "reason": reason, "message": message}


def get_condition(status, condition_type):
    return next((c for c in (status or {}).get("conditions") or ()
                 if c["type"] == condition_type), None)


def set_condition(status, condition):
    """SetDeploymentCondition: replace the condition of its type, unless it says the same (same
    status and reason); keep lastTransitionTime while the status stays."""
    current = get_condition(status, condition["type"])
    if current is not None and (current["status"], current.get("reason")) == (
            condition["status"], condition["reason"]):
        return
    if current is not None and current["status"] == condition["status"]:
        condition = {**condition, "lastTransitionTime": current["lastTransitionTime"]}
    remove_condition(status, condition["type"])
    status["conditions"] = [*status.get("conditions", ()), condition]


def remove_condition(status, condition_type):
    kept = [c for c in status.get("conditions") or () if c["type"] != condition_type]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def replica_set_to_deployment_condition(condition):
    return {"type": condition["type"], "status": condition["status"],
            "lastUpdateTime": condition.get("lastTransitionTime"),
            "lastTransitionTime": condition.get("lastTransitionTime"),
            "reason": condition.get("reason"), "message": condition.get("message")}
