"""autoscaling/v1 HorizontalPodAutoscalers, stored as v2: both ways, and back without loss."""
import copy

from cluster import conversion

V2 = {
    "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 1, "maxReplicas": 5,
        "metrics": [
            {"type": "Resource", "resource": {"name": "memory", "target": {
                "type": "AverageValue", "averageValue": "100Mi"}}},
            {"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": 60}}}],
        "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}},
    "status": {
        "currentReplicas": 2, "desiredReplicas": 3,
        "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageUtilization": 75, "averageValue": "75m"}}}],
        "conditions": [{"type": "AbleToScale", "status": "True", "reason": "SucceededRescale"}]},
}


def test_v1_holds_the_cpu_target_and_annotations_hold_the_rest():
    v1 = conversion.to_version(V2, "autoscaling/v1")
    assert v1["apiVersion"] == "autoscaling/v1"
    assert v1["spec"] == {"scaleTargetRef": V2["spec"]["scaleTargetRef"], "minReplicas": 1,
                          "maxReplicas": 5, "targetCPUUtilizationPercentage": 60}
    assert v1["status"] == {"currentReplicas": 2, "desiredReplicas": 3,
                            "currentCPUUtilizationPercentage": 75}
    annotations = v1["metadata"]["annotations"]
    assert set(annotations) == {conversion.METRICS, conversion.BEHAVIOR,
                                conversion.CURRENT_METRICS, conversion.CONDITIONS}
    assert V2["spec"]["metrics"][0]["resource"]["name"] == "memory"  # the original is untouched


def test_a_round_trip_through_v1_loses_nothing():
    back = conversion.to_storage(conversion.to_version(V2, "autoscaling/v1"))
    expected = copy.deepcopy(V2)
    expected["spec"]["metrics"] = expected["spec"]["metrics"][::-1]  # the CPU target comes first
    assert back == expected


def test_what_kubectl_autoscale_sends_becomes_a_cpu_metric():
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
          "metadata": {"name": "web"},
          "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5,
                   "targetCPUUtilizationPercentage": 50}}
    v2 = conversion.to_storage(v1)
    assert v2["apiVersion"] == "autoscaling/v2" and "annotations" not in v2["metadata"]
    assert v2["spec"]["metrics"] == [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 50}}}]


def test_other_kinds_and_versions_pass_through():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
    assert conversion.to_storage(pod) is pod
    assert conversion.to_version(V2, "autoscaling/v2") is V2
    listed = conversion.converted({"kind": "PodList", "apiVersion": "v1", "items": [pod]},
                                  "autoscaling/v1")
    assert listed["apiVersion"] == "v1" and listed["items"] == [pod]
