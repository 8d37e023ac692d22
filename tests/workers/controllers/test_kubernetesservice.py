"""The kubernetes service controller: Service default/kubernetes and its Endpoints and
EndpointSlice pointing at the API server, made again when deleted; the Endpoints and
EndpointSlice controllers leave them alone."""
import pytest

from cluster import kinds, store
from workers import inline
from workers.controllers import endpoints, endpointslice, kubernetesservice

from .endpoints_helpers import ENDPOINT_SLICE, ENDPOINTS, SERVICE, reconcile_twice

pytestmark = pytest.mark.django_db

NAMESPACE = kinds.lookup("namespaces")


def test_a_fresh_cluster_has_the_kubernetes_service():
    assert kubernetesservice.keys_for("ADDED", store.get(NAMESPACE, None, "default")) == ["default"]
    reconcile_twice(kubernetesservice, "default")
    svc = store.get(SERVICE, "default", "kubernetes")
    assert svc["metadata"]["labels"] == {"component": "apiserver", "provider": "kubernetes"}
    spec = svc["spec"]
    assert (spec["clusterIP"], spec["clusterIPs"], spec["type"], spec["sessionAffinity"]) == (
        "10.96.0.1", ["10.96.0.1"], "ClusterIP", "None")
    assert spec["ports"] == [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]
    assert "selector" not in spec

    ep = store.get(ENDPOINTS, "default", "kubernetes")
    assert ep["metadata"]["labels"] == {"endpointslice.kubernetes.io/skip-mirror": "true"}
    assert ep["subsets"] == [{"addresses": [{"ip": "172.18.0.2"}],
                              "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]

    es = store.get(ENDPOINT_SLICE, "default", "kubernetes")
    assert es["metadata"]["labels"] == {"kubernetes.io/service-name": "kubernetes"}
    assert es["addressType"] == "IPv4"
    assert es["endpoints"] == [{"addresses": ["172.18.0.2"], "conditions": {"ready": True}}]
    assert es["ports"] == [{"name": "https", "port": 6443, "protocol": "TCP"}]


def test_the_other_controllers_leave_it_alone():
    reconcile_twice(kubernetesservice, "default")
    revision = store.current_revision()
    for module in (endpoints, endpointslice):
        module.reconcile("default/kubernetes")
    assert store.current_revision() == revision


@pytest.mark.parametrize("kind", [SERVICE, ENDPOINTS, ENDPOINT_SLICE])
def test_recreated_after_delete(kind):
    inline.run_until_idle()  # the default namespace's creation wakes the controller
    before = store.get(kind, "default", "kubernetes")
    deleted, _ = store.delete(kind, "default", "kubernetes")
    assert kubernetesservice.keys_for("DELETED", deleted) == ["default"]
    inline.run_until_idle()
    after = store.get(kind, "default", "kubernetes")
    assert after["metadata"]["uid"] != before["metadata"]["uid"]
    for field in ("subsets", "endpoints", "ports"):
        assert after.get(field) == before.get(field)


def test_edited_endpoints_are_put_back():
    reconcile_twice(kubernetesservice, "default")

    def edit(current):
        current["subsets"][0]["addresses"] = [{"ip": "192.0.2.9"}]

    store.guaranteed_update(ENDPOINTS, "default", "kubernetes", edit)
    reconcile_twice(kubernetesservice, "default")
    assert store.get(ENDPOINTS, "default", "kubernetes")["subsets"][0]["addresses"] == [
        {"ip": "172.18.0.2"}]
