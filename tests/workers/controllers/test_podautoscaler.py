"""The horizontal pod autoscaler against the whole simulated control plane on a stepped clock:
pods use what their kubesim.io/cpu annotation says, as `kubectl top` shows it."""
import pytest

from cluster import clock, kinds, store
from cluster.management.commands.seed_demo import seed
from cluster.models import Event
from workers import inline
from workers.models import AutoscalerHistory

pytestmark = pytest.mark.django_db

DEPLOYMENT = kinds.lookup("deployments")
HPA = kinds.lookup("horizontalpodautoscalers")
POD = kinds.lookup("pods")
UP = "cpu resource utilization (percentage of request) above target"


@pytest.fixture(autouse=True)
def demo():
    clock.pause()
    seed()


def deployment(replicas, cpu_used, request="100m"):
    resources = {"requests": {"cpu": request}} if request else {}
    store.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                           "template": {
                               "metadata": {"labels": {"app": "web"},
                                            "annotations": {"kubesim.io/cpu": cpu_used}},
                               "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                                        "resources": resources}]}}}})
    inline.advance(60)  # pulled, started, ready, and past one metrics window


def autoscaler(max_replicas=10, **spec):
    store.create({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                  "metadata": {"name": "web"},
                  "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                              "name": "web"},
                           "minReplicas": 1, "maxReplicas": max_replicas,
                           "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                               "type": "Utilization", "averageUtilization": 50}}}], **spec}})
    inline.advance(16)  # its first sync comes a resync period (15 s) after it is made


def replicas():
    return store.get(DEPLOYMENT, "default", "web")["spec"]["replicas"]


def hpa_status():
    return store.get(HPA, "default", "web")["status"]


def conditions():
    return {c["type"]: (c["status"], c["reason"]) for c in hpa_status()["conditions"]}


def messages(reason):
    return [e["message"] for e in Event.objects.all().objects() if e["reason"] == reason]


def load(cpu_used):
    """Every pod of web now uses this much CPU (a teacher annotating them)."""
    for pod in store.list_objects(POD, "default", label_selector="app=web").items:
        store.guaranteed_update(POD, "default", pod["metadata"]["name"], lambda p: p["metadata"][
            "annotations"].update({"kubesim.io/cpu": cpu_used}))


def test_a_busy_deployment_doubles_each_sync_up_to_max_replicas():
    deployment(2, "90m")  # 90% of the request against a 50% target: 1.8 times too busy
    autoscaler(max_replicas=10)
    assert replicas() == 4  # ceil(1.8 x 2) = 4, within the first step's limit max(2 x 2, 4)
    assert messages("SuccessfulRescale") == [f"New size: 4; reason: {UP}"]
    status = hpa_status()
    current = status["currentMetrics"][0]["resource"]["current"]
    assert status["currentMetrics"][0]["resource"]["name"] == "cpu"
    assert 81 <= current["averageUtilization"] <= 99 and current["averageValue"].endswith("m")
    assert conditions() == {"AbleToScale": ("True", "SucceededRescale"),
                            "ScalingActive": ("True", "ValidMetricFound"),
                            "ScalingLimited": ("False", "DesiredWithinRange")}
    # Four pods at 1.8: ceil(7.2) = 8 once the new pods are ready (until then they count as
    # idle and the ratio is within tolerance), then sixteen, cut at maxReplicas.
    inline.advance(150)
    assert replicas() == 10
    assert conditions()["ScalingLimited"] == ("True", "TooManyReplicas")
    assert hpa_status()["desiredReplicas"] == 10


def test_scaling_down_waits_out_the_stabilization_window():
    deployment(2, "90m")
    autoscaler(max_replicas=4)
    assert replicas() == 4
    inline.advance(45)
    load("10m")  # 10% of the request: one pod would do
    inline.advance(30)
    assert replicas() == 4
    assert conditions()["AbleToScale"] == ("True", "ScaleDownStabilized")
    inline.advance(300)  # the busy recommendations are older than five minutes now
    assert replicas() == 1
    assert messages("SuccessfulRescale")[-1] == "New size: 1; reason: All metrics below target"


def test_a_behavior_limits_how_fast_it_scales_down():
    deployment(2, "90m")
    autoscaler(max_replicas=4, behavior={"scaleDown": {
        "stabilizationWindowSeconds": 0, "policies": [
            {"type": "Pods", "value": 1, "periodSeconds": 60}]}})
    assert replicas() == 4
    spec = store.get(HPA, "default", "web")["spec"]["behavior"]
    assert spec["scaleUp"]["policies"][0] == {"type": "Pods", "value": 4, "periodSeconds": 15}
    assert spec["scaleDown"]["selectPolicy"] == "Max"
    inline.advance(61)  # the scale-up's +2 is out of the policy's period: it counts from 4
    load("10m")
    inline.advance(20)
    assert replicas() == 3  # one pod a minute at most
    assert conditions()["ScalingLimited"] == ("True", "ScaleDownLimit")
    inline.advance(61)
    assert replicas() == 2


def test_pods_without_a_cpu_request_cannot_be_measured():
    deployment(2, "90m", request=None)
    autoscaler()
    assert replicas() == 2
    missing = "failed to get cpu utilization: missing request for cpu in container web of Pod web-"
    assert messages("FailedGetResourceMetric")[0].startswith(missing)
    assert messages("FailedComputeMetricsReplicas")[0].startswith(
        f"invalid metrics (1 invalid out of 1), first error is: {missing}")
    assert conditions()["ScalingActive"] == ("False", "FailedGetResourceMetric")
    assert hpa_status()["currentMetrics"] == [{"type": ""}]


def test_a_missing_target_is_reported_and_a_deleted_hpa_forgotten():
    autoscaler()
    assert conditions() == {"AbleToScale": ("False", "FailedGetScale")}
    assert messages("FailedGetScale") == ['deployments/scale.apps "web" not found']
    assert AutoscalerHistory.objects.count() == 1
    store.delete(HPA, "default", "web")
    inline.run_until_idle()
    assert AutoscalerHistory.objects.count() == 0


def test_the_scale_up_limit_counts_recent_scale_events():
    history = AutoscalerHistory(hpa_uid="u")
    rules = {"selectPolicy": "Max", "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15}]}
    assert history.scale_up_limit(3, rules, now=100) == 7  # max(3 + 4, 3 x 2)
    history.record_scale(+3, now=95)  # 3 came in the last 15 s: the period started at 3
    assert history.scale_up_limit(6, rules, now=100) == 7
    assert history.scale_up_limit(6, rules, now=111) == 12  # that event is older than 15 s
    assert history.scale_up_limit(6, {**rules, "selectPolicy": "Disabled"}, now=111) == 6
