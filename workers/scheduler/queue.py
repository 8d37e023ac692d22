"""The scheduling queue: the pending pods in PrioritySort order, and when each may be tried again.

Upstream keeps an active queue, a back-off queue and the unschedulable pods in memory. Here that
state lives in the pods' SchedulingVerdict rows, so any worker can run the next cycle:

- a pod never tried, or whose binding failed, is active;
- a pod that fit nowhere waits, as in upstream's unschedulablePods, until something that may
  make room happens after its attempt — a node added, removed, or changed in what scheduling
  sees of it; an assigned pod deleted or finished; the pod itself updated — or 5 minutes pass
  (podMaxInUnschedulablePodsDuration). Then it is tried once its back-off is over: 1 s, doubling
  with each attempt up to 10 s.

Which change could help which pod (upstream's queueing hints) is not told apart: any of those
moves every waiting pod, as upstream did before queueing hints.
"""
from dataclasses import dataclass

from django.db.models import Max

from cluster.models import Pod, WatchEvent

from ..models import SchedulingVerdict
from .snapshot import TERMINAL_PHASES, UIDS_PER_QUERY

INITIAL_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS = 1.0, 10.0  # podInitialBackoff, podMaxBackoff
MAX_IN_UNSCHEDULABLE_PODS_SECONDS = 300.0


def backoff_seconds(attempts):
    return min(INITIAL_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


@dataclass(frozen=True)
class Attempt:
    """A pod's last scheduling attempt, as its SchedulingVerdict records it: read without the
    verdict's per-node detail, which deciding when to try again does not need."""

    node_name: str  # "" if it fit nowhere
    attempts: int
    attempted_at: float
    backoff_until: float
    revision: int  # the snapshot's
    node_state: str  # the snapshot's digest of the nodes
    pod_revision: int

    FIELDS = ("node_name", "attempts", "attempted_at", "backoff_until", "verdict__revision",
              "verdict__nodeState", "verdict__podRevision")


@dataclass
class QueuedPod:
    uid: str
    resource_version: int
    attempt: Attempt | None  # the last one
    pod: dict | None = None  # the whole pod, read once it is to be tried

    def unschedulable(self):
        return self.attempt is not None and not self.attempt.node_name

    def moved_since_attempt(self, changes, now):
        """Whether something happened since its attempt that may let it fit now."""
        attempt = self.attempt
        return (changes.node_state != attempt.node_state
                or changes.freed_revision > attempt.revision
                or self.resource_version != attempt.pod_revision
                or now >= attempt.attempted_at + MAX_IN_UNSCHEDULABLE_PODS_SECONDS)

    def retry_at(self, changes, now):
        """When it may be tried: now or earlier for an active pod."""
        if not self.unschedulable():
            return 0.0
        if self.moved_since_attempt(changes, now):
            return self.attempt.backoff_until
        return self.attempt.attempted_at + MAX_IN_UNSCHEDULABLE_PODS_SECONDS


@dataclass(frozen=True)
class ClusterChanges:
    """What may make room for a waiting pod: the nodes as scheduling sees them (a digest), and
    the last revision that freed resources (an assigned pod deleted or finished)."""

    node_state: str
    freed_revision: int


class SchedulingQueue:
    def __init__(self, pods):
        self.pods = pods  # QueuedPod, in PrioritySort order

    @classmethod
    def load(cls, scheduler_name):
        """This profile's pending pods, read light: only what ordering and back-off need. Pods
        held back by scheduling gates stay out (the SchedulingGates plugin)."""
        rows = Pod.objects.unscheduled().live().values_list(
            "id", "creation_timestamp", "uid", "resource_version", "spec__priority",
            "spec__schedulerName", "spec__schedulingGates")
        # PrioritySort: higher priority first, then older; the row id orders equal timestamps.
        rows = sorted((r for r in rows if (r[5] or scheduler_name) == scheduler_name and not r[6]),
                      key=lambda r: (-(r[4] or 0), r[1], r[0]))
        uids = [r[2] for r in rows]
        attempts = {}
        for i in range(0, len(uids), UIDS_PER_QUERY):
            attempts.update((uid, Attempt(*fields)) for uid, *fields in SchedulingVerdict.objects
                            .filter(pod_uid__in=uids[i:i + UIDS_PER_QUERY])
                            .values_list("pod_uid", *Attempt.FIELDS))
        return cls([QueuedPod(uid, revision, attempts.get(uid))
                    for _, _, uid, revision, *_ in rows])

    @staticmethod
    def read(queued):
        """The whole pods of those about to be tried, in the same order; a pod deleted or bound
        meanwhile drops out."""
        pods = {}
        uids = [q.uid for q in queued]
        for i in range(0, len(uids), UIDS_PER_QUERY):
            pods.update((p["metadata"]["uid"], p) for p in Pod.objects.unscheduled().live().filter(
                uid__in=uids[i:i + UIDS_PER_QUERY]).objects())
        for q in queued:
            q.pod = pods.get(q.uid)
        return [q for q in queued if q.pod is not None]

    def cluster_changes(self, snapshot):
        """The changes the waiting pods compare with their attempts. Freed resources are looked
        for only as far back as the oldest attempt."""
        waiting = [p.attempt.revision for p in self.pods if p.unschedulable()]
        if not waiting:
            return ClusterChanges(snapshot.node_state, 0)
        since = min(waiting)
        finished = (Pod.objects.exclude(node_name="").in_phase(*TERMINAL_PHASES)
                    .filter(resource_version__gt=since).aggregate(r=Max("resource_version"))["r"])
        deleted = (WatchEvent.objects.filter(revision__gt=since, group="", kind="Pod",
                                             type=WatchEvent.DELETED)
                   .aggregate(r=Max("revision"))["r"])
        return ClusterChanges(snapshot.node_state, max(finished or 0, deleted or 0))


def verdict_row(queued, node_name, verdict, now):
    """The pod's SchedulingVerdict after this attempt, its back-off set if it did not fit."""
    attempts = (queued.attempt.attempts if queued.attempt else 0) + 1
    meta = queued.pod["metadata"]
    return SchedulingVerdict(
        pod_uid=meta["uid"], namespace=meta["namespace"], name=meta["name"], node_name=node_name,
        verdict=verdict, attempts=attempts, attempted_at=now,
        backoff_until=0.0 if node_name else now + backoff_seconds(attempts))
