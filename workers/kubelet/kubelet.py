"""The simulated kubelet: one per Node, reconciled by the node's name.

A sync reads the node, its pods (one query) and their runtime records (one query), heartbeats,
admits new pods, advances every pod's lifecycle to the cluster clock's now, then writes what
changed: a pod's runtime record, its events and its status (only when it differs) in one
transaction. It asks to come back at the next due transition or heartbeat, whichever is sooner.

A stopped kubelet (Kubelet.running false) does nothing at all: no heartbeat, so the node
lifecycle controller marks the node NotReady, and its pods stay as they were.
"""
import ipaddress
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from cluster import clock, kinds, store
from cluster.errors import Conflict, NotFound
from cluster.models import Node, Pod
from workers import events
from workers.models import Kubelet, PodRuntime
from workers.result import Result

from . import admission, lifecycle, nodeevents, status
from . import node as node_status

NODE, POD = kinds.lookup("nodes"), kinds.lookup("pods")
COMPONENT = "kubelet"


def keys_for(event_type, obj):
    """A change to a Node wakes its kubelet; so does a change to a pod bound to it."""
    if obj.get("kind") == "Node":
        return [obj["metadata"]["name"]]
    if obj.get("kind") == "Pod" and (obj.get("spec") or {}).get("nodeName"):
        return [obj["spec"]["nodeName"]]
    return []


def resync_keys():
    return list(Node.objects.values_list("name", flat=True))


def zero_delays():
    """KUBESIM_ZERO_DELAYS: sandboxes, pulls and starts take no simulated time (benchmarks)."""
    return bool(getattr(settings, "KUBESIM_ZERO_DELAYS", False))


def set_running(node_name, running):
    """Start or stop a node's kubelet (queue the node's key afterwards to see the effect). A
    stopped kubelet forgets it started: it records "Starting" again when it runs."""
    defaults = {"running": running} if running else {"running": False, "started": False}
    Kubelet.objects.update_or_create(node_name=node_name, defaults=defaults)


def _memory(node_name):
    """(running, started, last seen spec.unschedulable) of the node's kubelet; a node's first
    kubelet runs."""
    row = Kubelet.objects.filter(node_name=node_name).values_list(
        "running", "started", "unschedulable").first()
    if row is None:
        Kubelet.objects.get_or_create(node_name=node_name)
        return True, False, False
    return row


def reconcile(node_name):
    """Heartbeat, then bring every pod bound to the node up to the clock's now."""
    try:
        node = store.get(NODE, None, node_name)
    except NotFound:
        return None
    running, started, unschedulable = _memory(node_name)
    if not running:
        return None
    now = clock.current().seconds()
    node = node_status.register(node)
    nodeevents.on_start(node, started, unschedulable)
    sync = _NodeSync(node, now)
    sync.run()
    hints = [node_status.post_status(node, sync.pulled, now),
             node_status.renew_lease(node, now)]
    sync.commit()
    if sync.due is not None:
        hints.append(sync.due - now)
    return Result.soonest(*(Result.after(h) for h in hints))


@dataclass
class _Writes:
    """What one pod's sync changed, written together."""

    pod: dict
    row: PodRuntime | None = None  # a new or changed runtime record
    new_row: bool = False
    events: list = field(default_factory=list)
    status: dict | None = None
    remove: bool = False  # every container stopped after deletion: delete the pod


class _NodeSync:
    """One pass over the pods bound to a node."""

    def __init__(self, node, now):
        self.node, self.now = node, now
        self.name = node["metadata"]["name"]
        self.host_ip = node_status.host_ip(node)
        self.images = set(node_status.images(node))
        self.pulled, self.writes = [], []
        self.due = None

    def run(self):
        pods = sorted(Pod.objects.on_node(self.name).objects(),
                      key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"]))
        self.rows = {row.pod_uid: row for row in PodRuntime.objects.filter(node_name=self.name)}
        self.admission = admission.Admission(self.node)
        records = {uid: row.state for uid, row in self.rows.items()}
        for pod in pods:
            record = records.get(pod["metadata"]["uid"])
            if record and not record.get("done"):
                self.admission.add(admission.requests(pod))
        self.ips = {r.get("ip") for r in records.values() if not r.get("done")}
        self.gone = set(self.rows) - {p["metadata"]["uid"] for p in pods}
        for pod in pods:
            writes = self._sync(pod, records.get(pod["metadata"]["uid"]))
            if writes.row or writes.events or writes.status or writes.remove:
                self.writes.append(writes)

    def _sync(self, pod, record):
        meta, writes = pod["metadata"], _Writes(pod)
        if record is None:
            if meta.get("deletionTimestamp"):
                writes.remove = True  # deleted before it ever started
                return writes
            if (pod.get("status") or {}).get("phase") in (lifecycle.SUCCEEDED, lifecycle.FAILED):
                return writes
            record = self._admit(pod, writes)
        view = lifecycle.NodeView(self.name, self.now, frozenset(self.images), zero_delays())
        outcome = lifecycle.sync(pod, record, view)
        for b in outcome.pulled:
            self.images.add(b.image)
        self.pulled += outcome.pulled
        writes.events += outcome.events
        self._keep(writes, outcome.record)
        new_status = status.pod_status(pod, outcome.record, self.host_ip, self.now)
        if new_status != pod.get("status"):
            writes.status = new_status
        writes.remove = outcome.removable
        due = lifecycle.due(outcome.record)
        if due is not None:
            self.due = due if self.due is None else min(self.due, due)
        return writes

    def _admit(self, pod, writes):
        wanted = admission.requests(pod)
        rejection = self.admission.reject_reason(wanted)
        if rejection:
            writes.events.append((lifecycle.WARNING, *rejection, None))
            return lifecycle.rejected(self.now, *rejection)
        self.admission.add(wanted)
        return lifecycle.admitted(pod, self.now, self._pod_ip(pod), zero_delays=zero_delays())

    def _pod_ip(self, pod):
        """host-local IPAM: the address after the highest in use, wrapping to the lowest free."""
        if pod["spec"].get("hostNetwork"):
            return self.host_ip
        network = node_status.pod_cidr(self.node)
        if network is None:
            return None
        used = {ipaddress.ip_address(ip) for ip in self.ips if ip}
        used = {ip for ip in used if ip in network}
        first, last = network.network_address + 2, network.broadcast_address - 1
        candidate = max(used, default=first - 1) + 1
        if candidate > last:
            candidate = next((a for a in network.hosts() if a >= first and a not in used), None)
        if candidate is None:
            return None
        self.ips.add(str(candidate))
        return str(candidate)

    def _keep(self, writes, record):
        meta = writes.pod["metadata"]
        row = self.rows.get(meta["uid"])
        if row is None:
            writes.row, writes.new_row = PodRuntime(
                pod_uid=meta["uid"], namespace=meta["namespace"], name=meta["name"],
                node_name=self.name, state=record), True
        elif row.state != record:
            row.state = record
            writes.row = row

    def commit(self):
        """Write what the pass changed. A pod's record, events and status commit together, so
        a record never runs ahead of the events it explains."""
        conflict = None
        for writes in self.writes:
            with transaction.atomic():
                conflict = self._apply(writes) or conflict
        PodRuntime.objects.filter(pod_uid__in=self.gone).delete()
        if conflict:
            raise conflict  # the world moved on for some pod: look again

    def _apply(self, writes):
        pod = writes.pod
        if writes.row:
            writes.row.save(force_insert=writes.new_row)
        for event_type, reason, message, field_path in writes.events:
            events.record(pod, event_type, reason, message, component=COMPONENT, host=self.name,
                          field_path=field_path)
        conflict = _write_status(pod, writes.status) if writes.status else None
        if writes.remove and not conflict:
            _remove(pod)
            PodRuntime.objects.filter(pod_uid=pod["metadata"]["uid"]).delete()
        return conflict


def _write_status(pod, new_status):
    """Post one pod's status; returns the Conflict if the pod changed meanwhile."""
    try:
        store.update({**pod, "status": new_status}, subresource="status")
    except NotFound:
        pass  # deleted meanwhile (a force delete): nothing left to report on
    except Conflict as e:
        return e
    return None


def _remove(pod):
    """Every container stopped and the final status posted: delete the pod for good."""
    meta = pod["metadata"]
    try:
        store.delete(POD, meta["namespace"], meta["name"], grace_period_seconds=0,
                     preconditions={"uid": meta["uid"]})
    except (NotFound, Conflict):
        pass  # gone already, or the name now belongs to a new pod
