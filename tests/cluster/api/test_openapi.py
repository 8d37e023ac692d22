"""/openapi/v2 and /openapi/v3 as kubectl reads them."""
import json

import pytest

from cluster.api import openapi

pytestmark = pytest.mark.django_db
APPS = "io.k8s.api.apps.v1."


def _get(client, path, **headers):
    return client.get(path, headers=headers)


def _v3(client, key):
    index = json.loads(_get(client, "/openapi/v3").content)
    response = _get(client, index["paths"][key]["serverRelativeURL"])
    assert response.status_code == 200
    return response, json.loads(response.content)


def test_the_v3_index_names_every_served_group_version_with_its_hash(client):
    response = _get(client, "/openapi/v3")
    paths = json.loads(response.content)["paths"]
    assert {"api/v1", "apis/apps/v1", "apis/batch/v1", "apis/autoscaling/v2"} <= set(paths)
    assert paths["apis/apps/v1"]["serverRelativeURL"] == \
        f"/openapi/v3/apis/apps/v1?hash={openapi.v3_document('apps', 'v1').hash}"
    assert response["Cache-Control"] == "no-cache, private"


def test_a_group_version_document_has_the_kinds_schemas_with_their_gvk(client):
    response, doc = _v3(client, "apis/apps/v1")
    assert doc["openapi"] == "3.0.0"
    schemas = doc["components"]["schemas"]
    assert schemas[APPS + "Deployment"]["x-kubernetes-group-version-kind"] == \
        [{"group": "apps", "kind": "Deployment", "version": "v1"}]
    replicas = schemas[APPS + "DeploymentSpec"]["properties"]["replicas"]
    assert replicas["type"] == "integer" and replicas["format"] == "int32"  # no "null"
    spec = schemas[APPS + "Deployment"]["properties"]["spec"]
    assert spec["allOf"] == [{"$ref": "#/components/schemas/" + APPS + "DeploymentSpec"}]
    assert "enum" not in schemas[APPS + "Deployment"]["properties"]["apiVersion"]
    # what the strict validation schemas add is gone: unknown fields are fieldValidation's call
    assert "additionalProperties" not in schemas["io.k8s.api.core.v1.Container"]
    assert schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"] == \
        "int-or-string"
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    # a hashed URL is immutable
    assert response["Cache-Control"] == "public, immutable" and "Expires" in response


def test_every_ref_in_a_document_resolves(client):
    _, doc = _v3(client, "api/v1")
    refs = {ref.removeprefix("#/components/schemas/") for ref in openapi.schemas._refs(doc)}
    assert refs and refs <= set(doc["components"]["schemas"])


def test_each_kind_has_a_patch_operation_that_takes_field_validation(client):
    # kubectl looks for exactly this before it leaves validation to the server
    _, doc = _v3(client, "apis/apps/v1")
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == \
        {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert {"name": "fieldValidation", "in": "query"}.items() <= \
        next(p for p in patch["parameters"] if p["name"] == "fieldValidation").items()
    assert "application/apply-patch+yaml" in patch["requestBody"]["content"]
    _, core = _v3(client, "api/v1")
    assert "/api/v1/nodes/{name}" in core["paths"]  # cluster-scoped: no namespace
    assert "/api/v1/pods" in core["paths"]  # the list across namespaces


def test_an_etag_answers_304_and_a_stale_hash_redirects(client):
    response, _ = _v3(client, "apis/batch/v1")
    again = _get(client, "/openapi/v3/apis/batch/v1", **{"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    stale = _get(client, "/openapi/v3/apis/batch/v1?hash=ABC")
    assert stale.status_code == 301
    assert stale["Location"].endswith(openapi.v3_document("batch", "v1").hash)


def test_an_unknown_group_version_is_not_found(client):
    assert _get(client, "/openapi/v3/apis/nosuch.example.com/v1").status_code == 404
    assert _get(client, "/openapi/v3/apis/apps/v1beta1").status_code == 404


def test_v2_is_json_with_definitions_and_refuses_protobuf(client):
    doc = json.loads(_get(client, "/openapi/v2").content)
    assert doc["swagger"] == "2.0"
    deployment = doc["definitions"][APPS + "Deployment"]
    assert deployment["x-kubernetes-group-version-kind"][0]["kind"] == "Deployment"
    assert deployment["properties"]["spec"] == {
        "$ref": "#/definitions/" + APPS + "DeploymentSpec",
        "description": "Specification of the desired behavior of the Deployment."}
    assert "/apis/apps/v1/namespaces/{namespace}/deployments" in doc["paths"]
    protobuf = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    assert _get(client, "/openapi/v2", Accept=protobuf).status_code == 406


def test_only_get_is_allowed(client):
    assert client.post("/openapi/v3").status_code == 405
