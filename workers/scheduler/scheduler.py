"""kube-scheduler as a control loop: one key, "queue", for the whole scheduling queue, as
kube-scheduler runs one scheduling loop.

Each reconcile takes a snapshot of the cluster and tries the pods the queue says are ready, in
order. A pod that fits is assumed onto its node in the snapshot, so the next pod sees the node's
new load, then bound (pods/binding semantics: exactly once) and given a `Scheduled` event. One
that fits nowhere gets PodScheduled=False with kube-scheduler's message, a `FailedScheduling`
event and a back-off. Either way its SchedulingVerdict records why, node by node.

Settings: KUBESIM_SCHEDULER_SCORING (see profile.py); KUBESIM_SCHEDULER_SEED, when set, makes the
choice among equally good nodes repeatable.
"""
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from cluster import binding, clock, store
from cluster.errors import Conflict, NotFound
from cluster.models import WatchEvent

from .. import events
from ..models import SchedulingVerdict
from ..result import Result
from .framework import NodeInfo, PodInfo
from .profile import default_profile
from .queue import MAX_IN_UNSCHEDULABLE_PODS_SECONDS, QueuedPod, SchedulingQueue, verdict_row
from .schedule_one import FitError, Scheduler, ScheduleResult
from .snapshot import TERMINAL_PHASES, Snapshot

QUEUE = "queue"
# Pods decided, then written in one transaction: fewer commits, a short hold on the store.
BATCH = 100
# Pods tried per reconcile; the rest follow at once, from a fresh snapshot.
CYCLE_LIMIT = 1000
# The nodes a verdict details: all of a small cluster's; in a large one the chosen node, then
# the best scored, then the rejected, up to this many. Every attempt writes one: kept small, as
# its JSON is what PostgreSQL pays most for.
VERDICT_NODES = 20
_VERDICT_FIELDS = ["namespace", "name", "node_name", "verdict", "attempts", "attempted_at",
                   "backoff_until"]


def reconcile(key):
    if key != QUEUE:
        return None
    profile = default_profile()
    snapshot = Snapshot.take()
    queue = SchedulingQueue.load(profile.scheduler_name)
    now = clock.current().seconds()
    changes = queue.cluster_changes(snapshot)
    retry_at = [(queued, queued.retry_at(changes, now)) for queued in queue.pods]
    ready = [queued for queued, at in retry_at if at <= now]
    waiting = [at for _, at in retry_at if at > now]
    rng = random.Random(getattr(settings, "KUBESIM_SCHEDULER_SEED", None))
    failed = _run(Scheduler(profile, snapshot, rng), queue.read(ready[:CYCLE_LIMIT]))
    if len(ready) > CYCLE_LIMIT:
        return Result.after(0)
    if failed:  # with nothing changing, they are tried again when the queue flushes them
        waiting.append(now + MAX_IN_UNSCHEDULABLE_PODS_SECONDS)
    return Result.after(min(waiting) - now) if waiting else None


def keys_for(event_type, obj):
    """What may change a scheduling decision: a node added, updated or removed; a pending pod
    added or updated; an assigned pod deleted or finished, freeing its node's resources."""
    if obj.get("kind") == "Node":
        return (QUEUE,)
    if obj.get("kind") != "Pod":
        return ()
    spec = obj.get("spec") or {}
    if spec.get("nodeName"):
        finished = (obj.get("status") or {}).get("phase") in TERMINAL_PHASES
        return (QUEUE,) if event_type == WatchEvent.DELETED or finished else ()
    return () if event_type == WatchEvent.DELETED else (QUEUE,)


def resync_keys():
    return (QUEUE,)


# --- one cycle --------------------------------------------------------------------------------

@dataclass
class _Decision:
    queued: QueuedPod
    pod: PodInfo
    outcome: ScheduleResult | FitError
    node: NodeInfo | None = None  # where it is assumed


def _run(scheduler, pods):
    """Decide a batch, write it in one transaction, repeat; returns how many pods fit nowhere."""
    failed = 0
    for start in range(0, len(pods), BATCH):
        decisions = [_decide(scheduler, queued) for queued in pods[start:start + BATCH]]
        now = clock.current().seconds()  # the attempts' time, for their back-offs
        with transaction.atomic():
            rows = [row for d in decisions if (row := _write(scheduler, d, now)) is not None]
            SchedulingVerdict.objects.bulk_create(rows, update_conflicts=True,
                                                  unique_fields=["pod_uid"],
                                                  update_fields=_VERDICT_FIELDS)
        failed += sum(1 for d in decisions if d.node is None)
    return failed


def _decide(scheduler, queued):
    snapshot = scheduler.snapshot
    pod = snapshot.pod_info(queued.pod)
    try:
        result = scheduler.schedule_pod(pod)
    except FitError as error:
        return _Decision(queued, pod, error)
    node = snapshot.node_by_name[result.node]
    snapshot.assume(pod, node)
    return _Decision(queued, pod, result, node)


def _write(scheduler, decision, now):
    """The decision's writes; returns the pod's new SchedulingVerdict, or None when the pod went
    away or was bound by someone else meanwhile."""
    if decision.node is None:
        return _record_failure(scheduler, decision, now)
    return _bind(scheduler, decision, now)


def _bind(scheduler, decision, now):
    pod, node, name = decision.pod, decision.node, scheduler.profile.scheduler_name
    try:
        bound = binding.bind(pod.namespace, pod.name, node.name, uid=pod.uid,
                             pod=decision.queued.pod)
    except (Conflict, NotFound):
        scheduler.snapshot.forget(pod, node)  # already bound elsewhere, or gone
        return None
    events.record(bound, events.NORMAL, "Scheduled",
                  f"Successfully assigned {pod.namespace}/{pod.name} to {node.name}",
                  component=name)
    verdict = _verdict(scheduler, bound, decision.outcome.evaluation)
    return verdict_row(decision.queued, node.name, verdict, now)


def _record_failure(scheduler, decision, now):
    """PodScheduled=False with the FitError's message (written only when it changes), the
    FailedScheduling event, and the verdict that starts the pod's back-off."""
    error, pod = decision.outcome, decision.pod

    def unschedulable(obj):
        if obj["spec"].get("nodeName"):
            return False  # bound by someone else meanwhile: not ours to judge any more
        return binding.update_pod_condition(obj, "PodScheduled", error.reason, error.message,
                                            status="False")

    try:
        current = store.guaranteed_update(binding.POD, pod.namespace, pod.name, unschedulable,
                                          subresource="status")
    except NotFound:
        return None
    if current["spec"].get("nodeName"):
        return None
    events.record(current, events.WARNING, "FailedScheduling", error.message,
                  component=scheduler.profile.scheduler_name)
    verdict = _verdict(scheduler, current, error.evaluation) | {"message": error.message}
    return verdict_row(decision.queued, "", verdict, now)


def _verdict(scheduler, pod, evaluation):
    """What the attempt saw — the snapshot's revision and node state, the pod's revision: the
    queue compares them with later changes — and per node the filter that rejected it or its
    scores."""
    nodes, omitted = evaluation.node_verdicts(VERDICT_NODES)
    snapshot = scheduler.snapshot
    verdict = {"profile": scheduler.profile.scheduler_name, "revision": snapshot.revision,
               "nodeState": snapshot.node_state,
               "podRevision": int(pod["metadata"]["resourceVersion"]), "nodes": nodes}
    return verdict | {"omittedNodes": omitted} if omitted else verdict
