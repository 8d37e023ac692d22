"""cluster.printers.autoscaling: horizontal pod autoscalers' targets."""
from cluster.printers.autoscaling import hpa_metric

from .objects import meta, row


def hpa(metrics, current=(), min_replicas=2):
    spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "maxReplicas": 10, "metrics": metrics}
    if min_replicas is not None:
        spec["minReplicas"] = min_replicas
    return {"metadata": meta(), "spec": spec,
            "status": {"currentReplicas": 3, "currentMetrics": list(current)}}


def resource_metric(name, **target):
    return {"type": "Resource", "resource": {"name": name, "target": target}}


def test_horizontal_pod_autoscaler_rows():
    cpu = resource_metric("cpu", type="Utilization", averageUtilization=80)
    observed = {"type": "Resource", "resource": {
        "name": "cpu", "current": {"averageUtilization": 45, "averageValue": "90m"}}}
    assert row("HorizontalPodAutoscaler", hpa([cpu], [observed])) == [
        "web", "Deployment/web", "cpu: 45%/80%", "2", 10, 3, "5m"]
    assert row("HorizontalPodAutoscaler", hpa([cpu], min_replicas=None))[2:4] == [
        "cpu: <unknown>/80%", "<unset>"]
    assert row("HorizontalPodAutoscaler", hpa([]))[2] == "<none>"


def test_every_kind_of_hpa_metric():
    memory = resource_metric("memory", type="AverageValue", averageValue="1Gi")
    pods = {"type": "Pods", "pods": {"metric": {"name": "qps"},
                                     "target": {"type": "AverageValue", "averageValue": "0.5"}}}
    external = {"type": "External", "external": {
        "metric": {"name": "queue"}, "target": {"type": "Value", "value": "30"}}}
    obj = {"type": "Object", "object": {
        "metric": {"name": "hits"}, "target": {"type": "AverageValue", "averageValue": "10"}}}
    auto = {"type": "ContainerResource", "containerResource": {
        "name": "cpu", "container": "app", "target": {"type": "Utilization"}}}
    current = [
        {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "512Mi"}}},
        {"type": "Pods", "pods": {"current": {"averageValue": "250m"}}},
        {"type": "External", "external": {"current": {"value": "12"}}},
    ]
    targets = row("HorizontalPodAutoscaler", hpa([memory, pods], current))[2]
    assert targets == "memory: 512Mi/1Gi, 250m/500m"
    more = row("HorizontalPodAutoscaler", hpa([memory, pods, external, obj], current))[2]
    assert more == "memory: 512Mi/1Gi, 250m/500m + 2 more..."
    rest = hpa([external, obj, auto], [{}, {}, {"type": "ContainerResource"}])
    assert [hpa_metric(m, None) for m in rest["spec"]["metrics"]] == [
        "<unknown>/30", "<unknown>/10 (avg)", "cpu: <unknown>/<auto>"]
    assert hpa_metric({"type": "Custom"}, None) == "<unknown type>"
