"""Cluster operations: what the dashboard's buttons and their terminal twins (`manage.py node`,
`cordon`, `uncordon`, `drain`, `reset_demo`) do, as plain functions.

Each does what the real thing does and nothing more; the control loops do the rest:
- a node is added as its kubelet registers it, and gets a running kubelet,
- removing a node deletes the Node (the machine and its kubelet go with it); the node lifecycle
  controller's pod GC then deletes the pods still bound to it,
- cordon sets spec.unschedulable, as kubectl does; the node lifecycle controller adds the
  node.kubernetes.io/unschedulable:NoSchedule taint that goes with it,
- drain is kubectl drain: cordon, then evict each pod through the Eviction API's own code, except
  DaemonSet-managed and mirror pods, refusing (without --force and friends) pods that no
  controller would replace or that keep data in an emptyDir,
- stopping a kubelet stops its heartbeats: 50 s after the last one the node is NotReady, and 300 s
  after that its pods are evicted and replaced elsewhere (they stay Terminating, as on a real
  dead node, until the kubelet comes back or the pods are force-deleted).

The simulation clock's operations are cluster.clock's own: set_speed, pause, resume and step.
"""
from dataclasses import dataclass, field

from django.db import transaction

from cluster import kinds, store, timestamps
from cluster.api.subresources import evict_pod
from cluster.errors import NotFound
from cluster.management.commands.seed_demo import seed
from workers import timers
from workers.controllers.controllerref import controller_of
from workers.kubelet import node as kubelet_node
from workers.kubelet.kubelet import set_running
from workers.models import Kubelet, PodRuntime, SchedulingVerdict, Timer

NODE = kinds.lookup("nodes")
POD = kinds.lookup("pods")
DAEMON_SET = kinds.lookup("daemonsets.apps")
MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
# What the TTL controller and the kubelet annotate every node with (as on the demo's nodes).
NODE_ANNOTATIONS = {"node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true"}


# --- nodes ------------------------------------------------------------------------------------

def add_node(name, *, cpu="4", memory="8Gi", pods="110", labels=None, taints=()):
    """Register a Node as its kubelet does (Ready, with the capacity given) and start its kubelet.
    `taints` are dicts as in spec.taints. Returns the Node."""
    stamp = timestamps.timestamp(timestamps.now())
    capacity = {**kubelet_node.CAPACITY, "cpu": str(cpu), "memory": str(memory), "pods": str(pods)}
    conditions = [{"type": condition_type, "status": status, "lastHeartbeatTime": stamp,
                   "lastTransitionTime": stamp, "reason": reason, "message": message}
                  for condition_type, status, reason, message in kubelet_node.CONDITIONS]
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": dict(labels or {}), "annotations": dict(NODE_ANNOTATIONS)},
            "spec": {"taints": list(taints)} if taints else {},
            "status": {"capacity": capacity, "allocatable": dict(capacity), "conditions": conditions}}
    with transaction.atomic():
        registered = kubelet_node.register(store.create(node))
        set_running(name, True)
    return registered


def remove_node(name):
    """Delete the Node, and the simulated machine's kubelet and container runtime with it.
    Returns the Node as it was."""
    with transaction.atomic():
        node, _ = store.delete(NODE, None, name)
        Kubelet.objects.filter(node_name=name).delete()
        PodRuntime.objects.filter(node_name=name).delete()
    return node


def stop_kubelet(name):
    """Stop the node's kubelet: no more heartbeats, status or pod work. Returns whether it ran."""
    return _set_kubelet_running(name, False)


def start_kubelet(name):
    """Start the node's kubelet again. Returns whether it was stopped."""
    return _set_kubelet_running(name, True)


def _set_kubelet_running(name, running):
    store.get(NODE, None, name)  # NotFound for a node that does not exist
    was = Kubelet.objects.filter(node_name=name).values_list("running", flat=True).first()
    set_running(name, running)
    if running:
        timers.schedule("kubelet", name, 0)  # a stopped kubelet asked for no wake-up: wake it now
    return (True if was is None else was) != running


def cordon(name):
    """kubectl cordon: mark the node unschedulable. Returns False if it already was."""
    return _set_unschedulable(name, True)


def uncordon(name):
    """kubectl uncordon: mark the node schedulable. Returns False if it already was."""
    return _set_unschedulable(name, False)


def _set_unschedulable(name, unschedulable):
    changed = False

    def mark(node):
        nonlocal changed
        spec = node.setdefault("spec", {})
        changed = bool(spec.get("unschedulable")) != unschedulable
        if not changed:
            return False
        if unschedulable:
            spec["unschedulable"] = True
        else:
            del spec["unschedulable"]  # false is omitted, as the API's JSON omits it

    store.guaranteed_update(NODE, None, name, mark)
    return changed


# --- drain ------------------------------------------------------------------------------------

@dataclass
class Drained:
    pods: list = field(default_factory=list)  # the pods evicted
    warnings: str = ""  # kubectl's "Warning: ..." line, without its prefix


class DrainError(Exception):
    """Pods drain may not evict without an option: kubectl's "cannot delete ..." errors."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(errors[0] if len(errors) == 1 else f"[{', '.join(errors)}]")


def drain(name, **options):
    """kubectl drain: cordon the node, then evict its pods (see evict_pods for the options)."""
    cordon(name)
    return evict_pods(name, **options)


def evict_pods(name, *, force=False, ignore_daemonsets=False, delete_emptydir_data=False,
               grace_period_seconds=None):
    """Evict the pods on the node as kubectl drain does; raises DrainError, evicting nothing,
    when some pod needs an option. Returns the pods evicted and the warnings to show."""
    store.get(NODE, None, name)
    helper = _DrainFilters(force, ignore_daemonsets, delete_emptydir_data)
    verdicts = [(pod, helper.status(pod)) for pod in store.list_objects(
        POD, field_selector=f"spec.nodeName={name}").items]
    errors = [f"{m}: {', '.join(names)}" for m, names in _grouped(verdicts, "Error").items()]
    if errors:
        raise DrainError([e if e.lower().startswith("cannot delete") else f"cannot delete {e}"
                          for e in errors])
    evicted = []
    for pod, (delete, _, _) in verdicts:
        if not delete:
            continue
        meta = pod["metadata"]
        try:
            evict_pod(meta["namespace"], meta["name"], {
                "grace_period_seconds": grace_period_seconds, "propagation_policy": None,
                "preconditions": None, "dry_run": False})
        except NotFound:
            continue  # gone already
        evicted.append(pod)
    warnings = "; ".join(f"{m}: {', '.join(names)}" for m, names in _grouped(verdicts, "Warning").items())
    return Drained(evicted, warnings)


def remaining(pods):
    """Those of `pods` not yet gone (a pod recreated under the same name counts as gone)."""
    left = []
    for pod in pods:
        meta = pod["metadata"]
        try:
            if store.get(POD, meta["namespace"], meta["name"])["metadata"]["uid"] == meta["uid"]:
                left.append(pod)
        except NotFound:
            pass
    return left


def _grouped(verdicts, reason):
    """{message: ["namespace/name", ...]} of the verdicts with that reason, in pod order."""
    groups = {}
    for pod, (_, why, message) in verdicts:
        if why == reason:
            groups.setdefault(message, []).append(f"{pod['metadata']['namespace']}/{pod['metadata']['name']}")
    return groups


class _DrainFilters:
    """kubectl's drain filters, in its order; each gives (delete, reason, message), and the first
    that keeps a pod decides, else the last (so, as upstream, a later Okay drops a warning)."""

    OKAY = (True, "Okay", "")

    def __init__(self, force, ignore_daemonsets, delete_emptydir_data):
        self.force, self.ignore_daemonsets = force, ignore_daemonsets
        self.delete_emptydir_data = delete_emptydir_data

    def status(self, pod):
        verdict = self.OKAY
        for check in (self._daemon_set, self._mirror_pod, self._local_storage, self._unreplicated):
            verdict = check(pod)
            if not verdict[0]:
                break
        return verdict

    def _daemon_set(self, pod):
        ref = controller_of(pod)
        if ref is None or ref.get("kind") != "DaemonSet" or _finished(pod):
            return self.OKAY
        try:
            store.get(DAEMON_SET, pod["metadata"]["namespace"], ref["name"])
        except NotFound as e:
            return (True, "Warning", e.message) if self.force else (False, "Error", e.message)
        if not self.ignore_daemonsets:
            return False, "Error", "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
        return False, "Warning", "ignoring DaemonSet-managed Pods"

    def _mirror_pod(self, pod):
        if MIRROR_POD_ANNOTATION in (pod["metadata"].get("annotations") or {}):
            return False, "Skip", ""
        return self.OKAY

    def _local_storage(self, pod):
        if not any("emptyDir" in v for v in pod["spec"].get("volumes") or ()) or _finished(pod):
            return self.OKAY
        if not self.delete_emptydir_data:
            return False, "Error", "Pods with local storage (use --delete-emptydir-data to override)"
        return True, "Warning", "deleting Pods with local storage"

    def _unreplicated(self, pod):
        if _finished(pod) or controller_of(pod) is not None:
            return self.OKAY
        if self.force:
            return True, "Warning", "deleting Pods that declare no controller"
        return False, "Error", "cannot delete Pods that declare no controller (use --force to override)"


def _finished(pod):
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


# --- the demo cluster -------------------------------------------------------------------------

def reset_demo():
    """Back to the demo cluster as seeded: every object but the system namespaces deleted, the
    demo's nodes registered again, and the control plane's own state (kubelets, container
    runtimes, timers, scheduling verdicts) forgotten. The clock is left as it is.
    Returns what seed_demo's seed(reset=True) returns."""
    with transaction.atomic():
        result = seed(reset=True)
        for model in (Kubelet, PodRuntime, Timer, SchedulingVerdict):
            model.objects.all().delete()  # a kubelet without its row runs (workers.kubelet)
    return result
