"""The EndpointSlice controller: a Service's selected pods as endpoints in slices it owns, with
upstream's conditions, ports and labels; the second reconcile writes nothing."""
import pytest

from cluster import clock, store
from workers.controllers import endpointslice

from .endpoints_helpers import (
    POD,
    SERVICE,
    node,
    pod,
    reconcile_twice,
    relabel,
    service,
    set_status,
    slices,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def paused_clock():
    clock.pause()


def endpoints_by_pod(service_name="web"):
    return {e["targetRef"]["name"]: e for s in slices(service_name) for e in s.get("endpoints") or ()}


def test_ready_not_ready_and_terminating_pods_become_endpoints():
    node(zone="zone-a")
    svc = service(labels={"team": "blue"})
    pod("web-a", "10.244.1.5")
    pod("web-b", "10.244.1.6", ready=False)
    pod("web-c", "10.244.1.7")
    pod("web-pending")  # no IP yet: not an endpoint
    pod("other", "10.244.1.9", labels={"app": "other"})
    store.delete(POD, "default", "web-c")  # on a node: its kubelet has 30 s to stop it
    reconcile_twice(endpointslice, "default/web")

    [endpoint_slice] = slices()
    meta = endpoint_slice["metadata"]
    assert meta["name"].startswith("web-") and meta["generateName"] == "web-"
    assert meta["labels"] == {"team": "blue", "kubernetes.io/service-name": "web",
                              "endpointslice.kubernetes.io/managed-by":
                                  "endpointslice-controller.k8s.io"}
    assert meta["ownerReferences"] == [{"apiVersion": "v1", "kind": "Service", "name": "web",
                                        "uid": svc["metadata"]["uid"], "controller": True,
                                        "blockOwnerDeletion": True}]
    assert meta["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"]
    assert endpoint_slice["addressType"] == "IPv4"
    assert endpoint_slice["ports"] == [{"name": "", "port": 8080, "protocol": "TCP"}]
    endpoints = endpoints_by_pod()
    assert sorted(endpoints) == ["web-a", "web-b", "web-c"]
    a = endpoints["web-a"]
    assert a == {"addresses": ["10.244.1.5"],
                 "conditions": {"ready": True, "serving": True, "terminating": False},
                 "nodeName": "node-1", "zone": "zone-a",
                 "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-a",
                               "uid": store.get(POD, "default", "web-a")["metadata"]["uid"]}}
    assert endpoints["web-b"]["conditions"] == {"ready": False, "serving": False, "terminating": False}
    assert endpoints["web-c"]["conditions"] == {"ready": False, "serving": True, "terminating": True}


def test_a_named_target_port_is_looked_up_in_the_pods_containers():
    node()
    service(ports=[{"name": "web", "port": 80, "targetPort": "http"},
                   {"name": "metrics", "port": 9090}])
    pod("web-a", "10.244.1.5")
    reconcile_twice(endpointslice, "default/web")
    [endpoint_slice] = slices()
    assert sorted(endpoint_slice["ports"], key=lambda p: p["name"]) == [
        {"name": "metrics", "port": 9090, "protocol": "TCP"},
        {"name": "web", "port": 8080, "protocol": "TCP"}]


def test_a_pod_whose_labels_no_longer_match_loses_its_endpoint():
    node()
    service()
    web_a = pod("web-a", "10.244.1.5")
    pod("web-b", "10.244.1.6")
    reconcile_twice(endpointslice, "default/web")
    [before] = slices()
    moved = relabel(web_a, {"app": "debug"})
    # The pod's change wakes the Service although the pod no longer matches it.
    assert "default/web" in endpointslice.keys_for("MODIFIED", moved)
    reconcile_twice(endpointslice, "default/web")
    [after] = slices()
    assert after["metadata"]["name"] == before["metadata"]["name"]  # updated in place
    assert sorted(endpoints_by_pod()) == ["web-b"]


def test_readiness_changes_update_the_endpoint_in_place():
    node()
    service()
    web_a = pod("web-a", "10.244.1.5", ready=False)
    reconcile_twice(endpointslice, "default/web")
    assert endpoints_by_pod()["web-a"]["conditions"]["ready"] is False
    set_status(web_a, "10.244.1.5", ready=True)
    reconcile_twice(endpointslice, "default/web")
    assert endpoints_by_pod()["web-a"]["conditions"] == {
        "ready": True, "serving": True, "terminating": False}


def test_a_service_without_ready_pods_has_one_placeholder_slice():
    service()
    reconcile_twice(endpointslice, "default/web")
    [placeholder] = slices()
    assert placeholder["endpoints"] == [] and "ports" not in placeholder
    node()
    pod("web-a", "10.244.1.5")
    reconcile_twice(endpointslice, "default/web")
    [filled] = slices()
    assert filled["metadata"]["name"] == placeholder["metadata"]["name"]  # reused, not replaced
    assert list(endpoints_by_pod()) == ["web-a"]


def test_a_hundred_endpoints_per_slice():
    node()
    service()
    for i in range(150):
        pod(f"web-{i:03}", f"10.244.{i // 200}.{i % 200 + 1}")
    reconcile_twice(endpointslice, "default/web")
    assert sorted(len(s["endpoints"]) for s in slices()) == [50, 100]


def test_services_without_a_selector_are_left_alone():
    service(name="external", selector={})
    reconcile_twice(endpointslice, "default/external")
    assert slices("external") == []


def test_the_slices_of_a_deleted_service_go_with_it():
    from workers import inline

    node()
    service()
    pod("web-a", "10.244.1.5")
    inline.run_until_idle()
    [endpoint_slice] = slices()
    store.delete(SERVICE, "default", "web")
    inline.run_until_idle()  # the garbage collector follows the ownerReference
    assert slices() == []
    assert endpoint_slice["metadata"]["ownerReferences"][0]["kind"] == "Service"


def test_keys():
    svc = service()
    assert endpointslice.keys_for("ADDED", svc) == ["default/web"]
    service(name="bare", selector={})
    assert endpointslice.keys_for("DELETED", {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "x", "namespace": "default"}}) == ["default/web"]
    managed = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {
        "name": "web-abcde", "namespace": "default", "labels": {
            "kubernetes.io/service-name": "web",
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}}}
    assert endpointslice.keys_for("DELETED", managed) == ["default/web"]
    assert "default/web" in endpointslice.resync_keys()
