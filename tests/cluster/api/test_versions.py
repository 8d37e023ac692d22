"""A kind served in two versions: HorizontalPodAutoscalers are stored as autoscaling/v2 and
served as autoscaling/v1 as well (what `kubectl autoscale` creates), each answer in the version
its path asks for."""
import pytest
from asgiref.sync import sync_to_async

from .test_watch import Watch, run

pytestmark = pytest.mark.django_db(transaction=True)

V1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
V2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"
AUTOSCALE = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
             "metadata": {"name": "web"},
             "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                         "name": "web"},
                      "minReplicas": 2, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50}}
CPU_50 = {"type": "Resource", "resource": {"name": "cpu", "target": {
    "type": "Utilization", "averageUtilization": 50}}}
STORED = {**AUTOSCALE, "apiVersion": "autoscaling/v2", "spec": {
    **{k: v for k, v in AUTOSCALE["spec"].items() if k != "targetCPUUtilizationPercentage"},
    "metrics": [CPU_50]}}


def test_a_v1_create_reads_back_in_both_versions(api):
    status, created = api.post(V1, AUTOSCALE)
    assert status == 201 and created["apiVersion"] == "autoscaling/v1"
    assert created["spec"]["targetCPUUtilizationPercentage"] == 50
    stored = api.get(f"{V2}/web")[1]
    assert stored["apiVersion"] == "autoscaling/v2" and stored["spec"]["metrics"] == [CPU_50]
    assert api.get(f"{V1}/web")[1]["spec"] == AUTOSCALE["spec"]
    listed = api.get(V1)[1]
    assert listed["apiVersion"] == "autoscaling/v1"
    assert [i["apiVersion"] for i in listed["items"]] == ["autoscaling/v1"]


def test_a_v1_patch_applies_to_the_object_as_v1_shows_it(api):
    api.post(V2, STORED)
    status, patched = api.patch(f"{V1}/web", {"spec": {"targetCPUUtilizationPercentage": 70}})
    assert status == 200 and patched["spec"]["targetCPUUtilizationPercentage"] == 70
    target = api.get(f"{V2}/web")[1]["spec"]["metrics"][0]["resource"]["target"]
    assert target == {"type": "Utilization", "averageUtilization": 70}


def test_a_v1_watch_sees_v1_objects(api):
    async def main():
        watch = await Watch.open(f"{V1}?watch=1")
        await sync_to_async(api.post)(V2, STORED)
        event = await watch.next()
        assert event["type"] == "ADDED" and event["object"]["apiVersion"] == "autoscaling/v1"
        assert event["object"]["spec"]["targetCPUUtilizationPercentage"] == 50
        await watch.close()
    run(main)


def test_discovery_serves_both_versions_v2_preferred(api):
    group = api.get("/apis/autoscaling")[1]
    assert [v["version"] for v in group["versions"]] == ["v2", "v1"]
    assert group["preferredVersion"]["version"] == "v2"
    resources = api.get("/apis/autoscaling/v1")[1]["resources"]
    assert [r["name"] for r in resources] == ["horizontalpodautoscalers",
                                              "horizontalpodautoscalers/status"]
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    items = {i["metadata"]["name"]: i for i in api.get("/apis", HTTP_ACCEPT=accept)[1]["items"]}
    versions = items["autoscaling"]["versions"]
    assert [v["version"] for v in versions] == ["v2", "v1"]
    assert versions[1]["resources"][0]["responseKind"]["version"] == "v1"
