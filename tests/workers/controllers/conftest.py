"""A small cluster for the workload controllers' tests: a paused clock stepped by hand, the
ReplicaSet and Deployment reconciles driven directly, and pods made Ready by hand (no kubelet
runs them here)."""
import math

import pytest

from cluster import binding, clock, kinds, store, timestamps
from cluster.models import Pod
from workers import events
from workers.controllers import deployment, replicaset

POD = kinds.BY_KIND[("", "Pod")]
REPLICA_SET = kinds.BY_KIND[("apps", "ReplicaSet")]
DEPLOYMENT = kinds.BY_KIND[("apps", "Deployment")]


def template(labels, image="nginx:1.27"):
    return {"metadata": {"labels": dict(labels)},
            "spec": {"containers": [{"name": "web", "image": image}]}}


class Cluster:
    def step(self, seconds):
        clock.step(seconds)

    def get(self, kind, name, namespace="default"):
        return store.get(kind, namespace, name)

    def pods(self, owner=None, *, terminating=False):
        """Pods by name, of one owner if given; those being deleted only if asked."""
        qs = Pod.objects.owned_by(owner["metadata"]["uid"]) if owner else Pod.objects.all()
        if not terminating:
            qs = qs.live()
        return qs.order_by("name").objects()

    def create_pod(self, name, labels, *, node=None):
        pod = store.create({"apiVersion": "v1", "kind": "Pod",
                            "metadata": {"name": name, "labels": dict(labels)},
                            "spec": template(labels)["spec"]})
        return self.bind(pod, node) if node else pod

    def bind(self, pod, node):
        """Put a pod on a node, as the scheduler does."""
        return binding.bind(pod["metadata"]["namespace"], pod["metadata"]["name"], node)

    def make_ready(self, pod, *, restarts=0):
        """What the kubelet writes once a pod's containers run and pass their readiness probe."""
        now = timestamps.timestamp(timestamps.now())

        def ready(current):
            conditions = [{"type": t, "status": "True", "lastTransitionTime": now}
                          for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")]
            current["status"] = {
                **current.get("status", {}), "phase": "Running", "startTime": now,
                "conditions": conditions,
                "containerStatuses": [{"name": "web", "image": "nginx:1.27", "imageID": "",
                                       "ready": True, "started": True, "restartCount": restarts,
                                       "state": {"running": {"startedAt": now}}}]}

        return store.guaranteed_update(POD, pod["metadata"]["namespace"], pod["metadata"]["name"],
                                       ready, subresource="status")

    def make_all_ready(self, owner):
        return [self.make_ready(p) for p in self.pods(owner) if not _ready(p)]

    def settle(self, max_rounds=50):
        """Run every ReplicaSet and Deployment reconcile until a round writes nothing (no kubelet,
        so pods stay Pending unless made ready). Returns the last round's requeue hints."""
        for _ in range(max_rounds):
            before = store.current_revision()
            hints = {}
            for module in (deployment, replicaset):
                for key in module.resync_keys():
                    hints[(module.__name__.rsplit(".", 1)[1], key)] = module.reconcile(key)
            if store.current_revision() == before:
                return {k: v for k, v in hints.items() if v is not None}
        raise AssertionError(f"the controllers did not settle in {max_rounds} rounds")

    def events(self, obj):
        """(type, reason, message) of the events about `obj`, oldest first."""
        return [(e["type"], e["reason"], e["message"]) for e in events.for_object(obj)]


def _ready(pod):
    return any(c["type"] == "Ready" and c["status"] == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


@pytest.fixture
def cluster(db):
    """Paused on a whole second, so that times written (whole seconds) are the clock's own."""
    now = clock.pause().seconds()
    clock.step(math.ceil(now) - now)
    return Cluster()
