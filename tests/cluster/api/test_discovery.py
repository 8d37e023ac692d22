"""/version, the health endpoints and legacy discovery, as kubectl and client libraries read them."""
import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_version(api):
    status, info = api.get("/version")
    assert status == 200
    assert (info["major"], info["minor"]) == ("1", "37")
    assert info["gitVersion"].startswith("v1.37.0")
    assert {"platform", "goVersion", "compiler", "buildDate", "gitCommit"} <= info.keys()


@pytest.mark.parametrize("endpoint", ["healthz", "livez", "readyz"])
def test_health_endpoints(endpoint):
    client = Client()
    response = client.get(f"/{endpoint}")
    assert response.status_code == 200 and response.content == b"ok"
    verbose = client.get(f"/{endpoint}?verbose").content.decode()
    assert "[+]etcd ok" in verbose and verbose.endswith(f"{endpoint} check passed\n")
    assert client.get(f"/{endpoint}/etcd").content == b"ok"
    assert client.get(f"/{endpoint}/nope").status_code == 404


def test_api_versions(api):
    status, body = api.get("/api", HTTP_HOST="localhost:6443")
    assert status == 200
    assert body == {"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                    "serverAddress": "localhost:6443"}]}


def test_api_group_list(api):
    status, body = api.get("/apis")
    assert status == 200 and (body["kind"], body["apiVersion"]) == ("APIGroupList", "v1")
    apps = next(g for g in body["groups"] if g["name"] == "apps")
    assert apps == {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                    "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}
    assert {g["name"] for g in body["groups"]} >= {"batch", "autoscaling", "discovery.k8s.io"}
    status, group = api.get("/apis/apps")
    assert status == 200 and group["kind"] == "APIGroup" and group["versions"] == apps["versions"]


def test_core_resource_list(api):
    status, body = api.get("/api/v1")
    assert status == 200
    assert body["kind"] == "APIResourceList" and body["groupVersion"] == "v1"
    assert "apiVersion" not in body  # as upstream's core list
    resources = {r["name"]: r for r in body["resources"]}
    assert resources["pods"] == {
        "name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod",
        "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        "shortNames": ["po"], "categories": ["all"], "storageVersionHash": "xPOwRZ+Yhw8=",
    }
    assert resources["pods/status"] == {"name": "pods/status", "singularName": "", "namespaced": True,
                                        "kind": "Pod", "verbs": ["get", "patch", "update"]}
    # kubectl drain finds the Eviction API by this entry's group and version.
    assert resources["pods/eviction"] == {"name": "pods/eviction", "singularName": "", "namespaced": True,
                                          "group": "policy", "version": "v1", "kind": "Eviction",
                                          "verbs": ["create"]}
    assert resources["pods/binding"]["kind"] == "Binding"
    # kubectl create token posts a TokenRequest here.
    assert resources["serviceaccounts/token"] == {
        "name": "serviceaccounts/token", "singularName": "", "namespaced": True,
        "group": "authentication.k8s.io", "version": "v1", "kind": "TokenRequest",
        "verbs": ["create"]}
    assert resources["bindings"] == {"name": "bindings", "singularName": "binding",
                                     "namespaced": True, "kind": "Binding", "verbs": ["create"]}
    assert "deletecollection" not in resources["namespaces"]["verbs"]
    assert resources["nodes"]["namespaced"] is False
    assert [r["name"] for r in body["resources"]] == sorted(resources)


def test_group_resource_list(api):
    status, body = api.get("/apis/apps/v1")
    assert status == 200
    assert (body["kind"], body["apiVersion"], body["groupVersion"]) == ("APIResourceList", "v1", "apps/v1")
    resources = {r["name"]: r for r in body["resources"]}
    assert resources["deployments"]["shortNames"] == ["deploy"]
    assert resources["deployments/scale"] == {
        "name": "deployments/scale", "singularName": "", "namespaced": True, "group": "autoscaling",
        "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]}


AGGREGATED = "application/json;g=apidiscovery.k8s.io;v={};as=APIGroupDiscoveryList"


@pytest.mark.parametrize("version", ["v2", "v2beta1"])
def test_aggregated_core_discovery(version):
    accept = AGGREGATED.format(version) + ",application/json"
    response = Client().get("/api", HTTP_ACCEPT=accept)
    assert response["Content-Type"] == AGGREGATED.format(version)
    body = json.loads(response.content)
    assert (body["kind"], body["apiVersion"]) == ("APIGroupDiscoveryList",
                                                  f"apidiscovery.k8s.io/{version}")
    [core] = body["items"]
    assert core["metadata"] == {} and core["versions"][0]["version"] == "v1"
    pods = next(r for r in core["versions"][0]["resources"] if r["resource"] == "pods")
    assert pods["responseKind"] == {"group": "", "version": "v1", "kind": "Pod"}
    assert pods["scope"] == "Namespaced" and pods["shortNames"] == ["po"]
    assert "all" in pods["categories"] and "watch" in pods["verbs"]
    subs = {s["subresource"]: s for s in pods["subresources"]}
    assert subs["eviction"]["responseKind"] == {"group": "policy", "version": "v1",
                                                "kind": "Eviction"}
    nodes = next(r for r in core["versions"][0]["resources"] if r["resource"] == "nodes")
    assert nodes["scope"] == "Cluster"


def test_aggregated_group_discovery():
    response = Client().get("/apis", HTTP_ACCEPT=AGGREGATED.format("v2"))
    groups = {g["metadata"]["name"]: g for g in json.loads(response.content)["items"]}
    deployments = next(r for r in groups["apps"]["versions"][0]["resources"]
                       if r["resource"] == "deployments")
    assert deployments["responseKind"]["kind"] == "Deployment"
    scale = next(s for s in deployments["subresources"] if s["subresource"] == "scale")
    assert scale["responseKind"] == {"group": "autoscaling", "version": "v1", "kind": "Scale"}


def test_plain_json_still_gets_legacy_discovery():
    response = Client().get("/apis", HTTP_ACCEPT="application/json")
    assert json.loads(response.content)["kind"] == "APIGroupList"
