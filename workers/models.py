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


class AutoscalerHistory(models.Model):
    """What the horizontal pod autoscaler remembers of one HPA between syncs: its recent
    replica recommendations (for the stabilization windows) and, when it has a behavior, its
    recent scale events (for the rate policies). Entries are [seconds, value]."""

    hpa_uid = models.CharField(max_length=36, unique=True)
    namespace = models.CharField(max_length=63)
    name = models.CharField(max_length=253)
    recommendations = models.JSONField(default=list)
    scale_events = models.JSONField(default=list)

    def __str__(self):
        return f"autoscaler history of {self.namespace}/{self.name}"

    @classmethod
    def of(cls, hpa):
        meta = hpa["metadata"]
        found = cls.objects.filter(hpa_uid=meta["uid"]).first()
        return found or cls(hpa_uid=meta["uid"], namespace=meta["namespace"], name=meta["name"])

    def stabilize(self, proposal, now, window):
        """stabilizeRecommendation: the highest recommendation within the window, this one
        included; this one is recorded in place of one that aged out."""
        recent = [r for t, r in self.recommendations if t >= now - window]
        self._record(proposal, now, window)
        return max([proposal, *recent])

    def stabilize_with_behaviors(self, current, proposal, now, up_window, down_window):
        """stabilizeRecommendationWithBehaviors: no higher than the lowest recommendation of the
        scale-up window, no lower than the highest of the scale-down window."""
        up = min([proposal, *(r for t, r in self.recommendations if t > now - up_window)])
        down = max([proposal, *(r for t, r in self.recommendations if t > now - down_window)])
        self._record(proposal, now, max(up_window, down_window))
        return min(max(current, up), down)

    def _record(self, proposal, now, window):
        self.recommendations = [[t, r] for t, r in self.recommendations if t >= now - window]
        self.recommendations.append([now, proposal])

    def record_scale(self, change, now):
        # A policy's period is at most 1800 s (validation): older events never count again.
        self.scale_events = [[t, c] for t, c in self.scale_events if t > now - 1800]
        self.scale_events.append([now, change])

    def _changed_within(self, seconds, now, up):
        """getReplicasChangePerPeriod: replicas added (up) or removed within the period."""
        return sum(abs(c) for t, c in self.scale_events if t > now - seconds and (c > 0) == up)

    def _period_start(self, current, seconds, now):
        return (current - self._changed_within(seconds, now, True)
                + self._changed_within(seconds, now, False))

    def scale_up_limit(self, current, rules, now):
        """calculateScaleUpLimitWithScalingRules."""
        if rules.get("selectPolicy") == "Disabled":
            return current
        proposals = []
        for policy in rules.get("policies") or ():
            start = self._period_start(current, policy["periodSeconds"], now)
            proposals.append(start + policy["value"] if policy["type"] == "Pods"
                             else -(-start * (100 + policy["value"]) // 100))  # rounded up
        pick = min if rules.get("selectPolicy") == "Min" else max
        return pick(proposals) if proposals else current

    def scale_down_limit(self, current, rules, now):
        """calculateScaleDownLimitWithBehaviors."""
        if rules.get("selectPolicy") == "Disabled":
            return current
        proposals = []
        for policy in rules.get("policies") or ():
            start = self._period_start(current, policy["periodSeconds"], now)
            proposals.append(start - policy["value"] if policy["type"] == "Pods"
                             else int(start * (1 - policy["value"] / 100)))
        pick = max if rules.get("selectPolicy") == "Min" else min
        return pick(proposals) if proposals else current

