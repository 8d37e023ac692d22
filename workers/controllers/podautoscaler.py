"""The horizontal pod autoscaler (pkg/controller/podautoscaler/horizontal.go).

reconcile(key) is upstream's reconcileAutoscaler, run every 15 s of cluster time: read the scale
target's replicas, turn each metric into a replica proposal (.replicacalculator), take the
largest, stabilize it against recent recommendations and limit its rate, clamp it to
min/maxReplicas, scale the target (its spec.replicas, what the scale subresource writes) and
write the status with its three conditions.

Metrics are the simulated usage `kubectl top` shows (metrics.k8s.io): Resource and
ContainerResource metrics work; Pods, Object and External metrics need a custom or external
metrics API, which a Kubesim cluster has none of, and fail as they would upstream without one.
Upstream keeps recent recommendations and scale events in the controller's memory; here they are
kept in workers.models.AutoscalerHistory so that every worker sees them.
"""
from cluster import clock, kinds, selectors, store, timestamps
from cluster.defaults import HPA_DEFAULT_METRIC, HPA_SCALE_RULES
from cluster.errors import NotFound
from cluster.models import WatchEvent

from .. import events
from ..models import AutoscalerHistory
from ..result import Result, key_of, split_key
from . import replicacalculator as calculator
from .replicacalculator import MetricError

HPA = kinds.BY_KIND[("autoscaling", "HorizontalPodAutoscaler")]
COMPONENT = "horizontal-pod-autoscaler"
SYNC_SECONDS = 15  # --horizontal-pod-autoscaler-sync-period


def reconcile(key):
    namespace, name = split_key(key)
    try:
        hpa = store.get(HPA, namespace, name)
    except NotFound:
        AutoscalerHistory.objects.filter(namespace=namespace, name=name).delete()
        return None
    autoscaling = Autoscaling(hpa)
    if autoscaling.history.pk is None:
        # Upstream queues every HPA with the resync period's delay, a new one too: its first
        # sync comes 15 s after it was made.
        autoscaling.history.save()
    else:
        autoscaling.run()
    return Result.after(SYNC_SECONDS)


class Autoscaling:
    """One reconcile of one HorizontalPodAutoscaler: its new status, built up as it goes."""

    def __init__(self, hpa):
        self.hpa, self.spec = hpa, hpa["spec"]
        self.status = dict(hpa.get("status") or {})
        self.conditions = {c["type"]: c for c in self.status.get("conditions") or ()}
        self.now = clock.now()
        self.history = AutoscalerHistory.of(hpa)

    def run(self):
        ref = self.spec.get("scaleTargetRef") or {}
        target_kind, target = _scale_target(self.hpa["metadata"]["namespace"], ref)
        if target is None:
            message = f'{target_kind.plural}/scale.{target_kind.group} "{ref.get("name", "")}" ' \
                      "not found" if target_kind else f'no matches for kind "{ref.get("kind")}"'
            self._warn("FailedGetScale", message)
            self._condition("AbleToScale", "False", "FailedGetScale",
                            f"the HPA controller was unable to get the target's current scale: "
                            f"{message}")
            return self._write_status()
        current = (target.get("spec") or {}).get("replicas", 1)
        desired, reason = self._desired_replicas(target, current)
        if desired is not None and desired != current:
            self._rescale(target_kind, target, current, desired, reason)
        self.status["currentReplicas"] = (target.get("status") or {}).get("replicas", 0)
        if desired is not None:
            self.status["desiredReplicas"] = desired
        self.status.setdefault("desiredReplicas", 0)
        return self._write_status()

    # --- the replica count ----------------------------------------------------------------------

    def _desired_replicas(self, target, current):
        """(replicas, rescale reason); replicas None when no metric gave a proposal."""
        minimum, maximum = self.spec.get("minReplicas", 1), self.spec["maxReplicas"]
        if current == 0 and minimum != 0:
            self._condition("ScalingActive", "False", "ScalingDisabled",
                            "scaling is disabled since the replica count of the target is zero")
            return 0, ""
        if current > maximum:
            return maximum, "Current number of replicas above Spec.MaxReplicas"
        if current < minimum:
            return minimum, "Current number of replicas below Spec.MinReplicas"
        proposal, metric_name = self._replicas_for_metrics(target, current)
        if proposal is None:
            return None, ""
        if self.spec.get("behavior") is None:
            desired = self._normalize(current, proposal, minimum, maximum)
        else:
            desired = self._normalize_with_behaviors(current, proposal, minimum, maximum)
        reason = f"{metric_name} above target" if desired > current else "All metrics below target"
        return desired, reason

    def _replicas_for_metrics(self, target, current):
        """computeReplicasForMetrics: the largest proposal, with its metric's name."""
        specs = self.spec.get("metrics") or [HPA_DEFAULT_METRIC]
        selector = selectors.from_label_selector((target.get("spec") or {}).get("selector"))
        pods = calculator.pods_of(self.hpa["metadata"]["namespace"], selector)
        statuses, best, best_name, errors = [], None, "", []
        for spec in specs:
            try:
                proposal, status, name = calculator.replicas_for_metric(spec, pods, current)
            except MetricError as error:
                self._warn(error.reason, str(error))
                errors.append(error)
                statuses.append({"type": ""})  # kubectl shows <unknown> for it
                continue
            statuses.append(status)
            if best is None or proposal > best:
                best, best_name = proposal, name
        self.status["currentMetrics"] = statuses
        if errors:
            first = errors[0]
            self._condition("ScalingActive", "False", first.reason,
                            f"the HPA was unable to compute the replica count: {first}")
            if best is None:
                self._warn("FailedComputeMetricsReplicas",
                           f"invalid metrics ({len(errors)} invalid out of {len(specs)}), "
                           f"first error is: {first}")
                return None, ""
        else:
            self._condition("ScalingActive", "True", "ValidMetricFound",
                            f"the HPA was able to successfully calculate a replica count from "
                            f"{best_name}")
        return best, best_name

    def _normalize(self, current, proposal, minimum, maximum):
        """normalizeDesiredReplicas: no behavior given, the controller's own rules."""
        stabilized = self.history.stabilize(
            proposal, self._seconds(), HPA_SCALE_RULES["scaleDown"]["stabilizationWindowSeconds"])
        if stabilized != proposal:
            self._condition("AbleToScale", "True", *_SCALE_DOWN_STABILIZED)
        else:
            self._ready_for_new_scale()
        scale_up_limit = max(2 * current, 4)  # scaleUpLimitFactor, scaleUpLimitMinimum
        if maximum > scale_up_limit:
            ceiling, limited = scale_up_limit, _SCALE_UP_LIMIT
        else:
            ceiling, limited = maximum, _TOO_MANY
        if stabilized < minimum:
            return self._limited(minimum, _TOO_FEW)
        if stabilized > ceiling:
            return self._limited(ceiling, limited)
        return self._within_range(stabilized)

    def _normalize_with_behaviors(self, current, proposal, minimum, maximum):
        """normalizeDesiredReplicasWithBehaviors: spec.behavior's windows and policies."""
        behavior = self.spec["behavior"]
        # Defaulted on write (cluster.defaults); merged again for an HPA stored before that.
        up = {**HPA_SCALE_RULES["scaleUp"], **(behavior.get("scaleUp") or {})}
        down = {**HPA_SCALE_RULES["scaleDown"], **(behavior.get("scaleDown") or {})}
        stabilized = self.history.stabilize_with_behaviors(
            current, proposal, self._seconds(), up["stabilizationWindowSeconds"],
            down["stabilizationWindowSeconds"])
        if stabilized != proposal:
            self._condition("AbleToScale", "True", *(
                _SCALE_UP_STABILIZED if proposal >= current else _SCALE_DOWN_STABILIZED))
        else:
            self._ready_for_new_scale()
        now = self._seconds()
        if stabilized > current:
            limit = max(self.history.scale_up_limit(current, up, now), current)
            if maximum > limit:
                ceiling, limited = limit, _SCALE_UP_LIMIT
            else:
                ceiling, limited = maximum, _TOO_MANY
            if stabilized > ceiling:
                return self._limited(ceiling, limited)
        elif stabilized < current:
            limit = min(self.history.scale_down_limit(current, down, now), current)
            if minimum < limit:
                floor, limited = limit, _SCALE_DOWN_LIMIT
            else:
                floor, limited = minimum, _TOO_FEW
            if stabilized < floor:
                return self._limited(floor, limited)
        return self._within_range(stabilized)

    def _limited(self, replicas, why):
        self._condition("ScalingLimited", "True", *why)
        return replicas

    def _within_range(self, replicas):
        self._condition("ScalingLimited", "False", "DesiredWithinRange",
                        "the desired count is within the acceptable range")
        return replicas

    def _ready_for_new_scale(self):
        self._condition("AbleToScale", "True", "ReadyForNewScale",
                        "recommended size matches current size")

    # --- acting -----------------------------------------------------------------------------------

    def _rescale(self, target_kind, target, current, desired, reason):
        meta = target["metadata"]

        def set_replicas(obj):
            obj["spec"]["replicas"] = desired

        store.guaranteed_update(target_kind, meta["namespace"], meta["name"], set_replicas)
        if self.spec.get("behavior") is not None:
            self.history.record_scale(desired - current, self._seconds())
        self._condition("AbleToScale", "True", "SucceededRescale",
                        f"the HPA controller was able to update the target scale to {desired}")
        self.status["lastScaleTime"] = timestamps.timestamp(self.now.replace(microsecond=0))
        events.record(self.hpa, events.NORMAL, "SuccessfulRescale",
                      f"New size: {desired}; reason: {reason}", component=COMPONENT)

    def _write_status(self):
        self.history.save()
        order = ("AbleToScale", "ScalingActive", "ScalingLimited")
        self.status["conditions"] = [self.conditions[t] for t in order if t in self.conditions]
        if self.status != (self.hpa.get("status") or {}):
            try:
                store.update({**self.hpa, "status": self.status}, subresource="status")
            except NotFound:
                pass  # deleted meanwhile

    def _condition(self, kind, status, reason, message):
        """setCondition: the transition time moves only when the status does."""
        old = self.conditions.get(kind)
        moved = old is None or old.get("status") != status
        self.conditions[kind] = {
            "type": kind, "status": status,
            "lastTransitionTime": timestamps.timestamp(self.now.replace(microsecond=0))
            if moved else old["lastTransitionTime"],
            "reason": reason, "message": message}

    def _warn(self, reason, message):
        events.record(self.hpa, events.WARNING, reason, message, component=COMPONENT)

    def _seconds(self):
        return self.now.timestamp()


# (reason, message) of the AbleToScale and ScalingLimited conditions, in upstream's words.
_SCALE_UP_STABILIZED = (
    "ScaleUpStabilized",
    "recent recommendations were lower than current one, applying the lowest recent recommendation")
_SCALE_DOWN_STABILIZED = (
    "ScaleDownStabilized",
    ("recent recommendations were higher than current one, applying the highest recent "
    "recommendation"))
_SCALE_UP_LIMIT = (
    "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
_SCALE_DOWN_LIMIT = (
    "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
_TOO_MANY = ("TooManyReplicas", "the desired replica count is more than the maximum replica count")
_TOO_FEW = ("TooFewReplicas", "the desired replica count is less than the minimum replica count")


def _scale_target(namespace, ref):
    """(Kind, object) of a scaleTargetRef; the object is None if it does not exist."""
    group = kinds.split_api_version(ref.get("apiVersion", ""))[0]
    kind = kinds.BY_KIND.get((group, ref.get("kind", "")))
    if kind is None or "scale" not in kind.subresources:
        return None, None
    try:
        return kind, store.get(kind, namespace, ref.get("name", ""))
    except NotFound:
        return kind, None


def keys_for(event_type, obj):
    """A new HPA (to start its syncs) and a deleted one (to forget its history). Changes wait for
    the next sync, every SYNC_SECONDS: a sync woken by its own status write would measure pods
    that were made a moment ago."""
    is_hpa = obj.get("kind") == HPA.kind and obj.get("apiVersion") == HPA.api_version
    return [key_of(obj)] if is_hpa and event_type != WatchEvent.MODIFIED else []


def resync_keys():
    from cluster.models import ApiObject

    return [f"{ns}/{name}" for ns, name in
            ApiObject.objects.of_kind(HPA).values_list("namespace", "name")]
