"""The measurements behind `manage.py bench_control_plane`.

Each runs the real control loops, in this process, through workers.inline (the same dispatcher,
timers and reconciles Celery workers run), against Django's default connection, which the command
has pointed at a throwaway database. Each returns plain numbers; the command prints them.
"""
import resource
import time

from django.db import transaction

from cluster import kinds, store
from cluster.models import ApiObject, Pod

from . import inline, operations
from .kubelet import kubelet
from .scheduler import scheduler

DEPLOYMENT = kinds.lookup("deployments")


def add_nodes(n, cpu="64", memory="256Gi", pods="110"):
    with transaction.atomic():
        for i in range(n):
            operations.add_node(f"node-{i:05d}", cpu=cpu, memory=memory, pods=pods)


def pending_pods(n, batch=500):
    """`n` unscheduled pods, as a controller would create them."""
    for start in range(0, n, batch):
        with transaction.atomic():
            for i in range(start, min(n, start + batch)):
                store.create({
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": f"pending-{i:05d}", "labels": {"app": "bench"}},
                    "spec": {"containers": [{
                        "name": "app", "image": "registry.k8s.io/pause:3.10",
                        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]},
                })


def scheduling_rate():
    """Pods bound per second by the scheduling loop until none is pending."""
    pending = Pod.objects.unscheduled().count()
    start = time.perf_counter()
    while (result := scheduler.reconcile("queue")) and result.requeue_after == 0:
        pass  # more pods were ready than one pass takes: the loop goes on from a new snapshot
    bound = pending - Pod.objects.unscheduled().count()
    return bound / (time.perf_counter() - start)


def clear_cluster():
    """Back to an empty cluster (but its namespaces) between measurements."""
    from .models import DispatchCursor, Kubelet, PodRuntime, SchedulingVerdict, Timer

    ApiObject.objects.exclude(kind="Namespace").delete()
    for model in (Kubelet, PodRuntime, SchedulingVerdict, Timer):
        model.objects.all().delete()
    DispatchCursor.objects.update(revision=store.current_revision())


def deployment_to_running(replicas):
    """Seconds from applying a Deployment of `replicas` to every pod Running and Ready."""
    labels = {"app": "bench"}
    start = time.perf_counter()
    store.create({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bench"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [{
                     "name": "app", "image": "registry.k8s.io/pause:3.10",
                     "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}},
    })
    inline.run_until_idle()
    elapsed = time.perf_counter() - start
    running = Pod.objects.in_phase("Running").count()
    return elapsed, running


def kubelet_memory(nodes):
    """Peak RSS growth (bytes) of this process while `nodes` kubelets register and sync once."""
    before = _peak_rss()
    add_nodes(nodes, cpu="4", memory="8Gi")
    for i in range(nodes):
        kubelet.reconcile(f"node-{i:05d}")
    return _peak_rss() - before


def _peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
