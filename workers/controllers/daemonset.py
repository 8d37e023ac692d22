"""The DaemonSet controller (pkg/controller/daemon/daemon_controller.go, update.go and
util/daemonset_util.go): one pod per eligible node.

reconcile(key) is upstream's syncDaemonSet: claim the pods and group them by the node they are
for, create a pod for each node that should run one and has none, delete the pods of nodes that
should not run one (and failed, succeeded or surplus ones), then, if that wrote nothing, take the
rolling update's next step (maxUnavailable, or maxSurge), and write the status.

As upstream since 1.12, a pod is not bound here: it carries a required node affinity
`matchFields metadata.name In [node]` and the default scheduler places it. Pods of a node that is
deleted are removed by the pod garbage collector (the node lifecycle controller here), and an
unscheduled pod whose node is gone by this controller (getUnscheduledPodsWithoutNode).

No ControllerRevisions are kept (the kind is not served here): the revision is the template's hash,
computed each sync (workers.controllers.history), so there is no history to clean up or roll back
to. The pod-template-generation label takes the deprecated.daemonset.template.generation
annotation when the DaemonSet has one, else metadata.generation (this API server does not keep
upstream's separate template generation).
"""
import copy
import threading
from datetime import timedelta
from types import SimpleNamespace

from cluster import clock, kinds, selectors, store
from cluster.errors import Forbidden, NotFound, StatusError
from cluster.models import ApiObject, Node, Pod, WatchEvent
from workers.scheduler.plugins.helper import RequiredNodeAffinity, untolerated_taint

from .. import events
from ..memo import per_batch
from ..result import Result, key_of, split_key
from . import history, podutil
from .controllerref import claim, controller_of, new_controller_ref
from .deploymentutil import scaled_value

DAEMON_SET = kinds.BY_KIND[("apps", "DaemonSet")]
POD = kinds.BY_KIND[("", "Pod")]
COMPONENT = "daemonset-controller"
BURST_REPLICAS = 250  # the most pods one sync creates or deletes
TEMPLATE_GENERATION_LABEL = "pod-template-generation"  # extensions.DaemonSetTemplateGenerationKey
TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"
RETRY_SECONDS = 5  # a sync that failed to create or delete comes back (the workqueue's rate limit)
FAILED_POD_BACKOFF, MAX_FAILED_POD_BACKOFF = 1, 15 * 60  # failedPodsBackoff: 1 s doubling to 15 m

# The tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations): node problems must not
# evict or keep out the pods that often are what fixes them.
DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]
NETWORK_UNAVAILABLE = {"key": "node.kubernetes.io/network-unavailable", "operator": "Exists",
                       "effect": "NoSchedule"}


def reconcile(key):
    namespace, name = split_key(key)
    try:
        ds = store.get(DAEMON_SET, namespace, name)
    except NotFound:
        return None
    if ds["spec"].get("selector") == {}:
        events.record(ds, events.WARNING, "SelectingAll",
                      "This daemon set is selecting all pods. A non-empty selector is required.",
                      component=COMPONENT)
        return None
    if ds["metadata"].get("deletionTimestamp"):
        return None  # its pods may be going with it: no status can be trusted (as upstream)
    nodes = Node.objects.order_by("name").objects()
    hash_ = history.template_hash(ds["spec"]["template"], (ds.get("status") or {}).get("collisionCount"))
    selector = selectors.from_label_selector(ds["spec"].get("selector"))
    node_to_pods = get_nodes_to_daemon_pods(ds, selector)
    error, acted, hints = manage(ds, nodes, node_to_pods, hash_)
    if error is None and not acted and _is_rolling_update(ds):
        # Upstream rolls only once its expectations are met: the creates and deletes of this sync
        # must show first, so a sync that made none is the one that takes the next step.
        error, acted = rolling_update(ds, nodes, node_to_pods, hash_)
    if acted:
        node_to_pods = get_nodes_to_daemon_pods(ds, selector)  # the status counts what is now
    try:
        ds, ready_pending = update_daemon_set_status(ds, nodes, node_to_pods, hash_)
    except NotFound:
        return None
    if error is not None:
        hints.append(Result.after(RETRY_SECONDS))
    if ready_pending:
        hints.append(Result.after(ds["spec"].get("minReadySeconds", 0)))
    return Result.soonest(*hints)


# --- which pods are whose, and for which node -------------------------------------------------

def get_nodes_to_daemon_pods(ds, selector):
    """getNodesToDaemonPods: the claimed pods by the node they are for, without the finished ones
    already being deleted."""
    candidates = Pod.objects.claimable_by(ds, selector).objects()
    candidates = [p for p in candidates if controller_of(p) is not None or selector.matches(p)]
    node_to_pods = {}
    for pod in claim(POD, ds, candidates, selector.matches):
        if pod["metadata"].get("deletionTimestamp") and _phase(pod) in ("Succeeded", "Failed"):
            continue
        node_name = target_node_name(pod)
        if node_name:
            node_to_pods.setdefault(node_name, []).append(pod)
    return node_to_pods


def target_node_name(pod):
    """GetTargetNodeName: the node it is bound to, or, while pending, the one its affinity names."""
    if pod["spec"].get("nodeName"):
        return pod["spec"]["nodeName"]
    required = (((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or ():
        for field in term.get("matchFields") or ():
            if field.get("key") == "metadata.name" and field.get("operator") == "In":
                values = field.get("values") or []
                return values[0] if len(values) == 1 else None
    return None


# --- which nodes should run a daemon pod ------------------------------------------------------

def node_should_run_daemon_pod(node, ds):
    """NodeShouldRunDaemonPod: (shouldRun, shouldContinueRunning). A node whose taints the pod
    does not tolerate gets no new pod, but keeps one that tolerates its NoExecute taints."""
    spec = ds["spec"]["template"].get("spec") or {}
    node_name = node["metadata"]["name"]
    if spec.get("nodeName") and spec["nodeName"] != node_name:
        return False, False
    pod_spec = {**spec, "tolerations": add_or_update_daemon_pod_tolerations(spec)}
    view = SimpleNamespace(name=node_name, labels=node["metadata"].get("labels") or {})
    if not RequiredNodeAffinity(SimpleNamespace(pod={"spec": pod_spec})).match(view):
        return False, False
    taints = (node.get("spec") or {}).get("taints") or []
    hard = [t for t in taints if t.get("effect") in ("NoSchedule", "NoExecute")]
    if untolerated_taint(hard, pod_spec["tolerations"]) is None:
        return True, True
    no_execute = [t for t in taints if t.get("effect") == "NoExecute"]
    return False, untolerated_taint(no_execute, pod_spec["tolerations"]) is None


def add_or_update_daemon_pod_tolerations(spec):
    """AddOrUpdateDaemonPodTolerations: the pod spec's tolerations with the daemon ones, each
    replacing one that matches it (same key, operator, value and effect: a tolerationSeconds
    there would let the pod be evicted)."""
    tolerations = [dict(t) for t in spec.get("tolerations") or ()]
    wanted = DAEMON_TOLERATIONS + ([NETWORK_UNAVAILABLE] if spec.get("hostNetwork") else [])
    for toleration in wanted:
        same = [i for i, t in enumerate(tolerations) if _matches(t, toleration)]
        if same:
            tolerations[same[0]] = dict(toleration)
        else:
            tolerations.append(dict(toleration))
    return tolerations


def _matches(a, b):
    """Toleration.MatchToleration."""
    return all((a.get(k) or "") == (b.get(k) or "") for k in ("key", "operator", "value", "effect"))


# --- creating and deleting pods ---------------------------------------------------------------

def manage(ds, nodes, node_to_pods, hash_):
    """manage: the pods each node needs created or deleted, and the pods of nodes that are gone.
    Returns (the first error or None, whether it created or deleted any, requeue hints)."""
    needing, to_delete, hints = [], [], []
    for node in nodes:
        need, delete, hint = pods_should_be_on_node(node, node_to_pods, ds, hash_)
        needing += need
        to_delete += delete
        if hint is not None:
            hints.append(hint)
    to_delete += get_unscheduled_pods_without_node(nodes, node_to_pods)
    return *sync_nodes(ds, to_delete, needing, hash_), hints


def pods_should_be_on_node(node, node_to_pods, ds, hash_):
    """podsShouldBeOnNode: ([node name] if it needs a pod, pods to delete, a back-off hint)."""
    node_name = node["metadata"]["name"]
    should_run, should_continue_running = node_should_run_daemon_pod(node, ds)
    daemon_pods = node_to_pods.get(node_name)
    needing, to_delete, hint = [], [], None
    if should_run and not daemon_pods:
        return [node_name], [], None
    if should_continue_running:
        running = []
        for pod in daemon_pods or ():
            if pod["metadata"].get("deletionTimestamp"):
                continue
            if _phase(pod) == "Failed":
                # Where a kubelet keeps rejecting the pod: back off rather than fight it.
                delay = _failed_pod_backoff(ds, node_name)
                if delay is not None:
                    hint = Result.after(delay)
                    continue
                events.record(ds, events.WARNING, "FailedDaemonPod",
                              f"Found failed daemon pod {_pod_ref(pod)} on node {node_name}, "
                              "will try to kill it", component=COMPONENT)
                to_delete.append(pod)
            elif _phase(pod) == "Succeeded":
                events.record(ds, events.NORMAL, "SucceededDaemonPod",
                              f"Found succeeded daemon pod {_pod_ref(pod)} on node {node_name}, "
                              "will try to delete it", component=COMPONENT)
                to_delete.append(pod)
            else:
                running.append(pod)
        running.sort(key=_by_creation_timestamp_and_phase)
        if not allows_surge(ds):
            to_delete += running[1:]  # more than one pod: keep the oldest
        elif not running:
            if should_run:
                needing.append(node_name)  # surging needs one pod at least
        elif len(running) > 1:
            to_delete += _surplus_while_surging(ds, running, hash_)
    elif daemon_pods:
        to_delete += [p for p in daemon_pods if not p["metadata"].get("deletionTimestamp")]
    return needing, to_delete, hint


def _surplus_while_surging(ds, running, hash_):
    """With maxSurge a node keeps the oldest new pod and, until it is available (or if the old
    one is not ready anyway), the oldest old one; any other goes."""
    oldest_new = oldest_old = None
    surplus = []
    for pod in running:
        if _labels(pod).get(history.CONTROLLER_REVISION_HASH) == hash_ and oldest_new is None:
            oldest_new = pod
        elif _labels(pod).get(history.CONTROLLER_REVISION_HASH) != hash_ and oldest_old is None:
            oldest_old = pod
        else:
            surplus.append(pod)
    if oldest_new is not None and oldest_old is not None and (
            not podutil.is_ready(oldest_old)
            or podutil.is_available(oldest_new, _min_ready(ds), clock.now())):
        surplus.append(oldest_old)
    return surplus


def get_unscheduled_pods_without_node(nodes, node_to_pods):
    """Pending pods meant for a node that no longer exists: no scheduler will place them and no
    pod garbage collector looks at unbound pods."""
    existing = {n["metadata"]["name"] for n in nodes}
    return [pod for name, pods in sorted(node_to_pods.items()) if name not in existing
            for pod in pods if not pod["spec"].get("nodeName")]


def sync_nodes(ds, pods_to_delete, nodes_needing_daemon_pods, hash_):
    """syncNodes: create the missing pods in slow-start batches, then delete. Returns (the first
    error or None, whether it tried any)."""
    template = create_pod_template(ds, hash_)
    needing = nodes_needing_daemon_pods[:BURST_REPLICAS]
    errors, pos, batch = [], 0, min(len(needing), 1)
    while batch > 0:
        failed = [e for e in (_create_pod(ds, template, node_name)
                              for node_name in needing[pos:pos + batch]) if e is not None]
        errors += failed
        pos += batch
        if failed:
            break  # the rest would most likely fail the same way: the next sync retries them
        batch = min(2 * batch, len(needing) - pos)
    errors += [e for e in (_delete_pod(ds, pod) for pod in pods_to_delete[:BURST_REPLICAS])
               if e is not None]
    acted = bool(needing or pods_to_delete)
    return (errors[0] if errors else None), acted


def create_pod_template(ds, hash_):
    """CreatePodTemplate: the template with the daemon tolerations, the template generation and
    the revision hash."""
    template = copy.deepcopy(ds["spec"]["template"])
    spec = template.setdefault("spec", {})
    spec["tolerations"] = add_or_update_daemon_pod_tolerations(spec)
    labels = template.setdefault("metadata", {}).setdefault("labels", {})
    generation = template_generation(ds)
    if generation is not None:
        labels[TEMPLATE_GENERATION_LABEL] = str(generation)
    labels[history.CONTROLLER_REVISION_HASH] = hash_
    return template


def template_generation(ds):
    annotation = (ds["metadata"].get("annotations") or {}).get(TEMPLATE_GENERATION_ANNOTATION)
    if annotation is None:
        return ds["metadata"].get("generation")
    try:
        return int(annotation)
    except ValueError:
        return None  # upstream ignores a malformed one: the hash alone decides


def replace_daemon_set_pod_node_name_node_affinity(affinity, node_name):
    """ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes this node."""
    affinity = copy.deepcopy(affinity or {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    required = node_affinity.setdefault("requiredDuringSchedulingIgnoredDuringExecution", {})
    required["nodeSelectorTerms"] = [{"matchFields": [
        {"key": "metadata.name", "operator": "In", "values": [node_name]}]}]
    return affinity


def _create_pod(ds, template, node_name):
    pod = podutil.from_template(template, ds, new_controller_ref(ds))
    pod["spec"]["affinity"] = replace_daemon_set_pod_node_name_node_affinity(
        pod["spec"].get("affinity"), node_name)
    try:
        created = store.create(pod)
    except StatusError as error:
        if isinstance(error, Forbidden) and "because it is being terminated" in error.message:
            return None  # the namespace goes, and this DaemonSet with it
        events.record(ds, events.WARNING, "FailedCreate", f"Error creating: {error.message}",
                      component=COMPONENT)
        return error
    events.record(ds, events.NORMAL, "SuccessfulCreate",
                  f"Created pod: {created['metadata']['name']}", component=COMPONENT)
    return None


def _delete_pod(ds, pod):
    name = pod["metadata"]["name"]
    try:
        store.delete(POD, ds["metadata"]["namespace"], name)
    except NotFound:
        return None
    except StatusError as error:
        events.record(ds, events.WARNING, "FailedDelete", f"Error deleting: {error.message}",
                      component=COMPONENT)
        return error
    events.record(ds, events.NORMAL, "SuccessfulDelete", f"Deleted pod: {name}",
                  component=COMPONENT)
    return None


# --- rolling update ---------------------------------------------------------------------------

def rolling_update(ds, nodes, node_to_pods, hash_):
    """rollingUpdate: without surge, delete old pods while no more than maxUnavailable nodes are
    without an available pod (manage makes their new ones next sync); with surge, make new pods
    beside old available ones, up to maxSurge, and delete each old one once its new one is
    available."""
    node_to_pods = dict(node_to_pods)
    max_surge, max_unavailable, desired = updated_desired_node_counts(ds, nodes, node_to_pods)
    now, min_ready = clock.now(), _min_ready(ds)
    if max_surge == 0:
        unavailable, replacements, candidates = 0, [], []
        for node_name, pods in sorted(node_to_pods.items()):
            new_pod, old_pod, ok = find_updated_pods_on_node(ds, pods or [], hash_)
            if not ok or (old_pod is None) == (new_pod is None):
                unavailable += 1  # manage sorts this node out; count it unavailable meanwhile
            elif new_pod is not None:
                unavailable += not podutil.is_available(new_pod, min_ready, now)
            elif not podutil.is_available(old_pod, min_ready, now):
                replacements.append(old_pod)  # down anyway: replace it at once
                unavailable += 1
            elif unavailable < max_unavailable:
                candidates.append(old_pod)
        remaining = max(0, min(max_unavailable - unavailable, len(candidates)))
        return sync_nodes(ds, replacements + candidates[:remaining], [], hash_)

    old_to_delete, should_not_run, candidate_nodes, allowed_nodes = [], [], [], []
    surge = available = 0
    nodes_by_name = {n["metadata"]["name"]: n for n in nodes}
    for node_name, pods in sorted(node_to_pods.items()):
        new_pod, old_pod, ok = find_updated_pods_on_node(ds, pods or [], hash_)
        if not ok:
            surge += 1
            continue
        counted = old_pod if old_pod is not None else new_pod
        if counted is not None and podutil.is_available(counted, min_ready, now):
            available += 1
        if old_pod is None:
            continue  # manage makes or keeps its one new pod
        node = nodes_by_name.get(node_name)
        should_run = node is not None and node_should_run_daemon_pod(node, ds)[0]
        if new_pod is None:
            if not podutil.is_available(old_pod, min_ready, now):
                if should_run:
                    allowed_nodes.append(node_name)
                else:
                    old_to_delete.append(old_pod)
            elif not should_run:
                should_not_run.append(old_pod)
            elif surge < max_surge:
                candidate_nodes.append(node_name)
        elif not podutil.is_available(new_pod, min_ready, now):
            surge += 1  # waiting for the new one
        else:
            old_to_delete.append(old_pod)
    # Pods of nodes the DaemonSet no longer wants go only as others become available.
    deletable = min(max(available - desired, 0), len(should_not_run))
    old_to_delete += should_not_run[:deletable]
    remaining = max(0, min(max_surge - surge, len(candidate_nodes)))
    return sync_nodes(ds, old_to_delete, allowed_nodes + candidate_nodes[:remaining], hash_)


def find_updated_pods_on_node(ds, pods, hash_):
    """findUpdatedPodsOnNode: (new pod, old pod, ok); not ok if there are two of either."""
    generation = template_generation(ds)
    new_pod = old_pod = None
    for pod in pods:
        if pod["metadata"].get("deletionTimestamp"):
            continue
        if is_pod_updated(pod, hash_, generation):
            if new_pod is not None:
                return None, None, False
            new_pod = pod
        else:
            if old_pod is not None:
                return None, None, False
            old_pod = pod
    return new_pod, old_pod, True


def is_pod_updated(pod, hash_, generation):
    labels = _labels(pod)
    return (bool(hash_) and labels.get(history.CONTROLLER_REVISION_HASH) == hash_) or (
        generation is not None and labels.get(TEMPLATE_GENERATION_LABEL) == str(generation))


def updated_desired_node_counts(ds, nodes, node_to_pods):
    """(maxSurge, maxUnavailable, desiredNumberScheduled); every node that should run a pod gets
    an entry in node_to_pods. Neither surge nor unavailability allowed would stall: 1 unavailable."""
    desired = 0
    for node in nodes:
        if node_should_run_daemon_pod(node, ds)[0]:
            desired += 1
            node_to_pods.setdefault(node["metadata"]["name"], [])
    rolling = ds["spec"].get("updateStrategy", {}).get("rollingUpdate") or {}
    max_unavailable = scaled_value(rolling.get("maxUnavailable", 1), desired, True)
    max_surge = surge_count(ds, desired)
    if desired > 0 and max_unavailable == 0 and max_surge == 0:
        max_unavailable = 1
    return max_surge, max_unavailable, desired


def surge_count(ds, number_to_schedule):
    if not _is_rolling_update(ds):
        return 0
    max_surge = (ds["spec"].get("updateStrategy", {}).get("rollingUpdate") or {}).get("maxSurge")
    return 0 if max_surge is None else scaled_value(max_surge, number_to_schedule, True)


def allows_surge(ds):
    return surge_count(ds, 1) > 0


def _is_rolling_update(ds):
    return (ds["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"


# --- status -----------------------------------------------------------------------------------

def update_daemon_set_status(ds, nodes, node_to_pods, hash_):
    """updateDaemonSetStatus: count per node; write only what changed. Returns the DaemonSet and
    whether ready pods wait for minReadySeconds (upstream looks again that much later)."""
    desired = current = misscheduled = ready = updated = available = 0
    generation, now = template_generation(ds), clock.now()
    for node in nodes:
        should_run, _ = node_should_run_daemon_pod(node, ds)
        pods = node_to_pods.get(node["metadata"]["name"]) or []
        if not should_run:
            misscheduled += bool(pods)
            continue
        desired += 1
        if not pods:
            continue
        current += 1
        pod = min(pods, key=_by_creation_timestamp_and_phase)
        if podutil.is_ready(pod):
            ready += 1
            available += podutil.is_available(pod, _min_ready(ds), now)
        updated += is_pod_updated(pod, hash_, generation)
    counts = {"currentNumberScheduled": current, "numberMisscheduled": misscheduled,
              "desiredNumberScheduled": desired, "numberReady": ready,
              "observedGeneration": ds["metadata"].get("generation", 1),
              "updatedNumberScheduled": updated, "numberAvailable": available,
              "numberUnavailable": desired - available}
    old = ds.get("status") or {}
    status = {k: v for k, v in old.items() if k not in counts}  # collisionCount, conditions
    status.update({k: v for k, v in counts.items() if v or k in _ALWAYS_SHOWN})
    if status != old:
        ds = store.update({**ds, "status": status}, subresource="status")
    return ds, bool(_min_ready(ds)) and ready != available


# Go writes these even at zero (no omitempty); the others are left out at zero.
_ALWAYS_SHOWN = ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled",
                 "numberReady")


# --- the failed pods' back-off ----------------------------------------------------------------

_backoff = {}  # failedPodsBackoffKey -> (delay seconds, cluster time of the last kill)
_backoff_lock = threading.Lock()


def _failed_pod_backoff(ds, node_name):
    """The seconds left if the last failed pod on this node was killed too recently; else None,
    having recorded this kill (flowcontrol.Backoff: 1 s doubling to 15 m, in cluster time)."""
    key = (ds["metadata"]["uid"], (ds.get("status") or {}).get("observedGeneration", 0), node_name)
    now = clock.now()
    with _backoff_lock:
        delay, last = _backoff.get(key, (None, None))
        if delay is not None and now - last < timedelta(seconds=delay):
            return (last + timedelta(seconds=delay) - now).total_seconds()
        expired = delay is None or now - last > timedelta(seconds=2 * MAX_FAILED_POD_BACKOFF)
        delay = FAILED_POD_BACKOFF if expired else min(2 * delay, MAX_FAILED_POD_BACKOFF)
        _backoff[key] = (delay, now)
    return None


# --- helpers ----------------------------------------------------------------------------------

def _by_creation_timestamp_and_phase(pod):
    """podByCreationTimestampAndPhase: scheduled pods first, then the oldest, then by name."""
    meta = pod["metadata"]
    return (not pod["spec"].get("nodeName"), meta.get("creationTimestamp", ""), meta["name"])


def _min_ready(ds):
    return ds["spec"].get("minReadySeconds", 0)


def _phase(pod):
    return (pod.get("status") or {}).get("phase")


def _labels(pod):
    return pod["metadata"].get("labels") or {}


def _pod_ref(pod):
    return f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"


# --- which keys a change wakes ----------------------------------------------------------------

def keys_for(event_type, obj):
    """A DaemonSet's own changes; its pods' (an orphan's: those of the DaemonSets selecting it);
    any node's, which may want a pod or no longer (upstream's addNode and updateNode)."""
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if kind == DAEMON_SET.kind and api_version == DAEMON_SET.api_version:
        return [key_of(obj)]
    if kind == "Node":
        return _all_keys()
    if kind != "Pod" or api_version != "v1":
        return []
    ref = controller_of(obj)
    namespace = obj["metadata"]["namespace"]
    if ref is not None:
        return [f"{namespace}/{ref['name']}"] if ref.get("kind") == DAEMON_SET.kind else []
    if event_type == WatchEvent.DELETED or not obj["metadata"].get("labels"):
        return []
    return [key_of(ds) for ds in _daemon_sets(namespace) if _selects(ds, obj)]


@per_batch
def _daemon_sets(namespace):
    return store.list_objects(DAEMON_SET, namespace).items


@per_batch
def _all_keys():
    return resync_keys()


def _selects(ds, pod):
    selector = selectors.from_label_selector(ds["spec"].get("selector"))
    return not selector.empty and selector.matches(pod)


def resync_keys():
    return [f"{namespace}/{name}" for namespace, name in ApiObject.objects.of_kind(DAEMON_SET)
            .order_by("namespace", "name").values_list("namespace", "name")]
