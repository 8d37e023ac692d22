"""Subresources: status, binding, scale, eviction and namespace finalize."""
import pytest

from cluster import store

from .objects import DEPLOYMENTS, PODS, deployment, pod, rv

pytestmark = pytest.mark.django_db


def binding(name="web", node="n1", **meta):
    return {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name, **meta},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node}}


def test_status_put_changes_only_the_status(api):
    _, created = api.post(PODS, pod("web"))
    changed = {**created, "metadata": {**created["metadata"], "labels": {"x": "y"}},
               "status": {"phase": "Running"}}
    status, updated = api.put(f"{PODS}/web/status", changed)
    assert status == 200
    assert updated["status"]["phase"] == "Running" and "labels" not in updated["metadata"]
    assert api.get(f"{PODS}/web/status")[1] == updated


def test_a_put_of_the_object_keeps_its_status(api):
    _, created = api.post(PODS, pod("web"))
    status, updated = api.put(f"{PODS}/web", {**created, "status": {"phase": "Running"}})
    assert status == 200 and updated["status"]["phase"] == "Pending"


def test_status_patch(api):
    api.post(PODS, pod("web"))
    status, patched = api.patch(f"{PODS}/web/status", {"status": {"phase": "Running"},
                                                       "metadata": {"labels": {"x": "y"}}})
    assert status == 200
    assert patched["status"]["phase"] == "Running" and "labels" not in patched["metadata"]


def test_binding_assigns_the_pod_to_a_node_once(api):
    api.post(PODS, pod("web"))
    status, body = api.post(f"{PODS}/web/binding", binding(node="n1"))
    assert status == 201
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
    assert api.get(f"{PODS}/web")[1]["spec"]["nodeName"] == "n1"
    status, error = api.post(f"{PODS}/web/binding", binding(node="n2"))
    assert status == 409 and error["reason"] == "Conflict"
    assert error["message"] == ('Operation cannot be fulfilled on pods "web": pod web is already '
                                'assigned to node "n1"')
    assert api.get(f"{PODS}/web")[1]["spec"]["nodeName"] == "n1"


def test_binding_checks_its_name_and_preconditions(api):
    _, created = api.post(PODS, pod("web"))
    status, error = api.post(f"{PODS}/web/binding", binding(name="other"))
    assert status == 400 and error["message"] == "name in URL does not match name in Binding object"
    status, error = api.post(f"{PODS}/web/binding", binding(uid="not-the-pods"))
    assert status == 409 and "Precondition failed: UID in precondition: not-the-pods" in error["message"]
    status, _ = api.post(f"{PODS}/web/binding?dryRun=All", binding(resourceVersion=rv(created)))
    assert status == 201 and "nodeName" not in api.get(f"{PODS}/web")[1]["spec"]


def test_binding_of_a_missing_pod_is_404(api):
    assert api.post(f"{PODS}/nope/binding", binding(name="nope"))[0] == 404


def test_the_bindings_collection_binds_the_pod_the_binding_names(api):
    # What client libraries' create_namespaced_binding POSTs to.
    api.post(PODS, pod("web"))
    status, body = api.post("/api/v1/namespaces/default/bindings", binding(node="n1"))
    assert status == 201 and body["status"] == "Success"
    assert api.get(f"{PODS}/web")[1]["spec"]["nodeName"] == "n1"
    assert api.get("/api/v1/namespaces/default/bindings")[0] == 405
    assert api.post("/api/v1/namespaces/default/bindings", binding(name="nope"))[0] == 404


def test_scale_reads_and_writes_spec_replicas(api):
    api.post(DEPLOYMENTS, deployment("web", replicas=2))
    status, scale = api.get(f"{DEPLOYMENTS}/web/scale")
    assert status == 200
    assert (scale["kind"], scale["apiVersion"]) == ("Scale", "autoscaling/v1")
    assert scale["spec"] == {"replicas": 2}
    assert scale["status"] == {"replicas": 0, "selector": "app=web"}
    status, scaled = api.put(f"{DEPLOYMENTS}/web/scale", {**scale, "spec": {"replicas": 5}})
    assert status == 200 and scaled["spec"] == {"replicas": 5}
    assert api.get(f"{DEPLOYMENTS}/web")[1]["spec"]["replicas"] == 5
    status, scaled = api.patch(f"{DEPLOYMENTS}/web/scale", {"spec": {"replicas": 0}})
    assert status == 200 and scaled["spec"] == {}  # replicas is omitted when 0, as upstream's
    assert api.get(f"{DEPLOYMENTS}/web")[1]["spec"]["replicas"] == 0


def test_scale_with_a_stale_resource_version_is_409(api):
    api.post(DEPLOYMENTS, deployment("web"))
    _, scale = api.get(f"{DEPLOYMENTS}/web/scale")
    api.patch(f"{DEPLOYMENTS}/web", {"metadata": {"labels": {"x": "y"}}})
    status, error = api.put(f"{DEPLOYMENTS}/web/scale", {**scale, "spec": {"replicas": 3}})
    assert status == 409 and error["reason"] == "Conflict"


def test_negative_replicas_are_invalid(api):
    api.post(DEPLOYMENTS, deployment("web"))
    status, error = api.patch(f"{DEPLOYMENTS}/web/scale", {"spec": {"replicas": -1}})
    assert status == 422 and error["reason"] == "Invalid"
    assert error["message"] == ('Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: '
                                "must be greater than or equal to 0")
    assert error["details"]["causes"] == [{"reason": "FieldValueInvalid", "field": "spec.replicas",
                                           "message": "Invalid value: -1: must be greater than or "
                                                      "equal to 0"}]


def test_scale_of_statefulsets_and_replicasets(api):
    rs = {**deployment("rs"), "kind": "ReplicaSet"}
    assert api.post("/apis/apps/v1/namespaces/default/replicasets", rs)[0] == 201
    status, scale = api.get("/apis/apps/v1/namespaces/default/replicasets/rs/scale")
    assert status == 200 and scale["status"]["selector"] == "app=rs"


def test_eviction_deletes_the_pod_gracefully(api):
    api.post(PODS, pod("web", node="n1"))
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web"}}
    status, body = api.post(f"{PODS}/web/eviction", eviction)
    assert status == 201
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
    evicted = api.get(f"{PODS}/web")[1]
    assert evicted["metadata"]["deletionTimestamp"]  # on a node: the kubelet has its grace period
    condition = evicted["status"]["conditions"][0]
    assert (condition["type"], condition["reason"]) == ("DisruptionTarget", "EvictionByEvictionAPI")


def test_eviction_of_an_unscheduled_pod_deletes_it_now(api):
    api.post(PODS, pod("web"))
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web"},
                "deleteOptions": {"gracePeriodSeconds": 0}}
    assert api.post(f"{PODS}/web/eviction", eviction)[0] == 201
    assert api.get(f"{PODS}/web")[0] == 404


def test_eviction_errors(api):
    status, _ = api.post(f"{PODS}/nope/eviction", {"apiVersion": "policy/v1", "kind": "Eviction",
                                                    "metadata": {"name": "nope"}})
    assert status == 404
    api.post(PODS, pod("web"))
    status, error = api.post(f"{PODS}/web/eviction", {"apiVersion": "policy/v1", "kind": "Eviction",
                                                      "metadata": {"name": "other"}})
    assert status == 400 and error["message"] == "name in URL does not match name in Eviction object"
    before = store.current_revision()
    status, _ = api.post(f"{PODS}/web/eviction?dryRun=All",
                         {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web"}})
    assert status == 201 and store.current_revision() == before


def test_namespace_finalize(api):
    _, ns = api.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                            "metadata": {"name": "team"}})
    assert ns["spec"]["finalizers"] == ["kubernetes"]
    status, finalized = api.put("/api/v1/namespaces/team/finalize", {**ns, "spec": {"finalizers": []}})
    assert status == 200 and finalized["spec"] == {"finalizers": []}


SA_PATH = "/api/v1/namespaces/default/serviceaccounts"


def test_a_token_request_returns_a_signed_token_for_an_hour(api):
    from cluster.api.auth import token_claims
    store.create({"apiVersion": "v1", "kind": "ServiceAccount",
                  "metadata": {"name": "robot", "namespace": "default"}})
    # What `kubectl create token robot` sends.
    code, body = api.post(f"{SA_PATH}/robot/token", {
        "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": {"audiences": None, "expirationSeconds": None, "boundObjectRef": None},
        "status": {"token": "", "expirationTimestamp": None}})
    assert code == 201
    assert body["kind"] == "TokenRequest" and body["metadata"]["name"] == "robot"
    assert body["spec"]["expirationSeconds"] == 3600
    claims = token_claims(body["status"]["token"])
    assert claims["sub"] == "system:serviceaccount:default:robot"
    assert body["status"]["expirationTimestamp"] == __import__("time").strftime(
        "%Y-%m-%dT%H:%M:%SZ", __import__("time").gmtime(claims["exp"]))


def test_token_request_errors(api):
    code, body = api.post(f"{SA_PATH}/nobody/token", {"spec": {}})
    assert (code, body["message"]) == (404, 'serviceaccounts "nobody" not found')
    store.create({"apiVersion": "v1", "kind": "ServiceAccount",
                  "metadata": {"name": "robot", "namespace": "default"}})
    code, body = api.post(f"{SA_PATH}/robot/token", {"spec": {"expirationSeconds": 60}})
    assert code == 422
    assert body["message"] == ('TokenRequest.authentication.k8s.io "robot" is invalid: '
                               "spec.expirationSeconds: Invalid value: 60: may not specify a "
                               "duration less than 10 minutes")
