"""The control plane's own state: what real components keep in memory or in a container runtime.

None of it is an API object: the API shows only what upstream's API shows. Times here are
simulated epoch seconds (cluster.clock).
"""
from django.db import models


class Timer(models.Model):
    """A key to reconcile again when the simulated clock reaches `due` (a requeue-after hint).

    Due times live in the database, advanced by the periodic sync, rather than in Celery ETA
    tasks, which Redis would redeliver after its visibility timeout.
    """

    controller = models.CharField(max_length=63)
    key = models.CharField(max_length=320)
    due = models.FloatField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["controller", "key"], name="timer_key")]

    def __str__(self):
        return f"{self.controller} {self.key} @ {self.due}"


class DispatchCursor(models.Model):
    """How far the dispatcher has read the change log (one row)."""

    revision = models.BigIntegerField(default=0)


class SchedulingVerdict(models.Model):
    """The scheduler's last verdict for a pod: per node, the filter that rejected it or its scores.

    Also the scheduling queue's back-off state for pods that did not fit.
    """

    pod_uid = models.CharField(max_length=36, unique=True)
    namespace = models.CharField(max_length=63)
    name = models.CharField(max_length=253)
    node_name = models.CharField(max_length=253, blank=True)  # chosen node, "" if unschedulable
    verdict = models.JSONField(default=dict)
    attempts = models.IntegerField(default=0)
    attempted_at = models.FloatField(default=0.0)
    backoff_until = models.FloatField(default=0.0)

    def __str__(self):
        return f"{self.namespace}/{self.name} → {self.node_name or 'unschedulable'}"


class PodRuntime(models.Model):
    """The simulated container runtime's record of one pod on its node (the kubelet's view)."""

    pod_uid = models.CharField(max_length=36, unique=True)
    namespace = models.CharField(max_length=63)
    name = models.CharField(max_length=253)
    node_name = models.CharField(max_length=253, db_index=True)
    state = models.JSONField(default=dict)

    def __str__(self):
        return f"{self.namespace}/{self.name} on {self.node_name}"


class Kubelet(models.Model):
    """A simulated node's kubelet: whether it runs (stop it to show self-healing), and what a real
    kubelet keeps in memory to record its node's events only on transitions: whether this run
    has started (recorded "Starting") and the spec.unschedulable it last saw
    (lastNodeUnschedulable)."""

    node_name = models.CharField(max_length=253, unique=True)
    running = models.BooleanField(default=True)
    started = models.BooleanField(default=False)
    unschedulable = models.BooleanField(default=False)

    def __str__(self):
        return f"kubelet on {self.node_name} ({'running' if self.running else 'stopped'})"
