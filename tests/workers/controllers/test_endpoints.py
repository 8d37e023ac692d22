"""The Endpoints controller: an Endpoints object named like each Service with a selector, its
ready pods in `addresses`, the others in `notReadyAddresses`; deleted with the Service."""
import pytest

from cluster import clock, store
from cluster.errors import NotFound
from workers.controllers import endpoints

from .endpoints_helpers import (
    ENDPOINTS,
    POD,
    SERVICE,
    node,
    pod,
    reconcile_twice,
    relabel,
    service,
    set_status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def paused_clock():
    clock.pause()


def get(name="web"):
    return store.get(ENDPOINTS, "default", name)


def address(name, ip):
    return {"ip": ip, "nodeName": "node-1", "targetRef": {
        "kind": "Pod", "namespace": "default", "name": name,
        "uid": store.get(POD, "default", name)["metadata"]["uid"]}}


def test_ready_and_not_ready_pods():
    node()
    service(labels={"team": "blue"})
    pod("web-b", "10.244.1.6")
    pod("web-a", "10.244.1.5")
    pod("web-slow", "10.244.1.7", ready=False)
    pod("web-c", "10.244.1.8")
    store.delete(POD, "default", "web-c")  # terminating: left out
    pod("web-pending")
    reconcile_twice(endpoints, "default/web")
    ep = get()
    assert ep["metadata"]["labels"] == {"team": "blue"}
    assert ep["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"]
    assert ep["subsets"] == [{
        "addresses": [address("web-a", "10.244.1.5"), address("web-b", "10.244.1.6")],
        "notReadyAddresses": [address("web-slow", "10.244.1.7")],
        "ports": [{"name": "", "port": 8080, "protocol": "TCP"}]}]


def test_named_target_port_and_several_ports():
    node()
    service(ports=[{"name": "web", "port": 80, "targetPort": "http"},
                   {"name": "admin", "port": 81, "targetPort": "admin"}])
    pod("web-a", "10.244.1.5")  # has no "admin" port: only "web" resolves
    reconcile_twice(endpoints, "default/web")
    assert get()["subsets"] == [{"addresses": [address("web-a", "10.244.1.5")],
                                 "ports": [{"name": "web", "port": 8080, "protocol": "TCP"}]}]


def test_changes_follow_the_pods():
    node()
    service()
    web_a = pod("web-a", "10.244.1.5", ready=False)
    reconcile_twice(endpoints, "default/web")
    assert "addresses" not in get()["subsets"][0]
    set_status(web_a, "10.244.1.5", ready=True)
    reconcile_twice(endpoints, "default/web")
    assert get()["subsets"][0]["addresses"] == [address("web-a", "10.244.1.5")]
    relabel(web_a, {"app": "debug"})
    reconcile_twice(endpoints, "default/web")
    assert "subsets" not in get()


def test_deleted_with_its_service():
    node()
    service()
    pod("web-a", "10.244.1.5")
    reconcile_twice(endpoints, "default/web")
    store.delete(SERVICE, "default", "web")
    gone = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"}}
    assert endpoints.keys_for("DELETED", gone) == ["default/web"]
    reconcile_twice(endpoints, "default/web")
    with pytest.raises(NotFound):
        get()


def test_a_deleted_endpoints_is_made_again():
    service()
    reconcile_twice(endpoints, "default/web")
    deleted, _ = store.delete(ENDPOINTS, "default", "web")
    assert endpoints.keys_for("DELETED", deleted) == ["default/web"]
    reconcile_twice(endpoints, "default/web")
    assert get()["metadata"]["name"] == "web"


def test_services_without_a_selector_are_left_alone():
    service(name="external", selector={})
    store.create({"apiVersion": "v1", "kind": "Endpoints",
                  "metadata": {"name": "external", "namespace": "default"},
                  "subsets": [{"addresses": [{"ip": "192.0.2.1"}], "ports": [{"port": 80}]}]})
    before = get("external")
    reconcile_twice(endpoints, "default/external")
    assert get("external") == before


def test_repack_groups_addresses_by_the_ports_they_offer():
    a, b = {"ip": "10.0.0.2"}, {"ip": "10.0.0.1"}
    http, admin = {"name": "http", "port": 80}, {"name": "admin", "port": 81}
    assert endpoints.repack_subsets([
        {"addresses": [a], "ports": [http]}, {"addresses": [a], "ports": [admin]},
        {"notReadyAddresses": [b], "ports": [http]}]) == [
        {"addresses": [a], "ports": [admin]},
        {"addresses": [a], "notReadyAddresses": [b], "ports": [http]}]
