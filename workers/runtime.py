"""Running control loops: the controllers by name, and how one key gets reconciled.

`add(controller, key)` queues a key (deduplicated); `process(controller, key)` is what a worker does
with it: take the key's lock, call the controller's `reconcile(key)`, then act on its hint — a
Result.after(seconds) becomes a Timer, a Conflict requeues the key, a change that arrived meanwhile
runs it again. The Celery task and the synchronous driver both come here.
"""
import importlib
import logging
from functools import cache

from cluster.errors import Conflict

from . import coordination, timers

logger = logging.getLogger(__name__)

# Each module has reconcile(key), keys_for(event_type, obj) and optionally resync_keys().
CONTROLLERS = {
    "scheduler": "workers.scheduler.scheduler",
    "kubelet": "workers.kubelet.kubelet",
    "replicaset": "workers.controllers.replicaset",
    "deployment": "workers.controllers.deployment",
    "nodelifecycle": "workers.controllers.nodelifecycle",
    "garbagecollector": "workers.controllers.garbagecollector",
    "namespace": "workers.controllers.namespace",
    "serviceaccount": "workers.controllers.serviceaccounts",
    "root-ca-cert-publisher": "workers.controllers.rootcacertpublisher",
    "horizontalpodautoscaling": "workers.controllers.podautoscaler",
    "endpointslice": "workers.controllers.endpointslice",
    "endpoints": "workers.controllers.endpoints",
    "kubernetes-service": "workers.controllers.kubernetesservice",
    "job": "workers.controllers.job",  # with ttlSecondsAfterFinished (the TTL-after-finished one)
    "cronjob": "workers.controllers.cronjob",
    "daemonset": "workers.controllers.daemonset",
    "statefulset": "workers.controllers.statefulset",
}


@cache
def controller(name):
    return importlib.import_module(CONTROLLERS[name])


def controllers():
    return {name: controller(name) for name in CONTROLLERS}


def _submit_to_celery(name, key):
    from .tasks import reconcile

    reconcile.delay(name, key)


_submit = _submit_to_celery


def submit_with(fn):
    """Send queued keys to `fn(controller, key)` instead of Celery; returns the previous sender."""
    global _submit
    previous, _submit = _submit, fn
    return previous


def _item(name, key):
    return f"{name}|{key}"


def add(name, key):
    """Queue a key unless it already waits: a burst of changes costs one reconcile."""
    if coordination.backend().mark_queued(_item(name, key)):
        _submit(name, key)


def process(name, key):
    """Reconcile one key, at most one worker at a time (client-go's processNextWorkItem)."""
    item, queue = _item(name, key), coordination.backend()
    queue.unmark_queued(item)
    queue.mark_dirty(item)  # before the lock: if another holds it, it will see this and rerun
    token = queue.acquire(item)
    if token is None:
        return
    queue.take_dirty(item)
    again = False
    try:
        result = controller(name).reconcile(key)
        if result is not None and result.requeue_after is not None:
            timers.schedule(name, key, result.requeue_after)
    except Conflict:
        again = True  # the world moved on between our read and our write: look again
    finally:
        queue.release(item, token)
    if queue.take_dirty(item) or again:
        add(name, key)
