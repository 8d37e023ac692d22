"""The HPA's replica calculator (pkg/controller/podautoscaler/replica_calculator.go), over the
simulated usage that metrics.k8s.io reports (`kubectl top`).

Values are milli-units as upstream's metrics client gives them: millicores of CPU, thousandths
of a byte of memory.
"""
import math
from datetime import timedelta

from cluster import clock, timestamps
from cluster.models import Pod
from cluster.quantity import format_quantity, int_value, millicores, parse_quantity
from workers.kubelet.usage import WINDOW_SECONDS, pod_usage

from . import podutil

TOLERANCE = 0.1  # --horizontal-pod-autoscaler-tolerance
CPU_INITIALIZATION_SECONDS = 300  # --horizontal-pod-autoscaler-cpu-initialization-period
INITIAL_READINESS_DELAY_SECONDS = 30  # --horizontal-pod-autoscaler-initial-readiness-delay
NO_CUSTOM_METRICS = ("unable to fetch metrics from custom metrics API: no custom metrics API "
                     "(custom.metrics.k8s.io) registered")


class MetricError(Exception):
    """A metric that gave no proposal: the event reason upstream records, and its message."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


def pods_of(namespace, selector):
    """The pods the scale target's selector picks, as the pod lister lists them."""
    found = Pod.objects.in_namespace(namespace).filter(selector.to_q()).objects()
    return [p for p in found if selector.matches(p)]


def replicas_for_metric(spec, pods, current):
    """(replica proposal, MetricStatus, metric name) for one MetricSpec; MetricError if none."""
    kind = spec.get("type", "")
    if kind in ("Resource", "ContainerResource"):
        source = spec.get("resource" if kind == "Resource" else "containerResource") or {}
        container = source.get("container") if kind == "ContainerResource" else None
        reason = f"FailedGet{kind}Metric"
        try:
            proposal, current_value, name = _resource(source, pods, current, container)
        except _Failed as failed:
            raise MetricError(reason, str(failed)) from None
        key = "resource" if kind == "Resource" else "containerResource"
        status_source = {"name": source["name"], "current": current_value}
        if container:
            status_source = {"name": source["name"], "container": container,
                             "current": current_value}
        return proposal, {"type": kind, key: status_source}, name
    metric = ((spec.get(kind[:1].lower() + kind[1:]) or {}).get("metric") or {}).get("name", "")
    raise MetricError(f"FailedGet{kind}Metric", f"unable to get metric {metric}: "
                      f"{NO_CUSTOM_METRICS if kind != 'External' else _NO_EXTERNAL}")


_NO_EXTERNAL = ("unable to fetch metrics from external metrics API: no external metrics API "
                "(external.metrics.k8s.io) registered")


class _Failed(Exception):
    pass


def _resource(source, pods, current, container):
    name, target = source.get("name", ""), source.get("target") or {}
    if target.get("averageValue") is not None:
        average = _milli(name, target["averageValue"])
        try:
            proposal, raw = _plain_replicas(name, pods, current, average, container)
        except _Failed as inner:
            raise _Failed(f"failed to get {name} usage: {inner}") from None
        return proposal, {"averageValue": _quantity(raw)}, f"{name} resource"
    if target.get("averageUtilization") is None:
        raise _Failed("invalid resource metric source: neither an average utilization target "
                      "nor an average value (usage) target was set")
    try:
        proposal, utilization, raw = _utilization_replicas(
            name, pods, current, target["averageUtilization"], container)
    except _Failed as inner:
        raise _Failed(f"failed to get {name} utilization: {inner}") from None
    what = "container resource" if container else "resource"
    return (proposal, {"averageUtilization": utilization, "averageValue": _quantity(raw)},
            f"{name} {what} utilization (percentage of request)")


def _utilization_replicas(name, pods, current, target, container):
    """GetResourceReplicas: the replicas that bring average utilization to the target."""
    metrics = _metrics(name, pods, container)
    ready, unready, missing = _group_pods(pods, metrics, name)
    requests = _requests(name, pods, container)
    if not metrics:
        raise _Failed("did not receive metrics for any ready pods")
    ratio, utilization, raw = _utilization_ratio(metrics, requests, target)
    rebalance_unready = unready and ratio > 1.0
    if not rebalance_unready and not missing:
        if abs(1.0 - ratio) <= TOLERANCE:
            return current, utilization, raw
        return math.ceil(ratio * ready), utilization, raw
    for pod_name in missing:  # a scale-down counts them at their request, a scale-up at nothing
        metrics[pod_name] = requests.get(pod_name, 0) if ratio < 1.0 else 0
    if rebalance_unready:
        metrics.update(dict.fromkeys(unready, 0))
    new_ratio = _utilization_ratio(metrics, requests, target)[0]
    return _rebalanced(current, ratio, new_ratio, len(metrics)), utilization, raw


def _plain_replicas(name, pods, current, target, container):
    """GetRawResourceReplicas: the replicas that bring the average usage to the target."""
    metrics = _metrics(name, pods, container)
    ready, unready, missing = _group_pods(pods, metrics, name)
    if not metrics:
        raise _Failed("did not receive metrics for any ready pods")
    ratio, average = _average_ratio(metrics, target)
    rebalance_unready = unready and ratio > 1.0
    if not rebalance_unready and not missing:
        if abs(1.0 - ratio) <= TOLERANCE:
            return current, average
        return math.ceil(ratio * ready), average
    for pod_name in missing:
        metrics[pod_name] = target if ratio < 1.0 else 0
    if rebalance_unready:
        metrics.update(dict.fromkeys(unready, 0))
    new_ratio = _average_ratio(metrics, target)[0]
    return _rebalanced(current, ratio, new_ratio, len(metrics)), average


def _rebalanced(current, ratio, new_ratio, count):
    """With missing or unready pods counted in: no change if that would flip the direction."""
    if abs(1.0 - new_ratio) <= TOLERANCE or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return current
    proposal = math.ceil(new_ratio * count)
    if (new_ratio < 1.0 and proposal > current) or (new_ratio > 1.0 and proposal < current):
        return current
    return proposal


def _utilization_ratio(metrics, requests, target):
    """GetResourceUtilizationRatio: (ratio, utilization %, average raw value)."""
    counted = [(value, requests[pod]) for pod, value in metrics.items() if pod in requests]
    total_requests = sum(r for _, r in counted)
    if not total_requests:
        raise _Failed("no metrics returned matched known pods")
    utilization = sum(v for v, _ in counted) * 100 // total_requests
    return utilization / target, utilization, sum(v for v, _ in counted) // len(counted)


def _average_ratio(metrics, target):
    """GetMetricUsageRatio: (ratio, average value)."""
    average = sum(metrics.values()) // len(metrics)
    return average / target, average


def _metrics(name, pods, container):
    """{pod name: milli-value} of the running pods, as metrics-server reports them."""
    found = {}
    for pod in pods:
        if (pod.get("status") or {}).get("phase") != "Running":
            continue
        spec = pod["spec"]
        if container is not None:
            containers = [c for c in spec.get("containers") or () if c["name"] == container]
            if not containers:
                continue
            pod = {**pod, "spec": {**spec, "containers": containers, "initContainers": []}}
        used = pod_usage(pod).get(name)
        if used is not None:
            found[pod["metadata"]["name"]] = used if name == "cpu" else used * 1000
    if not found:
        raise _Failed(f"unable to get metrics for resource {name}: no metrics returned from "
                      "resource metrics API")
    return found


def _group_pods(pods, metrics, name):
    """groupPods: (ready count, unready pod names, missing pod names); the metrics of pods that
    do not count are dropped."""
    ready, unready, missing = 0, [], []
    now = clock.now()
    for pod in pods:
        pod_name, phase = pod["metadata"]["name"], (pod.get("status") or {}).get("phase")
        if pod["metadata"].get("deletionTimestamp") or phase == "Failed":
            metrics.pop(pod_name, None)
        elif phase == "Pending":
            unready.append(pod_name)
            metrics.pop(pod_name, None)
        elif pod_name not in metrics:
            missing.append(pod_name)
        elif name == "cpu" and _unready_for_cpu(pod, now):
            unready.append(pod_name)
            metrics.pop(pod_name)
        else:
            ready += 1
    return ready, unready, missing


def _unready_for_cpu(pod, now):
    """A CPU sample not to trust: a pod not ready, or one starting up (its first minutes burn
    CPU that says nothing about load)."""
    condition, started = podutil.ready_condition(pod), (pod.get("status") or {}).get("startTime")
    if condition is None or not started:
        return True
    started, changed = timestamps.parse(started), timestamps.parse(condition["lastTransitionTime"])
    if started + timedelta(seconds=CPU_INITIALIZATION_SECONDS) > now:
        return condition["status"] == "False" or now < changed + timedelta(seconds=WINDOW_SECONDS)
    return condition["status"] == "False" and (
        started + timedelta(seconds=INITIAL_READINESS_DELAY_SECONDS) > changed)


def _requests(name, pods, container):
    """calculatePodRequests: {pod name: milli-value}; every container must request it."""
    requests = {}
    for pod in pods:
        total = 0
        for ctr in pod["spec"].get("containers") or ():
            if container is not None and ctr["name"] != container:
                continue
            request = ((ctr.get("resources") or {}).get("requests") or {}).get(name)
            if request is None:
                raise _Failed(f"missing request for {name} in container {ctr['name']} of Pod "
                              f"{pod['metadata']['name']}")
            total += _milli(name, request)
        requests[pod["metadata"]["name"]] = total
    return requests


def _milli(name, quantity):
    return millicores(quantity) if name == "cpu" else int_value(quantity) * 1000


def _quantity(milli_value):
    """resource.NewMilliQuantity(value, DecimalSI), as the status shows it."""
    return format_quantity(parse_quantity(f"{milli_value}m"))
