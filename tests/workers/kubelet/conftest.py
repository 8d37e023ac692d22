"""A paused cluster clock at T0, node-1 of the demo cluster, and pods bound to it."""
from datetime import UTC, datetime

import pytest

from cluster import clock, kinds, store
from cluster.management.commands.seed_demo import demo_objects
from cluster.models import ClusterState
from workers import events
from workers.kubelet import kubelet

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC).timestamp()
POD = kinds.lookup("pods")
NODE = kinds.lookup("nodes")


def stamp(offset):
    """The API timestamp of T0 + offset seconds."""
    return datetime.fromtimestamp(T0 + offset, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(autouse=True)
def paused_clock(db):
    ClusterState.objects.filter(pk=1).update(clock_paused=True, clock_sim_anchor=T0)


@pytest.fixture
def node():
    demo = next(o for o in demo_objects() if o["metadata"]["name"] == "node-1")
    return store.create(demo)


@pytest.fixture
def make_pod(node):
    def make(name="web", containers=None, *, image="nginx:1.27", annotations=None, **spec):
        containers = containers or [{"name": "app", "image": image}]
        meta = {"name": name, **({"annotations": annotations} if annotations else {})}
        return store.create({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                             "spec": {"nodeName": "node-1", "containers": containers, **spec}})
    return make


@pytest.fixture
def sync():
    """Reconcile node-1's kubelet; returns its requeue hint in seconds."""
    def run():
        result = kubelet.reconcile("node-1")
        return None if result is None else result.requeue_after
    return run


@pytest.fixture
def step(sync):
    """Move the clock on, then let the kubelet catch up."""
    def run(seconds):
        clock.step(seconds)
        return sync()
    return run


def get(name="web"):
    return store.get(POD, "default", name)


def container(pod, name="app"):
    return next(s for s in pod["status"]["containerStatuses"] if s["name"] == name)


def conditions(pod):
    return {c["type"]: c["status"] for c in pod["status"]["conditions"]}


def reasons(pod):
    """The pod's events as (reason, message), oldest first."""
    return [(e["reason"], e["message"]) for e in events.for_object(pod)]


def now():
    return clock.current().seconds()


def pod_due(name="web"):
    """Seconds until the kubelet's record of the pod next changes by itself."""
    from workers.kubelet import lifecycle
    from workers.models import PodRuntime

    due = lifecycle.due(PodRuntime.objects.get(name=name).state)
    return None if due is None else round(due - now(), 6)
