"""The node lifecycle controller (pkg/controller/nodelifecycle), with the two loops that act on what
it decides: taint-based eviction (pkg/controller/tainteviction) and the pod garbage collector's
sweep of pods whose node is gone (gcOrphaned in pkg/controller/podgc).

One key per node, its name. A reconcile
- marks the node's conditions Unknown when its kubelet has neither renewed the node's Lease nor
  posted a Ready heartbeat for node-monitor-grace-period (tryUpdateNodeHealth),
- keeps the taints that mirror the node's state: NoSchedule for its conditions and
  spec.unschedulable (doNoScheduleTaintingPass), NoExecute not-ready / unreachable for a Ready
  condition False / Unknown (doNoExecuteTaintingPass, which records NodeNotReady),
- marks the Ready condition of the node's pods False while the node is not Ready
  (MarkPodsNotReady),
- deletes the pods that do not tolerate its NoExecute taints: at once, or when the
  tolerationSeconds of their toleration have passed since the taint's timeAdded,
- and, once the Node is gone, force-deletes the pods still bound to it.

A pod deleted from a node whose kubelet is stopped stays Terminating, as in a real cluster: only a
kubelet confirms that a pod's containers stopped. `kubectl delete pod NAME --force
--grace-period=0` removes it, and so does deleting the Node (the pod GC then deletes its pods).

It records RegisteredNode for each node the first time this process sees it: upstream's
knownNodeSet lives in memory too, so a restarted controller records it again (and each celery
worker process records it once; repeats only bump the event's count).

Left out: the zone disruption modes (upstream stops evicting when every node is NotReady and rate
limits tainting), the RemovingNode event, and the pod GC's 40 s quarantine before it believes a
node is gone.
"""
import copy
import threading

from cluster import clock, kinds, store, timestamps
from cluster.binding import update_pod_condition
from cluster.errors import Conflict, Forbidden, NotFound
from cluster.models import Node, Pod
from workers import events
from workers.result import Result, split_key

NODE = kinds.lookup("nodes")
POD = kinds.lookup("pods")
LEASE = kinds.lookup("leases.coordination.k8s.io")

NODE_MONITOR_GRACE_PERIOD = 50  # --node-monitor-grace-period (50 s since Kubernetes 1.32)
NODE_STARTUP_GRACE_PERIOD = 60  # --node-startup-grace-period: for a node that never posted Ready
LEASE_NAMESPACE = "kube-node-lease"
COMPONENT = "node-controller"
TAINT_EVICTION = "taint-eviction-controller"

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
NO_SCHEDULE, NO_EXECUTE = "NoSchedule", "NoExecute"
# nodeConditionToTaintKeyStatusMap: the NoSchedule taint each condition status calls for.
CONDITION_TAINTS = {
    ("Ready", "False"): NOT_READY,
    ("Ready", "Unknown"): UNREACHABLE,
    ("MemoryPressure", "True"): "node.kubernetes.io/memory-pressure",
    ("DiskPressure", "True"): "node.kubernetes.io/disk-pressure",
    ("NetworkUnavailable", "True"): "node.kubernetes.io/network-unavailable",
    ("PIDPressure", "True"): "node.kubernetes.io/pid-pressure",
}
# The NoExecute taint a Ready condition calls for (the two are mutually exclusive).
READY_TAINTS = {"False": NOT_READY, "Unknown": UNREACHABLE, "True": None}
# Every (key, effect) this controller owns on a node: the others are someone else's.
MANAGED_TAINTS = ({(key, NO_SCHEDULE) for key in CONDITION_TAINTS.values()}
                  | {(UNSCHEDULABLE, NO_SCHEDULE), (NOT_READY, NO_EXECUTE), (UNREACHABLE, NO_EXECUTE)})
# The conditions a silent kubelet leaves Unknown (NetworkUnavailable belongs to the network).
MONITORED_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
TERMINAL_PHASES = ("Succeeded", "Failed")
_known_nodes = set()  # knownNodeSet: the uids of the nodes this process has registered
_known_lock = threading.Lock()


def reconcile(key):
    _, name = split_key(key)
    try:
        node = store.get(NODE, None, name)
    except NotFound:
        gc_orphaned_pods(name)
        return None
    register_node(node)
    node, health_check = monitor_node_health(node)
    node = sync_taints(node)
    ready = _status_of(node, "Ready")
    if ready in ("True", None) and not _no_execute_taints(node):
        return health_check  # nothing for its pods to fear: no need to read them
    pods = Pod.objects.on_node(name).objects()
    if ready not in ("True", None):
        mark_pods_not_ready(pods)
    return Result.soonest(health_check, evict_pods(node, pods))


def keys_for(event_type, obj):
    """A node's changes wake it; so does a pod bound to it, which may need marking or evicting."""
    if obj["kind"] == "Node":
        return [obj["metadata"]["name"]]
    if obj["kind"] == "Pod" and event_type != "DELETED" and not obj["metadata"].get("deletionTimestamp"):
        node_name = (obj.get("spec") or {}).get("nodeName")
        return [node_name] if node_name else []
    return []


def resync_keys():
    """Every node, and every node name a pod is still bound to (the node may be gone)."""
    nodes = set(Node.objects.values_list("name", flat=True))
    bound = set(Pod.objects.exclude(node_name="").values_list("node_name", flat=True).distinct())
    return sorted(nodes | bound)


def register_node(node):
    """RegisteredNode, once per node (by uid) and process, as monitorNodeHealth does for the
    nodes it had not known."""
    meta = node["metadata"]
    with _known_lock:
        if meta["uid"] in _known_nodes:
            return
        _known_nodes.add(meta["uid"])
    _record_node(node, "RegisteredNode",
                 f"Node {meta['name']} event: Registered Node {meta['name']} in Controller")


# --- node health ------------------------------------------------------------------------------

def monitor_node_health(node):
    """tryUpdateNodeHealth: past the grace period without a heartbeat, mark the node's conditions
    Unknown. Returns the node as it now is and when to look again."""
    renewed = _lease_renew_time(node["metadata"]["name"])
    left = _silence_deadline(node, renewed) - clock.current().seconds()
    if left > 0:
        return node, Result.after(left)

    def mark_unknown(current):
        if _silence_deadline(current, renewed) > clock.current().seconds():
            return False  # the kubelet posted meanwhile
        return _set_conditions_unknown(current)

    was_ready = _status_of(node, "Ready")
    updated = _update_node(node, mark_unknown, subresource="status")
    if was_ready == "True" and _status_of(updated, "Ready") == "Unknown":
        _record_status_change(updated, "NodeNotReady")
    return updated, None


def _silence_deadline(node, lease_renewed):
    """When the node's silence exceeds its grace period, in simulated epoch seconds.

    The last sign of life is the latest of the Lease's renewTime, the Ready condition's
    lastHeartbeatTime and the node's creation (upstream counts from when the controller first saw
    the node, which for a new node is its creation)."""
    ready = _condition(node, "Ready")
    signs = [lease_renewed, _seconds(node["metadata"]["creationTimestamp"])]
    if ready is not None:
        signs.append(_seconds(ready.get("lastHeartbeatTime")))
    grace = NODE_MONITOR_GRACE_PERIOD if ready is not None else NODE_STARTUP_GRACE_PERIOD
    return max(signs) + grace


def _lease_renew_time(node_name):
    try:
        lease = store.get(LEASE, LEASE_NAMESPACE, node_name)
    except NotFound:
        return 0.0
    return _seconds((lease.get("spec") or {}).get("renewTime"))


def _set_conditions_unknown(node):
    """The monitored conditions become Unknown (added if the kubelet never posted them)."""
    now = timestamps.timestamp(timestamps.now())
    conditions = node.setdefault("status", {}).setdefault("conditions", [])
    changed = False
    for condition_type in MONITORED_CONDITIONS:
        condition = _condition(node, condition_type)
        if condition is None:
            conditions.append({"type": condition_type, "status": "Unknown",
                               "lastHeartbeatTime": node["metadata"]["creationTimestamp"],
                               "lastTransitionTime": now, "reason": "NodeStatusNeverUpdated",
                               "message": "Kubelet never posted node status."})
        elif condition["status"] != "Unknown":
            condition.update(status="Unknown", reason="NodeStatusUnknown",
                             message="Kubelet stopped posting node status.", lastTransitionTime=now)
        else:
            continue
        changed = True
    return changed


# --- taints -----------------------------------------------------------------------------------

def sync_taints(node):
    """Make the node's controller taints match its conditions and spec.unschedulable; taints
    added carry timeAdded (SwapNodeControllerTaint). Records NodeNotReady when the node first
    gets a not-ready or unreachable NoExecute taint."""
    was_tainted = bool(_not_ready_taints(node))

    def swap(current):
        spec = current.setdefault("spec", {})
        taints = spec.get("taints") or []
        wanted = _wanted_taints(current)
        kept = [t for t in taints if _taint_key(t) not in MANAGED_TAINTS or _taint_key(t) in wanted]
        present = {_taint_key(t) for t in kept}
        now = timestamps.timestamp(timestamps.now())
        added = [{"key": key, "effect": effect, "timeAdded": now}
                 for key, effect in wanted if (key, effect) not in present]
        if len(kept) == len(taints) and not added:
            return False
        spec["taints"] = kept + added
        if not spec["taints"]:
            del spec["taints"]

    updated = _update_node(node, swap)
    if not was_tainted and _not_ready_taints(updated) and _status_of(node, "Ready") != "Unknown":
        # Unknown was recorded when the controller set it; a kubelet's False is recorded here.
        _record_status_change(updated, "NodeNotReady")
    return updated


def _wanted_taints(node):
    """The (key, effect) pairs the node should carry, in a stable order."""
    wanted = [(CONDITION_TAINTS[(c.get("type"), c.get("status"))], NO_SCHEDULE)
              for c in (node.get("status") or {}).get("conditions") or ()
              if (c.get("type"), c.get("status")) in CONDITION_TAINTS]
    if (node.get("spec") or {}).get("unschedulable"):
        wanted.append((UNSCHEDULABLE, NO_SCHEDULE))
    ready = _status_of(node, "Ready")
    if ready is None:  # no Ready condition yet: leave the NoExecute taints as they are
        wanted += [_taint_key(t) for t in _not_ready_taints(node)]
    elif READY_TAINTS.get(ready):
        wanted.append((READY_TAINTS[ready], NO_EXECUTE))
    return wanted


def _taint_key(taint):
    return taint.get("key"), taint.get("effect")


def _no_execute_taints(node):
    return [t for t in (node.get("spec") or {}).get("taints") or () if t.get("effect") == NO_EXECUTE]


def _not_ready_taints(node):
    return [t for t in _no_execute_taints(node) if t.get("key") in (NOT_READY, UNREACHABLE)]


# --- pods on a node that is not Ready ---------------------------------------------------------

def mark_pods_not_ready(pods):
    """MarkPodsNotReady: a pod on a node that is not Ready is not ready either."""
    for pod in pods:
        ready = _condition(pod, "Ready")
        if ready is None or ready["status"] == "False":
            continue
        marked = _update_status(pod, lambda p: update_pod_condition(p, "Ready", status="False"))
        if marked is not None:
            _record(marked, events.WARNING, "NodeNotReady", "Node is not ready", COMPONENT)


# --- taint-based eviction ---------------------------------------------------------------------

def evict_pods(node, pods):
    """The taint eviction controller: delete each pod that does not tolerate the node's NoExecute
    taints, now or when its tolerationSeconds run out. Returns when the next one falls due."""
    taints = _no_execute_taints(node)
    if not taints:
        return None
    now = clock.current().seconds()
    due_later = []
    for pod in pods:
        if pod["metadata"].get("deletionTimestamp"):
            continue
        due = eviction_due(pod, taints)
        if due is None:
            continue
        if due <= now:
            evict(pod)
        else:
            due_later.append(due - now)
    return Result.after(min(due_later)) if due_later else None


def eviction_due(pod, taints):
    """When the pod must go (simulated epoch seconds), 0.0 for at once, None for never.

    As processPodOnNode: an untolerated taint means now; otherwise the shortest tolerationSeconds
    among the tolerations used, counted from when the pod first met those taints: their
    timeAdded, or the pod's binding if it came to the node later."""
    used = []
    for taint in taints:
        toleration = next((t for t in (pod.get("spec") or {}).get("tolerations") or ()
                           if tolerates(t, taint)), None)
        if toleration is None:
            return 0.0
        used.append((taint, toleration))
    timed = [(taint, max(t["tolerationSeconds"], 0)) for taint, t in used
             if t.get("tolerationSeconds") is not None]
    if not timed:
        return None  # tolerates them all forever
    met = max(min(_seconds(taint.get("timeAdded")) for taint, _ in timed), _bound_at(pod))
    return met + min(seconds for _, seconds in timed)


def tolerates(toleration, taint):
    """v1.Toleration.ToleratesTaint."""
    if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
        return False
    if toleration.get("key") and toleration["key"] != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def evict(pod):
    """deletePodHandler: the event, the DisruptionTarget condition, then a graceful delete."""
    namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
    # Upstream's reference names the pod without its uid.
    reference = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}}
    _record(reference, events.NORMAL, "TaintManagerEviction",
            f"Marking for deletion Pod {namespace}/{name}", TAINT_EVICTION)
    _update_status(pod, lambda p: update_pod_condition(
        p, "DisruptionTarget", "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint"))
    _delete_pod(pod)


# --- pods of a node that is gone --------------------------------------------------------------

def gc_orphaned_pods(node_name):
    """gcOrphaned: a pod bound to a node that no longer exists is marked Failed and deleted with
    grace period 0, since no kubelet will ever stop it."""
    for pod in Pod.objects.on_node(node_name).objects():
        if (pod.get("status") or {}).get("phase") not in TERMINAL_PHASES:
            _update_status(pod, _fail)
        _delete_pod(pod, grace_period_seconds=0)


def _fail(pod):
    pod.setdefault("status", {})["phase"] = "Failed"
    update_pod_condition(pod, "DisruptionTarget", "DeletionByPodGC", "PodGC: node no longer exists")


# --- helpers ----------------------------------------------------------------------------------

def _condition(obj, condition_type):
    return next((c for c in (obj.get("status") or {}).get("conditions") or ()
                 if c.get("type") == condition_type), None)


def _status_of(obj, condition_type):
    condition = _condition(obj, condition_type)
    return None if condition is None else condition.get("status")


def _update_node(node, mutate, subresource=None):
    """GuaranteedUpdate of the node, skipped when `mutate` changes nothing in it as read: a
    healthy node costs no second read."""
    if mutate(copy.deepcopy(node)) is False:
        return node
    return store.guaranteed_update(NODE, None, node["metadata"]["name"], mutate, subresource=subresource)


def _update_status(pod, change):
    """Write `change(pod)` to the pod's status as it now is; returns the pod, or None if it is
    gone (a pod recreated under its name is another pod, left alone)."""
    meta = pod["metadata"]
    try:
        return store.guaranteed_update(
            POD, meta["namespace"], meta["name"],
            lambda current: current["metadata"]["uid"] == meta["uid"] and change(current),
            subresource="status")
    except NotFound:
        return None


def _delete_pod(pod, **options):
    meta = pod["metadata"]
    try:
        store.delete(POD, meta["namespace"], meta["name"], preconditions={"uid": meta["uid"]}, **options)
    except (NotFound, Conflict):
        pass  # gone already, or another pod now has its name


def _bound_at(pod):
    """When the pod was bound to its node: its PodScheduled transition, else its creation."""
    scheduled = _condition(pod, "PodScheduled")
    return _seconds((scheduled or {}).get("lastTransitionTime")
                    or pod["metadata"].get("creationTimestamp"))


def _seconds(value):
    """An API timestamp (RFC 3339, or MicroTime) as epoch seconds; 0.0 when unset."""
    parsed = timestamps.parse(value)
    return parsed.timestamp() if parsed else 0.0


def _record_status_change(node, status):
    """nodeutil.RecordNodeStatusChange."""
    _record_node(node, status, f"Node {node['metadata']['name']} status is now: {status}")


def _record_node(node, reason, message):
    """An event about a node, referred to by its real uid (nodeutil.RecordNodeEvent)."""
    meta = node["metadata"]
    events.record(events.node_reference(meta["name"], meta["uid"]), events.NORMAL, reason, message,
                  component=COMPONENT)


def _record(obj, event_type, reason, message, component):
    try:
        events.record(obj, event_type, reason, message, component=component)
    except Forbidden:
        pass  # its namespace is being deleted: the recorder drops what the API refuses
