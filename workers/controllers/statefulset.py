"""The StatefulSet controller (pkg/controller/statefulset: stateful_set.go, stateful_set_control.go,
stateful_pod_control.go, stateful_set_utils.go): pods with stable names and storage.

reconcile(key) is upstream's sync: claim the pods (the selector's, named `<set>-<ordinal>`), then
updateStatefulSet: sort them into the replicas [start, start + replicas) and the condemned rest,
make each missing replica (its PersistentVolumeClaims first, `<claim>-<set>-<ordinal>`), and
delete failed ones to make them again under the same name; with podManagementPolicy OrderedReady
one at a time, each waiting for the one before to be Running and Ready (and available), and the
condemned deleted from the highest ordinal down; with Parallel all at once. Then the rolling
update deletes the pods of an old revision from the highest ordinal down to the partition, at
most maxUnavailable at a time (MaxUnavailableStatefulSet, on by default since 1.35). OnDelete
leaves that to the user. Claims get the owner references their retention policy asks for, and the
garbage collector deletes them with their owner.

No ControllerRevisions are kept (the kind is not served here): the update revision is named from
the hash of the current template (workers.controllers.history) and the current revision is only
the name status.currentRevision remembers. So a pod below the partition that must be made again
during a rolling update gets the current revision's label but the template as it is now, where
upstream would restore the old template from its ControllerRevision.
"""
import copy
import re

from cluster import clock, kinds, selectors, store
from cluster.errors import AlreadyExists, NotFound, StatusError
from cluster.models import ApiObject, Pod, WatchEvent

from .. import events
from ..memo import per_batch
from ..result import Result, key_of, split_key
from . import history, podutil
from .controllerref import claim, controller_of, new_controller_ref
from .deploymentutil import scaled_value

STATEFUL_SET = kinds.BY_KIND[("apps", "StatefulSet")]
POD = kinds.BY_KIND[("", "Pod")]
PVC = kinds.BY_KIND[("", "PersistentVolumeClaim")]
COMPONENT = "statefulset-controller"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
RETRY_SECONDS = 5  # a sync that failed comes back (the workqueue's rate limit)
MAX_BATCH_SIZE = 500
_STATEFUL_POD = re.compile(r"(.*)-([0-9]+)$")


def reconcile(key):
    namespace, name = split_key(key)
    try:
        sts = store.get(STATEFUL_SET, namespace, name)
    except NotFound:
        return None
    selector = selectors.from_label_selector(sts["spec"].get("selector"))
    pods = get_pods_for_stateful_set(sts, selector)
    status = sts.get("status") or {}
    collision_count = status.get("collisionCount", 0)
    update_revision = history.revision_name(name, sts["spec"]["template"], collision_count)
    current_revision = status.get("currentRevision") or update_revision
    new_status, error = update_stateful_set(sts, current_revision, update_revision,
                                            collision_count, pods)
    try:
        sts = update_stateful_set_status(sts, new_status)
    except NotFound:
        return None
    hints = [Result.after(RETRY_SECONDS)] if error is not None else []
    min_ready = sts["spec"].get("minReadySeconds", 0)
    if min_ready and new_status.get("availableReplicas", 0) != sts["spec"]["replicas"]:
        hints.append(Result.after(min_ready))  # availability comes with no event to say so
    return Result.soonest(*hints)


# --- the pods and their ordinals --------------------------------------------------------------

def get_pods_for_stateful_set(sts, selector):
    """getPodsForStatefulSet: the pods it controls or adopts, those its selector matches and
    whose names make them its members."""
    meta = sts["metadata"]
    candidates = Pod.objects.claimable_by(sts, selector).objects()

    def matches(pod):
        return selector.matches(pod) and get_parent_name_and_ordinal(pod)[0] == meta["name"]

    return claim(POD, sts, [p for p in candidates if controller_of(p) is not None
                            or selector.matches(p)], matches)


def get_parent_name_and_ordinal(pod):
    match = _STATEFUL_POD.fullmatch(pod["metadata"]["name"])
    return (match.group(1), int(match.group(2))) if match else ("", -1)


def get_ordinal(pod):
    return get_parent_name_and_ordinal(pod)[1]


def get_start_ordinal(sts):
    return ((sts["spec"].get("ordinals") or {}).get("start")) or 0


def pod_in_ordinal_range(pod, sts):
    ordinal = get_ordinal(pod)
    start = get_start_ordinal(sts)
    return start <= ordinal < start + sts["spec"]["replicas"]


def get_pod_name(sts, ordinal):
    return f"{sts['metadata']['name']}-{ordinal}"


def get_persistent_volume_claim_name(sts, claim_template, ordinal):
    return f"{claim_template['metadata']['name']}-{sts['metadata']['name']}-{ordinal}"


# --- the pods it makes ------------------------------------------------------------------------

def new_versioned_stateful_set_pod(sts, current_revision, update_revision, ordinal):
    """newVersionedStatefulSetPod: below the partition a replica stays at the current revision."""
    strategy = sts["spec"].get("updateStrategy") or {}
    rolling = strategy.get("rollingUpdate")
    start = get_start_ordinal(sts)
    if strategy.get("type", "RollingUpdate") == "RollingUpdate" and (
            (rolling is None and ordinal < start + (sts.get("status") or {}).get(
                "currentReplicas", 0))
            or (rolling is not None and ordinal < start + (rolling.get("partition") or 0))):
        revision = current_revision
    else:
        revision = update_revision
    pod = new_stateful_set_pod(sts, ordinal)
    pod["metadata"]["labels"][history.CONTROLLER_REVISION_HASH] = revision
    return pod


def new_stateful_set_pod(sts, ordinal):
    """newStatefulSetPod: the template, named for its ordinal, with its identity and storage."""
    pod = podutil.from_template(sts["spec"]["template"], sts, new_controller_ref(sts))
    pod["metadata"]["name"] = get_pod_name(sts, ordinal)
    update_identity(sts, pod)
    # The network identity is set once, at creation (initIdentity).
    pod["spec"]["hostname"] = pod["metadata"]["name"]
    if sts["spec"].get("serviceName"):
        pod["spec"]["subdomain"] = sts["spec"]["serviceName"]
    update_storage(sts, pod)
    return pod


def update_identity(sts, pod):
    labels = pod["metadata"].setdefault("labels", {})
    labels[POD_NAME_LABEL] = pod["metadata"]["name"]
    labels[POD_INDEX_LABEL] = str(get_ordinal(pod))


def identity_matches(sts, pod):
    parent, ordinal = get_parent_name_and_ordinal(pod)
    return (ordinal >= 0 and parent == sts["metadata"]["name"]
            and pod["metadata"]["namespace"] == sts["metadata"]["namespace"]
            and (pod["metadata"].get("labels") or {}).get(POD_NAME_LABEL) == pod["metadata"]["name"])


def get_persistent_volume_claims(sts, pod):
    """getPersistentVolumeClaims: each claim template named for the pod's ordinal, with the set's
    selector labels; by template name, in template order."""
    ordinal, claims = get_ordinal(pod), {}
    match_labels = (sts["spec"].get("selector") or {}).get("matchLabels") or {}
    for template in sts["spec"].get("volumeClaimTemplates") or ():
        template_meta = template.get("metadata") or {}
        meta = {k: copy.deepcopy(v) for k, v in template_meta.items()
                if k in ("labels", "annotations", "finalizers")}
        meta.update(name=get_persistent_volume_claim_name(sts, template, ordinal),
                    namespace=sts["metadata"]["namespace"])
        meta["labels"] = {**meta.get("labels", {}), **match_labels}
        claims[template_meta["name"]] = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                         "metadata": meta,
                                         "spec": copy.deepcopy(template.get("spec") or {})}
    return claims


def update_storage(sts, pod):
    """updateStorage: a volume per claim template (replacing one of the same name), then the
    pod's other volumes."""
    claims = get_persistent_volume_claims(sts, pod)
    volumes = [{"name": name, "persistentVolumeClaim": {"claimName": c["metadata"]["name"]}}
               for name, c in claims.items()]
    volumes += [v for v in pod["spec"].get("volumes") or () if v.get("name") not in claims]
    if volumes:
        pod["spec"]["volumes"] = volumes


def storage_matches(sts, pod):
    ordinal = get_ordinal(pod)
    if ordinal < 0:
        return False
    volumes = {v.get("name"): v for v in pod["spec"].get("volumes") or ()}
    for template in sts["spec"].get("volumeClaimTemplates") or ():
        volume = volumes.get(template["metadata"]["name"]) or {}
        if (volume.get("persistentVolumeClaim") or {}).get("claimName") != \
                get_persistent_volume_claim_name(sts, template, ordinal):
            return False
    return True


# --- updateStatefulSet ------------------------------------------------------------------------

def update_stateful_set(sts, current_revision, update_revision, collision_count, pods):
    """updateStatefulSet: returns (the status to write, the first error or None)."""
    spec, min_ready = sts["spec"], sts["spec"].get("minReadySeconds", 0)
    status = {"observedGeneration": sts["metadata"].get("generation", 1),
              "currentRevision": current_revision, "updateRevision": update_revision,
              "collisionCount": collision_count}
    start, count = get_start_ordinal(sts), spec["replicas"]
    replicas, condemned = [None] * count, []
    for pod in pods:
        if pod_in_ordinal_range(pod, sts):
            replicas[get_ordinal(pod) - start] = pod
        elif get_ordinal(pod) >= 0:
            condemned.append(pod)
    for i, pod in enumerate(replicas):
        if pod is None:  # not created: no status, so it counts for nothing below
            replicas[i] = new_versioned_stateful_set_pod(sts, current_revision, update_revision,
                                                         start + i)
    condemned.sort(key=get_ordinal, reverse=True)
    now = clock.now()
    unavailable = [p for p in replicas + condemned[::-1] if _is_unavailable(p, min_ready, now)]
    first_unavailable = unavailable[0] if unavailable else None

    def finish(error=None):
        update_status(status, min_ready, current_revision, update_revision, replicas + condemned)
        return status, error

    if sts["metadata"].get("deletionTimestamp"):
        return finish()
    monotonic = spec.get("podManagementPolicy") != "Parallel"
    exit_, error = run_for_all(
        replicas, lambda i: process_replica(sts, monotonic, replicas, i), monotonic)
    if exit_ or error:
        return finish(error)
    exit_, error = run_for_all(
        condemned, lambda i: _fix_pod_claim(sts, condemned[i]), monotonic)
    if exit_ or error:
        return finish(error)
    exit_, error = run_for_all(
        condemned, lambda i: process_condemned(sts, first_unavailable, monotonic, condemned, i),
        monotonic)
    if exit_ or error:
        return finish(error)
    finish()
    if (spec.get("updateStrategy") or {}).get("type") == "OnDelete":
        return status, None  # pods are updated when the user deletes them
    return update_stateful_set_after_invariant_established(sts, replicas, update_revision,
                                                           status, now)


def run_for_all(pods, fn, monotonic):
    """runForAll: in order, stopping at the first that blocks (monotonic); or all, in slow-start
    batches stopping after one with an error (Parallel)."""
    if monotonic:
        for i in range(len(pods)):
            exit_, error = fn(i)
            if exit_ or error:
                return True, error
        return False, None
    remaining, i, batch = len(pods), 0, min(len(pods), 1)
    while batch > 0:
        errors = [e for e in (fn(j)[1] for j in range(i, i + batch)) if e is not None]
        if errors:
            return True, errors[0]
        i, remaining = i + batch, remaining - batch
        batch = min(2 * batch, remaining, MAX_BATCH_SIZE)
    return False, None


def process_replica(sts, monotonic, replicas, i):
    """processReplica: (whether to stop here, error)."""
    pod = replicas[i]
    phase = _phase(pod)
    if phase in ("Failed", "Succeeded"):
        # However it ended, the replica must run again: delete it, it is made anew next sync.
        if not pod["metadata"].get("deletionTimestamp"):
            error = delete_stateful_pod(sts, pod)
            if error is not None:
                return True, error
        return True, None
    if not phase:  # not created yet
        error = create_stateful_pod(sts, pod)
        if error is not None or monotonic:
            return True, error
        return False, None
    if phase == "Pending":
        error = create_missing_persistent_volume_claims(sts, pod)
        if error is not None:
            return True, error
    if monotonic and (pod["metadata"].get("deletionTimestamp") or not _is_running_and_ready(pod)
                      or not podutil.is_available(pod, sts["spec"].get("minReadySeconds", 0),
                                                  clock.now())):
        return True, None  # each replica waits for the ones before it
    if not claims_match_retention_policy(sts, pod):
        error = update_pod_claim_for_retention_policy(sts, pod)
        if error is not None:
            return True, error
    if not (identity_matches(sts, pod) and storage_matches(sts, pod)):
        return _update_stateful_pod(sts, pod)
    return False, None


def process_condemned(sts, first_unavailable, monotonic, condemned, i):
    """processCondemned: scale down from the highest ordinal, waiting in OrderedReady for each to
    go and for the others to be healthy (the first unhealthy one may go)."""
    pod = condemned[i]
    if pod["metadata"].get("deletionTimestamp"):
        return monotonic, None
    min_ready = sts["spec"].get("minReadySeconds", 0)
    if monotonic and pod is not first_unavailable and (
            not _is_running_and_ready(pod) or not podutil.is_available(pod, min_ready, clock.now())):
        return True, None
    return True, delete_stateful_pod(sts, pod)


def _fix_pod_claim(sts, pod):
    if claims_match_retention_policy(sts, pod):
        return False, None
    error = update_pod_claim_for_retention_policy(sts, pod)
    return error is not None, error


def update_stateful_set_after_invariant_established(sts, replicas, update_revision, status, now):
    """The rolling update with maxUnavailable: delete up to maxUnavailable (less those already
    unavailable) pods of other revisions, from the highest ordinal down to the partition."""
    rolling = (sts["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {}
    update_min = rolling.get("partition") or 0
    max_unavailable = max(1, scaled_value(rolling.get("maxUnavailable") or 1, len(replicas), True))
    min_ready = sts["spec"].get("minReadySeconds", 0)
    unavailable = sum(_is_unavailable(p, min_ready, now) for p in replicas)
    if unavailable > max_unavailable:
        return status, None
    to_delete = max_unavailable - unavailable
    for target in range(len(replicas) - 1, update_min - 1, -1):
        if to_delete <= 0:
            break
        pod = replicas[target]
        if _revision(pod) != update_revision and not pod["metadata"].get("deletionTimestamp"):
            error = delete_stateful_pod(sts, pod)
            if error is not None:
                return status, error
            to_delete -= 1
            status["currentReplicas"] = status.get("currentReplicas", 0) - 1
    return status, None


# --- status -----------------------------------------------------------------------------------

def update_status(status, min_ready, current_revision, update_revision, pods):
    """updateStatus: count the pods that exist (a replica not yet created has no phase)."""
    counts = dict.fromkeys(("replicas", "readyReplicas", "availableReplicas", "currentReplicas",
                            "updatedReplicas"), 0)
    now = clock.now()
    for pod in pods:
        created = bool(_phase(pod))
        counts["replicas"] += created
        if _is_running_and_ready(pod):
            counts["readyReplicas"] += 1
            counts["availableReplicas"] += podutil.is_available(pod, min_ready, now)
        if created and not pod["metadata"].get("deletionTimestamp"):
            counts["currentReplicas"] += _revision(pod) == current_revision
            counts["updatedReplicas"] += _revision(pod) == update_revision
    status.update(counts)


def update_stateful_set_status(sts, status):
    """updateStatefulSetStatus: complete a finished rolling update, then write only a change.
    Zero counts are left out as Go's omitempty does (replicas and availableReplicas always
    shown)."""
    spec = sts["spec"]
    if ((spec.get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"
            and status["updatedReplicas"] == status["replicas"] == status["readyReplicas"]
            == spec["replicas"]):
        status["currentReplicas"] = status["updatedReplicas"]
        status["currentRevision"] = status["updateRevision"]
    old = sts.get("status") or {}
    new = {k: v for k, v in old.items() if k not in status}  # conditions, if any
    new.update({k: v for k, v in status.items()
                if v or k in ("replicas", "availableReplicas", "collisionCount")})
    if new == old:
        return sts
    return store.update({**sts, "status": new}, subresource="status")


# --- acting on pods and claims (StatefulPodControl) -------------------------------------------

def create_stateful_pod(sts, pod):
    """CreateStatefulPod: its claims first, then the pod. A pod that already exists (another
    worker made it) is no error and no event."""
    error = create_persistent_volume_claims(sts, pod)
    if error is not None:
        record_pod_event("create", sts, pod, error)
        return error
    try:
        created = store.create(pod)
    except AlreadyExists:
        return None
    except StatusError as error:
        record_pod_event("create", sts, pod, error)
        return error
    error = update_pod_claim_for_retention_policy(sts, created)
    if error is not None:
        record_pod_event("update", sts, created, error)
        return error
    record_pod_event("create", sts, created, None)
    return None


def delete_stateful_pod(sts, pod):
    try:
        store.delete(POD, pod["metadata"]["namespace"], pod["metadata"]["name"])
    except NotFound:
        return None
    except StatusError as error:
        record_pod_event("delete", sts, pod, error)
        return error
    record_pod_event("delete", sts, pod, None)
    return None


def _update_stateful_pod(sts, pod):
    """UpdateStatefulPod: restore the identity labels and claim volumes of a pod that lost them."""
    def fix(current):
        if identity_matches(sts, current) and storage_matches(sts, current):
            return False
        update_identity(sts, current)
        update_storage(sts, current)
        return None

    if not storage_matches(sts, pod):
        error = create_missing_persistent_volume_claims(sts, pod)
        if error is not None:
            record_pod_event("update", sts, pod, error)
            return True, error
    try:
        updated = store.guaranteed_update(POD, pod["metadata"]["namespace"],
                                          pod["metadata"]["name"], fix)
    except NotFound:
        return False, None
    except StatusError as error:
        record_pod_event("update", sts, pod, error)
        return True, error
    if updated["metadata"]["resourceVersion"] != pod["metadata"]["resourceVersion"]:
        record_pod_event("update", sts, updated, None)
    return False, None


def create_persistent_volume_claims(sts, pod):
    """createPersistentVolumeClaims: each missing claim; one being deleted is an error (the pod
    would lose its data)."""
    for claim_obj in get_persistent_volume_claims(sts, pod).values():
        name = claim_obj["metadata"]["name"]
        try:
            existing = store.get(PVC, claim_obj["metadata"]["namespace"], name)
        except NotFound:
            existing = None
        if existing is None:
            try:
                store.create(claim_obj)
            except AlreadyExists:
                continue
            except StatusError as error:
                record_claim_event("create", sts, pod, claim_obj, error)
                return StatusError(f"failed to create PVC {name}: {error.message}")
            record_claim_event("create", sts, pod, claim_obj, None)
        elif existing["metadata"].get("deletionTimestamp"):
            return StatusError(f"pvc {name} is being deleted")
    return None


create_missing_persistent_volume_claims = create_persistent_volume_claims


def record_pod_event(verb, sts, pod, error):
    """recordPodEvent: `create Pod web-0 in StatefulSet web successful`."""
    pod_name, set_name = pod["metadata"]["name"], sts["metadata"]["name"]
    if error is None:
        events.record(sts, events.NORMAL, f"Successful{verb.title()}",
                      f"{verb} Pod {pod_name} in StatefulSet {set_name} successful",
                      component=COMPONENT)
    else:
        events.record(sts, events.WARNING, f"Failed{verb.title()}",
                      f"{verb} Pod {pod_name} in StatefulSet {set_name} failed error: "
                      f"{getattr(error, 'message', error)}", component=COMPONENT)


def record_claim_event(verb, sts, pod, claim_obj, error):
    """recordClaimEvent: `create Claim www-web-0 Pod web-0 in StatefulSet web success`."""
    claim_name, pod_name = claim_obj["metadata"]["name"], pod["metadata"]["name"]
    set_name = sts["metadata"]["name"]
    if error is None:
        events.record(sts, events.NORMAL, f"Successful{verb.title()}",
                      f"{verb} Claim {claim_name} Pod {pod_name} in StatefulSet {set_name} "
                      "success", component=COMPONENT)
    else:
        events.record(sts, events.WARNING, f"Failed{verb.title()}",
                      f"{verb} Claim {claim_name} for Pod {pod_name} in StatefulSet {set_name} "
                      f"failed error: {error.message}", component=COMPONENT)


# --- the claims' retention policy -------------------------------------------------------------

def _retention(sts):
    policy = sts["spec"].get("persistentVolumeClaimRetentionPolicy") or {}
    return policy.get("whenDeleted", "Retain"), policy.get("whenScaled", "Retain")


def _wanted_owners(sts, pod):
    """The owners a claim of this pod should have: the set when deleting the set deletes it, the
    pod when it is scaled away and scaling down deletes it (isClaimOwnerUpToDate's table)."""
    when_deleted, when_scaled = _retention(sts)
    scaled_down = not pod_in_ordinal_range(pod, sts)
    wanted = []
    if when_scaled == "Delete" and scaled_down:
        wanted.append(pod)
    elif when_deleted == "Delete":
        wanted.append(sts)
    return wanted


def claims_match_retention_policy(sts, pod):
    """ClaimsMatchRetentionPolicy: every existing claim of the pod has the wanted owners."""
    if not sts["spec"].get("volumeClaimTemplates") or "uid" not in pod["metadata"]:
        return True
    wanted = {o["metadata"]["uid"] for o in _wanted_owners(sts, pod)}
    ours = {sts["metadata"]["uid"], pod["metadata"]["uid"]}
    for claim_obj in get_persistent_volume_claims(sts, pod).values():
        try:
            existing = store.get(PVC, claim_obj["metadata"]["namespace"], claim_obj["metadata"]["name"])
        except NotFound:
            continue
        owners = {ref.get("uid") for ref in existing["metadata"].get("ownerReferences") or ()}
        if owners & ours != wanted:
            return False
    return True


def update_pod_claim_for_retention_policy(sts, pod):
    """UpdatePodClaimForRetentionPolicy: scrub the set's and pod's references from each claim and
    add the ones the policy wants, as controller references."""
    if not sts["spec"].get("volumeClaimTemplates"):
        return None
    wanted = _wanted_owners(sts, pod)
    ours = {sts["metadata"]["uid"], pod["metadata"]["uid"]}

    def set_owners(current):
        refs = current["metadata"].get("ownerReferences") or []
        kept = [r for r in refs if r.get("uid") not in ours]
        new = kept + [new_controller_ref(o) for o in wanted]
        if new == refs:
            return False
        if new:
            current["metadata"]["ownerReferences"] = new
        else:
            current["metadata"].pop("ownerReferences", None)
        return None

    for claim_obj in get_persistent_volume_claims(sts, pod).values():
        try:
            store.guaranteed_update(PVC, claim_obj["metadata"]["namespace"],
                                    claim_obj["metadata"]["name"], set_owners)
        except NotFound:
            continue
        except StatusError as error:
            return StatusError(f"could not update claim {claim_obj['metadata']['name']} for "
                               f"delete policy ownerRefs: {error.message}")
    return None


# --- helpers ----------------------------------------------------------------------------------

def _phase(pod):
    return (pod.get("status") or {}).get("phase", "")


def _revision(pod):
    return (pod["metadata"].get("labels") or {}).get(history.CONTROLLER_REVISION_HASH, "")


def _is_running_and_ready(pod):
    return _phase(pod) == "Running" and podutil.is_ready(pod)


def _is_unavailable(pod, min_ready, now):
    """isUnavailable: not created, being deleted, or not available."""
    return (not _phase(pod) or bool(pod["metadata"].get("deletionTimestamp"))
            or not podutil.is_available(pod, min_ready, now))


# --- which keys a change wakes ----------------------------------------------------------------

def keys_for(event_type, obj):
    """A StatefulSet's own changes; its pods' (an orphan's: those of the StatefulSets whose
    selector matches it and whose name it bears)."""
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if kind == STATEFUL_SET.kind and api_version == STATEFUL_SET.api_version:
        return [key_of(obj)]
    if kind != "Pod" or api_version != "v1":
        return []
    ref = controller_of(obj)
    namespace = obj["metadata"]["namespace"]
    if ref is not None:
        return [f"{namespace}/{ref['name']}"] if ref.get("kind") == STATEFUL_SET.kind else []
    parent, _ = get_parent_name_and_ordinal(obj)
    if event_type == WatchEvent.DELETED or not parent or not obj["metadata"].get("labels"):
        return []
    sts = _stateful_sets(namespace).get(parent)
    if sts is None:
        return []
    selector = selectors.from_label_selector(sts["spec"].get("selector"))
    return [key_of(sts)] if not selector.empty and selector.matches(obj) else []


@per_batch
def _stateful_sets(namespace):
    return {s["metadata"]["name"]: s for s in store.list_objects(STATEFUL_SET, namespace).items}


def resync_keys():
    return [f"{namespace}/{name}" for namespace, name in ApiObject.objects.of_kind(STATEFUL_SET)
            .order_by("namespace", "name").values_list("namespace", "name")]
