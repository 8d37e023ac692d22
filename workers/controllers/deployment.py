"""The Deployment controller (pkg/controller/deployment): rolls ReplicaSets forward.

reconcile(key) is upstream's syncDeployment: claim the ReplicaSets, then either only scale (paused,
or spec.replicas changed), or roll out (RollingUpdate within maxSurge and maxUnavailable, or
Recreate), clean up old revisions, and write the status with its Progressing and Available
conditions. The new ReplicaSet's name is derived from its template ("web-5d9c8b7f6"), so a second
run finds it rather than making another; a template equal to an old ReplicaSet's (kubectl rollout
undo) brings that one back as the newest revision.
"""
import copy

from cluster import clock, kinds, selectors, store
from cluster.errors import AlreadyExists, NotFound, StatusError
from cluster.models import Deployment, Pod, ReplicaSet, WatchEvent

from .. import events
from ..result import Result, key_of, split_key
from . import deploymentutil as util
from .controllerref import claim, controller_of, new_controller_ref

DEPLOYMENT = kinds.BY_KIND[("apps", "Deployment")]
REPLICA_SET = kinds.BY_KIND[("apps", "ReplicaSet")]
POD = kinds.BY_KIND[("", "Pod")]
COMPONENT = "deployment-controller"
RETRY_SECONDS = 1.0


class _Requeue(Exception):
    """End this sync and try again soon, as upstream's syncHandler returning an error does."""


def reconcile(key):
    namespace, name = split_key(key)
    try:
        d = store.get(DEPLOYMENT, namespace, name)
    except NotFound:
        return None
    try:
        return _sync_deployment(d)
    except (_Requeue, NotFound):  # NotFound: something we act on went away meanwhile
        return Result.after(RETRY_SECONDS)


def _sync_deployment(d):
    rs_list = _replica_sets_for(d)
    if d["metadata"].get("deletionTimestamp"):
        return _sync_status_only(d, rs_list)
    _check_paused_conditions(d)
    if d["spec"].get("paused") or _is_scaling_event(d, rs_list):
        return _sync(d, rs_list)
    if d["spec"]["strategy"]["type"] == "Recreate":
        return _rollout_recreate(d, rs_list)
    return _rollout_rolling(d, rs_list)


def _replica_sets_for(d):
    """getReplicaSetsForDeployment: its own ReplicaSets, adopting orphans its selector matches."""
    selector = selectors.from_label_selector(d["spec"]["selector"])
    candidates = ReplicaSet.objects.claimable_by(d, selector).objects()
    return claim(REPLICA_SET, d, candidates, selector.matches)


def _new_and_old(d, rs_list, create):
    """getAllReplicaSetsAndSyncRevision: the new ReplicaSet (None if there is none and `create`
    is false) and all the old ones."""
    old = util.find_old_replica_sets(d, rs_list)
    return _get_new_replica_set(d, rs_list, old, create), old


# --- the new ReplicaSet -----------------------------------------------------------------------

def _get_new_replica_set(d, rs_list, old_rses, create):
    """getNewReplicaSet: the ReplicaSet running the Deployment's template, its revision raised
    above every old one's; created if missing and `create` is true."""
    existing = util.find_new_replica_set(d, rs_list)
    new_revision = str(util.max_revision(old_rses) + 1)
    if existing is not None:
        return _sync_new_replica_set(d, existing, new_revision)
    if not create:
        return None
    return _create_new_replica_set(d, rs_list, old_rses, new_revision)


def _sync_new_replica_set(d, rs, new_revision):
    """Bring an existing new ReplicaSet's annotations (its revision above all) and minReadySeconds
    up to date; once it is, the Deployment's revision annotation follows (upstream leaves that to
    the sync its own ReplicaSet write wakes)."""
    wanted = copy.deepcopy(rs)
    changed = util.set_new_replica_set_annotations(d, wanted, new_revision, exists=True)
    min_ready = d["spec"].get("minReadySeconds", 0)
    if changed or rs["spec"].get("minReadySeconds", 0) != min_ready:
        _set_min_ready_seconds(wanted, min_ready)
        return _write(rs, wanted)
    changed = util.set_deployment_revision(d, rs["metadata"]["annotations"][util.REVISION])
    progressing = util.get_condition(d.get("status"), util.PROGRESSING)
    if util.has_progress_deadline(d) and progressing is None:
        # The first time anyone asks about progress, start counting from now.
        _set_condition(d, util.PROGRESSING, "True", util.FOUND_NEW_RS,
                       f'Found new replica set "{rs["metadata"]["name"]}"')
        changed = True
    if changed:
        _update_status(d)
    return rs


def _create_new_replica_set(d, rs_list, old_rses, new_revision):
    """The ReplicaSet for a template no ReplicaSet runs yet: "<deployment>-<pod-template-hash>",
    its pods told apart from the old ones' by the hash in their labels and its selector."""
    meta, spec = d["metadata"], d["spec"]
    template = copy.deepcopy(spec["template"])
    collision_count = (d.get("status") or {}).get("collisionCount")
    pod_template_hash = util.compute_hash(template, collision_count)
    labels = {**(template.get("metadata") or {}).get("labels", {}),
              util.POD_TEMPLATE_HASH: pod_template_hash}
    template.setdefault("metadata", {})["labels"] = labels
    selector = copy.deepcopy(spec["selector"])
    selector["matchLabels"] = {**selector.get("matchLabels", {}),
                               util.POD_TEMPLATE_HASH: pod_template_hash}
    new_rs = {
        "apiVersion": REPLICA_SET.api_version, "kind": REPLICA_SET.kind,
        "metadata": {"name": f"{meta['name']}-{pod_template_hash}", "namespace": meta["namespace"],
                     "labels": dict(labels), "ownerReferences": [new_controller_ref(d)]},
        "spec": {"replicas": 0, "selector": selector, "template": template},
    }
    _set_min_ready_seconds(new_rs, spec.get("minReadySeconds", 0))
    replicas = util.new_rs_new_replicas(d, [*old_rses, new_rs], new_rs)
    new_rs["spec"]["replicas"] = replicas
    util.set_new_replica_set_annotations(d, new_rs, new_revision, exists=False)
    try:
        created, already_existed = store.create(new_rs), False
    except AlreadyExists:
        created, already_existed = _existing_new_replica_set(d, new_rs), True
    except StatusError as error:
        _report_create_failure(d, new_rs, error)
        raise _Requeue from error
    rs_list.append(created)
    if not already_existed and replicas > 0:
        events.record(d, events.NORMAL, "ScalingReplicaSet",
                      f"Scaled up replica set {created['metadata']['name']} from 0 to {replicas}",
                      component=COMPONENT)
    changed = util.set_deployment_revision(d, new_revision)
    if not already_existed and util.has_progress_deadline(d):
        _set_condition(d, util.PROGRESSING, "True", util.NEW_RS_CREATED,
                       f'Created new replica set "{created["metadata"]["name"]}"')
        changed = True
    if changed:
        _update_status(d)
    return created


def _existing_new_replica_set(d, new_rs):
    """A ReplicaSet already has the new one's name: ours from an earlier sync, or a hash
    collision, which a higher status.collisionCount resolves with the next hash."""
    try:
        rs = store.get(REPLICA_SET, d["metadata"]["namespace"], new_rs["metadata"]["name"])
    except NotFound:
        raise _Requeue from None
    ref = controller_of(rs)
    if ref is not None and ref.get("uid") == d["metadata"]["uid"] and util.equal_ignore_hash(
            d["spec"]["template"], rs["spec"]["template"]):
        return rs
    status = d.setdefault("status", {})
    status["collisionCount"] = status.get("collisionCount", 0) + 1
    _update_status(d)
    raise _Requeue


def _report_create_failure(d, new_rs, error):
    message = f'Failed to create new replica set "{new_rs["metadata"]["name"]}": {error.message}'
    if util.has_progress_deadline(d):
        _set_condition(d, util.PROGRESSING, "False", util.FAILED_RS_CREATE, message)
        _update_status(d)
    events.record(d, events.WARNING, util.FAILED_RS_CREATE, message, component=COMPONENT)


def _set_min_ready_seconds(rs, seconds):
    if seconds:
        rs["spec"]["minReadySeconds"] = seconds
    else:
        rs["spec"].pop("minReadySeconds", None)  # Go omits a zero int


# --- scaling (paused, or spec.replicas changed mid-rollout) -----------------------------------

def _sync(d, rs_list):
    """Scale without rolling out: proportionally across the ReplicaSets with pods."""
    new_rs, old_rses = _new_and_old(d, rs_list, create=False)
    _scale(d, new_rs, old_rses)
    if d["spec"].get("paused"):
        _cleanup_deployment(old_rses, d)
    return _sync_deployment_status(_all(old_rses, new_rs), new_rs, d)


def _is_scaling_event(d, rs_list):
    """Whether spec.replicas changed since the active ReplicaSets were last sized for it."""
    new_rs, old_rses = _new_and_old(d, rs_list, create=False)
    for rs in util.active(_all(old_rses, new_rs)):
        desired = util.desired_replicas_annotation(rs)
        if desired is not None and desired != d["spec"]["replicas"]:
            return True
    return False


def _scale(d, new_rs, old_rses):
    replicas = d["spec"]["replicas"]
    # One ReplicaSet with pods (or none: then the newest) simply takes the whole Deployment.
    only = util.find_active_or_latest(new_rs, old_rses)
    if only is not None:
        _scale_replica_set_and_record_event(only, replicas, d)
        return
    # A saturated new ReplicaSet leaves nothing to the old ones (it adopted pods, say).
    if util.is_saturated(d, new_rs):
        for rs in util.active(old_rses):
            _scale_replica_set_and_record_event(rs, 0, d)
        return
    if util.is_rolling_update(d):
        _scale_proportionally(d, util.active(_all(old_rses, new_rs)))


def _scale_proportionally(d, rses):
    """Share what spec.replicas (+ maxSurge) adds or removes among the ReplicaSets by size, the
    biggest taking the rounding leftovers: scaling up favours the newer, down the older."""
    allowed = d["spec"]["replicas"] + util.max_surge(d) if d["spec"]["replicas"] > 0 else 0
    to_add = allowed - util.replica_count(rses)
    if to_add:  # biggest first; among equals, the newest when adding, the oldest when removing
        rses = sorted(sorted(rses, key=util.by_creation, reverse=to_add > 0),
                      key=lambda rs: -rs["spec"]["replicas"])
    added, sizes = 0, []
    for rs in rses:
        proportion = util.replica_set_proportion(rs, d, to_add, added) if to_add else 0
        sizes.append(rs["spec"]["replicas"] + proportion)
        added += proportion
    if rses and to_add:
        sizes[0] = max(sizes[0] + to_add - added, 0)
    for rs, size in zip(rses, sizes):
        _scale_replica_set(rs, size, d)


def _scale_replica_set_and_record_event(rs, new_scale, d):
    if rs["spec"]["replicas"] == new_scale:
        return False
    return _scale_replica_set(rs, new_scale, d)


def _scale_replica_set(rs, new_scale, d):
    """Set spec.replicas and the replica annotations; a size change is a ScalingReplicaSet event.
    Returns whether the size changed. `rs` is updated in place to what the store now holds."""
    replicas = d["spec"]["replicas"]
    maximum = replicas + util.max_surge(d)
    old_scale = rs["spec"]["replicas"]
    if old_scale == new_scale and not util.replicas_annotations_need_update(rs, replicas, maximum):
        return False
    wanted = copy.deepcopy(rs)
    wanted["spec"]["replicas"] = new_scale
    util.set_replicas_annotations(wanted, replicas, maximum)
    _write(rs, wanted)
    if old_scale == new_scale:
        return False
    direction = "up" if old_scale < new_scale else "down"
    events.record(d, events.NORMAL, "ScalingReplicaSet",
                  f"Scaled {direction} replica set {rs['metadata']['name']} from {old_scale} to "
                  f"{new_scale}", component=COMPONENT)
    return True


# --- RollingUpdate ----------------------------------------------------------------------------

def _rollout_rolling(d, rs_list):
    """rolloutRolling: scale the new ReplicaSet up as far as maxSurge allows, else the old ones
    down as far as maxUnavailable allows; one step per sync."""
    new_rs, old_rses = _new_and_old(d, rs_list, create=True)
    all_rses = _all(old_rses, new_rs)
    if _reconcile_new_replica_set(all_rses, new_rs, d):
        return _sync_rollout_status(all_rses, new_rs, d)
    if _reconcile_old_replica_sets(all_rses, util.active(old_rses), new_rs, d):
        return _sync_rollout_status(all_rses, new_rs, d)
    if util.deployment_complete(d, d.get("status") or {}):
        _cleanup_deployment(old_rses, d)
    return _sync_rollout_status(all_rses, new_rs, d)


def _reconcile_new_replica_set(all_rses, new_rs, d):
    replicas = d["spec"]["replicas"]
    if new_rs["spec"]["replicas"] == replicas:
        return False
    if new_rs["spec"]["replicas"] > replicas:
        return _scale_replica_set_and_record_event(new_rs, replicas, d)
    return _scale_replica_set_and_record_event(
        new_rs, util.new_rs_new_replicas(d, all_rses, new_rs), d)


def _reconcile_old_replica_sets(all_rses, old_rses, new_rs, d):
    """Scale old ReplicaSets down, never below minAvailable = replicas - maxUnavailable available
    pods, counting the new ReplicaSet's unavailable pods as if they might never come up."""
    if util.replica_count(old_rses) == 0:
        return False
    min_available = d["spec"]["replicas"] - util.max_unavailable(d)
    new_unavailable = new_rs["spec"]["replicas"] - (new_rs.get("status") or {}).get(
        "availableReplicas", 0)
    max_scaled_down = util.replica_count(all_rses) - min_available - new_unavailable
    if max_scaled_down <= 0:
        return False
    # Unhealthy old pods first: removing them costs no availability, and they could otherwise
    # block the rollout until it times out (kubernetes#16737).
    cleaned = _cleanup_unhealthy_replicas(old_rses, d, max_scaled_down)
    scaled = _scale_down_old_replica_sets_for_rolling_update(_all(old_rses, new_rs), old_rses, d)
    return cleaned + scaled > 0


def _cleanup_unhealthy_replicas(old_rses, d, max_cleanup):
    total = 0
    for rs in sorted(old_rses, key=util.by_creation):
        if total >= max_cleanup:
            break
        replicas = rs["spec"]["replicas"]
        available = (rs.get("status") or {}).get("availableReplicas", 0)
        if replicas == 0 or replicas == available:
            continue  # nothing unhealthy here
        count = min(max_cleanup - total, replicas - available)
        _scale_replica_set_and_record_event(rs, replicas - count, d)
        total += count
    return total


def _scale_down_old_replica_sets_for_rolling_update(all_rses, old_rses, d):
    min_available = d["spec"]["replicas"] - util.max_unavailable(d)
    available = util.available_replica_count(all_rses)
    if available <= min_available:
        return 0
    total, budget = 0, available - min_available
    for rs in sorted(old_rses, key=util.by_creation):
        if total >= budget:
            break
        if rs["spec"]["replicas"] == 0:
            continue
        count = min(rs["spec"]["replicas"], budget - total)
        _scale_replica_set_and_record_event(rs, rs["spec"]["replicas"] - count, d)
        total += count
    return total


# --- Recreate ---------------------------------------------------------------------------------

def _rollout_recreate(d, rs_list):
    """rolloutRecreate: old ReplicaSets to zero, wait until none of their pods runs, then the new
    ReplicaSet to spec.replicas."""
    new_rs, old_rses = _new_and_old(d, rs_list, create=False)
    all_rses = _all(old_rses, new_rs)
    scaled_down = _scale_down_old_replica_sets_for_recreate(util.active(old_rses), d)
    if scaled_down or _old_pods_running(new_rs, old_rses, rs_list):
        return _sync_rollout_status(all_rses, new_rs, d)
    if new_rs is None:
        new_rs, old_rses = _new_and_old(d, rs_list, create=True)
        all_rses = _all(old_rses, new_rs)
    _scale_replica_set_and_record_event(new_rs, d["spec"]["replicas"], d)
    if util.deployment_complete(d, d.get("status") or {}):
        _cleanup_deployment(old_rses, d)
    return _sync_rollout_status(all_rses, new_rs, d)


def _scale_down_old_replica_sets_for_recreate(old_rses, d):
    scaled = False
    for rs in old_rses:
        scaled = _scale_replica_set_and_record_event(rs, 0, d) or scaled
    return scaled


def _old_pods_running(new_rs, old_rses, rs_list):
    """Whether an old ReplicaSet still counts pods, or any pod of the Deployment's ReplicaSets but
    the new one has not finished (terminating pods included: they may still be running)."""
    if util.actual_replica_count(old_rses) > 0:
        return True
    olds = [rs["metadata"]["uid"] for rs in rs_list
            if new_rs is None or rs["metadata"]["uid"] != new_rs["metadata"]["uid"]]
    return Pod.objects.filter(owner_uid__in=olds).exclude(phase__in=("Succeeded", "Failed")).exists()


# --- revision history -------------------------------------------------------------------------

def _cleanup_deployment(old_rses, d):
    """Delete the oldest old ReplicaSets beyond revisionHistoryLimit, once fully scaled down."""
    if not util.has_revision_history_limit(d):
        return
    alive = [rs for rs in old_rses if not rs["metadata"].get("deletionTimestamp")]
    excess = len(alive) - d["spec"]["revisionHistoryLimit"]
    for rs in sorted(alive, key=util.by_revision)[:max(excess, 0)]:
        status = rs.get("status") or {}
        if (status.get("replicas", 0) != 0 or rs["spec"]["replicas"] != 0
                or rs["metadata"].get("generation", 1) > status.get("observedGeneration", 0)):
            continue  # still has pods, or its controller has not seen it scaled down yet
        try:
            store.delete(REPLICA_SET, rs["metadata"]["namespace"], rs["metadata"]["name"])
        except NotFound:
            pass


# --- status -----------------------------------------------------------------------------------

def _sync_status_only(d, rs_list):
    new_rs, old_rses = _new_and_old(d, rs_list, create=False)
    return _sync_deployment_status(_all(old_rses, new_rs), new_rs, d)


def _sync_deployment_status(all_rses, new_rs, d):
    status = _calculate_status(all_rses, new_rs, d)
    if status != d.get("status"):
        d["status"] = status
        _update_status(d)


def _sync_rollout_status(all_rses, new_rs, d):
    """syncRolloutStatus: the status, with the Progressing condition judged against the deadline;
    returns when to look again for a rollout that may be stuck."""
    status = _calculate_status(all_rses, new_rs, d)
    now = clock.now()
    if not util.has_progress_deadline(d):
        util.remove_condition(status, util.PROGRESSING)
    current = util.get_condition(d.get("status"), util.PROGRESSING)
    # A finished rollout needs no more judging (a resync, or a scaling after it).
    is_complete = (status.get("replicas", 0) == status.get("updatedReplicas", 0)
                   and current is not None and current.get("reason") == util.NEW_RS_AVAILABLE)
    if util.has_progress_deadline(d) and not is_complete:
        _judge_progress(d, status, new_rs, current, now)
    failures = _replica_failures(all_rses, new_rs)
    if failures:
        util.set_condition(status, failures[0])
    else:
        util.remove_condition(status, util.REPLICA_FAILURE)
    if status == d.get("status"):
        return _requeue_stuck_deployment(d, status, now)
    d["status"] = status
    _update_status(d)
    return None


def _judge_progress(d, status, new_rs, current, now):
    subject = (f'ReplicaSet "{new_rs["metadata"]["name"]}"' if new_rs is not None
               else f'Deployment "{d["metadata"]["name"]}"')
    if util.deployment_complete(d, status):
        util.set_condition(status, util.new_condition(
            util.PROGRESSING, "True", util.NEW_RS_AVAILABLE, f"{subject} has successfully progressed.",
            now))
    elif util.deployment_progressing(d, status):
        # Progress moves lastUpdateTime, and so the deadline, forward.
        condition = util.new_condition(util.PROGRESSING, "True", util.RS_UPDATED,
                                       f"{subject} is progressing.", now)
        if current is not None:
            if current["status"] == "True":
                condition["lastTransitionTime"] = current["lastTransitionTime"]
            util.remove_condition(status, util.PROGRESSING)
        util.set_condition(status, condition)
    elif util.deployment_timed_out(d, status, now):
        util.set_condition(status, util.new_condition(
            util.PROGRESSING, "False", util.TIMED_OUT, f"{subject} has timed out progressing.", now))


def _replica_failures(all_rses, new_rs):
    """The new ReplicaSet's ReplicaFailure conditions, else any old one's."""
    for rses in ([new_rs] if new_rs is not None else [], all_rses):
        found = [util.replica_set_to_deployment_condition(c) for rs in rses
                 for c in (rs.get("status") or {}).get("conditions") or ()
                 if c["type"] == util.REPLICA_FAILURE]
        if found:
            return found
    return []


def _requeue_stuck_deployment(d, status, now):
    """A rollout making no progress changes nothing that would wake us: come back just after its
    deadline to mark it ProgressDeadlineExceeded (a second late, as upstream)."""
    current = util.get_condition(d.get("status"), util.PROGRESSING)
    if not util.has_progress_deadline(d) or current is None:
        return None
    if util.deployment_complete(d, status) or current.get("reason") == util.TIMED_OUT:
        return None
    return Result.after(max(util.seconds_to_deadline(d, current, now), 0) + 1)


def _calculate_status(all_rses, new_rs, d):
    """calculateStatus, shaped as the API serializes DeploymentStatus (zero counts omitted)."""
    available = util.available_replica_count(all_rses)
    counts = {
        "observedGeneration": d["metadata"].get("generation", 1),
        "replicas": util.actual_replica_count(all_rses),
        "updatedReplicas": util.actual_replica_count([new_rs]) if new_rs is not None else 0,
        "readyReplicas": util.ready_replica_count(all_rses),
        "availableReplicas": available,
        "unavailableReplicas": max(util.replica_count(all_rses) - available, 0),
    }
    status = {k: v for k, v in counts.items() if v}
    terminating = util.terminating_replica_count(all_rses)
    if terminating is not None:
        status["terminatingReplicas"] = terminating
    previous = d.get("status") or {}
    if previous.get("conditions"):
        status["conditions"] = copy.deepcopy(previous["conditions"])
    if "collisionCount" in previous:
        status["collisionCount"] = previous["collisionCount"]
    if available >= d["spec"]["replicas"] - util.max_unavailable(d):
        condition = (util.AVAILABLE, "True", util.MINIMUM_AVAILABLE,
                     "Deployment has minimum availability.")
    else:
        condition = (util.AVAILABLE, "False", util.MINIMUM_UNAVAILABLE,
                     "Deployment does not have minimum availability.")
    util.set_condition(status, util.new_condition(*condition, clock.now()))
    return status


def _check_paused_conditions(d):
    """Progressing turns Unknown on pausing and on resuming: the deadline counts from the resume,
    never across the pause."""
    if not util.has_progress_deadline(d):
        return
    current = util.get_condition(d.get("status"), util.PROGRESSING)
    if current is not None and current.get("reason") == util.TIMED_OUT:
        return  # a reported lack of progress stays reported
    paused_noted = current is not None and current.get("reason") == util.PAUSED
    if d["spec"].get("paused") and not paused_noted:
        _set_condition(d, util.PROGRESSING, "Unknown", util.PAUSED, "Deployment is paused")
    elif not d["spec"].get("paused") and paused_noted:
        _set_condition(d, util.PROGRESSING, "Unknown", util.RESUMED, "Deployment is resumed")
    else:
        return
    _update_status(d)


def _set_condition(d, condition_type, status, reason, message):
    util.set_condition(d.setdefault("status", {}),
                       util.new_condition(condition_type, status, reason, message, clock.now()))


# --- writing ----------------------------------------------------------------------------------

def _update_status(d):
    """UpdateStatus. Upstream's status strategy takes the Deployment's annotations too (where its
    revision lives); the store's status subresource keeps only the status, so a changed
    annotation goes in an update of its own. `d` becomes what the store holds."""
    annotations = d["metadata"].get("annotations")
    written = store.update(d, subresource="status")
    if written["metadata"].get("annotations") != annotations:
        written = store.update({**written, "metadata": {**written["metadata"],
                                                        "annotations": annotations}})
    d.update(written)


def _write(rs, wanted):
    """Update a ReplicaSet to `wanted`; `rs` becomes what the store holds (so every list holding
    it sees the new size and resourceVersion)."""
    rs.update(store.update(wanted))
    return rs


def _all(old_rses, new_rs):
    return [*old_rses, new_rs] if new_rs is not None else list(old_rses)


# --- which keys a change wakes ----------------------------------------------------------------

def keys_for(event_type, obj):
    """A Deployment's own changes; a ReplicaSet's wake its controller, or, for an orphan, every
    Deployment that selects it; a pod gone may unblock a Recreate rollout."""
    if _is(obj, DEPLOYMENT):
        return [key_of(obj)]
    if _is(obj, REPLICA_SET):
        ref = controller_of(obj)
        if ref is not None:
            is_ours = ref.get("kind") == "Deployment"
            return [f"{obj['metadata']['namespace']}/{ref['name']}"] if is_ours else []
        if event_type == WatchEvent.DELETED:
            return []
        return [key_of(d) for d in _deployments_selecting(obj)]
    if _is(obj, POD) and event_type == WatchEvent.DELETED:
        return _recreate_deployment_keys(obj)
    return []


def _deployments_selecting(rs):
    if not rs["metadata"].get("labels"):
        return []
    found = []
    for d in Deployment.objects.in_namespace(rs["metadata"]["namespace"]).objects():
        selector = selectors.from_label_selector(d["spec"].get("selector"))
        if not selector.empty and selector.matches(rs):
            found.append(d)
    return found


def _recreate_deployment_keys(pod):
    """The Recreate Deployment whose old pod this was (getDeploymentForPod): it waits for them."""
    namespace, ref = pod["metadata"]["namespace"], controller_of(pod)
    if ref is None or ref.get("kind") != "ReplicaSet":
        return []
    try:
        rs = store.get(REPLICA_SET, namespace, ref["name"])
        owner = controller_of(rs)
        if (rs["metadata"]["uid"] != ref.get("uid") or owner is None
                or owner.get("kind") != "Deployment"):
            return []
        d = store.get(DEPLOYMENT, namespace, owner["name"])
    except NotFound:
        return []
    if d["metadata"]["uid"] != owner.get("uid") or d["spec"]["strategy"]["type"] != "Recreate":
        return []
    return [key_of(d)]


def _is(obj, kind):
    return obj.get("kind") == kind.kind and obj.get("apiVersion") == kind.api_version


def resync_keys():
    return [f"{namespace}/{name}"
            for namespace, name in Deployment.objects.values_list("namespace", "name")]
