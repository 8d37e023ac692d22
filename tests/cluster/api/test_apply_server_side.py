"""Server-side apply (application/apply-patch+yaml) and managedFields through the API."""
import json

import pytest

from .objects import CONFIGMAPS, DEPLOYMENTS, deployment

pytestmark = pytest.mark.django_db

APPLY = "application/apply-patch+yaml"


def apply(api, path, body, manager="kubectl", **params):
    query = "&".join(f"{k}={v}" for k, v in {"fieldManager": manager, **params}.items() if v)
    return api.patch(f"{path}?{query}", body, content_type=APPLY)


def entries(obj):
    return {(e["manager"], e["operation"], e.get("subresource", "")): e
            for e in obj["metadata"].get("managedFields", [])}


def test_apply_creates_then_updates_and_records_the_applier(api):
    status, created = apply(api, f"{DEPLOYMENTS}/web", deployment("web", 2))
    assert status == 201
    entry = entries(created)[("kubectl", "Apply", "")]
    assert entry["apiVersion"] == "apps/v1" and entry["fieldsType"] == "FieldsV1"
    assert entry["time"].endswith("Z")
    fields = entry["fieldsV1"]
    assert fields["f:spec"]["f:replicas"] == {}
    assert "f:metadata" not in fields  # name and namespace are no one's
    container = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"app"}']
    assert container == {".": {}, "f:image": {}, "f:name": {}}
    status, updated = apply(api, f"{DEPLOYMENTS}/web", deployment("web", 3))
    assert status == 200 and updated["spec"]["replicas"] == 3


def test_apply_in_yaml_and_the_default_update_manager(api):
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1', b: '2'}\n"
    status, created = apply(api, f"{CONFIGMAPS}/c", body, manager="ci")
    assert status == 201 and created["data"] == {"a": "1", "b": "2"}
    status, patched = api.patch(f"{CONFIGMAPS}/c", {"data": {"b": "3"}},
                                HTTP_USER_AGENT="kubectl/v1.32.4 (linux/amd64)")
    assert status == 200
    found = entries(patched)
    assert found[("kubectl", "Update", "")]["fieldsV1"] == {"f:data": {"f:b": {}}}
    assert found[("ci", "Apply", "")]["fieldsV1"] == {"f:data": {"f:a": {}}}


def test_a_changed_field_another_manager_owns_conflicts_unless_forced(api):
    apply(api, f"{DEPLOYMENTS}/web", deployment("web", 2), manager="kubectl-client-side-apply")
    status, error = apply(api, f"{DEPLOYMENTS}/web", deployment("web", 5), manager="other")
    assert status == 409 and error["reason"] == "Conflict"
    assert error["message"] == ('Apply failed with 1 conflict: conflict with '
                                '"kubectl-client-side-apply": .spec.replicas')
    assert error["details"]["causes"] == [{
        "reason": "FieldManagerConflict", "field": ".spec.replicas",
        "message": 'conflict with "kubectl-client-side-apply"'}]
    status, forced = apply(api, f"{DEPLOYMENTS}/web", deployment("web", 5), manager="other",
                           force="true")
    assert status == 200 and forced["spec"]["replicas"] == 5
    found = entries(forced)
    assert "f:replicas" in found[("other", "Apply", "")]["fieldsV1"]["f:spec"]
    assert "f:replicas" not in found[("kubectl-client-side-apply", "Apply", "")]["fieldsV1"]["f:spec"]


def test_an_update_owner_is_named_with_its_version_and_subresource(api):
    apply(api, f"{DEPLOYMENTS}/web", deployment("web", 2))
    status, _ = api.patch(f"{DEPLOYMENTS}/web/scale", {"spec": {"replicas": 4}},
                          HTTP_USER_AGENT="kubectl/v1.32.4")
    assert status == 200
    status, error = apply(api, f"{DEPLOYMENTS}/web", deployment("web", 2))
    assert status == 409
    assert error["message"] == ('Apply failed with 1 conflict: conflict with "kubectl" with '
                                'subresource "scale" using apps/v1: .spec.replicas')


def test_fields_no_longer_applied_are_removed_unless_someone_else_owns_them(api):
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"a": "1"}},
            "data": {"x": "1", "y": "2", "z": "3"}}
    apply(api, f"{CONFIGMAPS}/c", body, manager="one")
    apply(api, f"{CONFIGMAPS}/c", {**body, "data": {"y": "2"}, "metadata": {"name": "c"}},
          manager="two")
    status, obj = apply(api, f"{CONFIGMAPS}/c",
                        {**body, "data": {"x": "1"}, "metadata": {"name": "c"}}, manager="one")
    assert status == 200
    assert obj["data"] == {"x": "1", "y": "2"}  # z pruned, y kept for "two"
    assert "labels" not in obj["metadata"]


def test_apply_merges_lists_by_key(api):
    apply(api, f"{DEPLOYMENTS}/web", deployment("web", 2), manager="one")
    sidecar = deployment("web", 2)
    sidecar["spec"]["template"]["spec"]["containers"] = [{"name": "side", "image": "busybox"}]
    status, obj = apply(api, f"{DEPLOYMENTS}/web", sidecar, manager="two")
    assert status == 200
    containers = obj["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["app", "side"]


def test_apply_options_are_checked(api):
    status, error = apply(api, f"{DEPLOYMENTS}/web", deployment("web"), manager="")
    assert status == 422
    assert error["message"] == ('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required '
                                'value: is required for apply patch')
    status, error = api.patch(f"{CONFIGMAPS}/c?force=true", {"data": {}})
    assert status == 422 and "force: Forbidden" in error["message"]
    body = {**deployment("web"), "apiVersion": "apps/v1beta1"}
    status, error = apply(api, f"{DEPLOYMENTS}/web", body)
    assert status == 400 and error["message"] == "invalid object type: apps/v1beta1, Kind=Deployment"
    body = deployment("web")
    body["metadata"]["managedFields"] = [{"manager": "x"}]
    status, error = apply(api, f"{DEPLOYMENTS}/web", body)
    assert status == 400 and error["message"] == "metadata.managedFields must be nil"


def test_field_managers_are_checked_on_every_write(api):
    status, error = api.post(f"{CONFIGMAPS}?fieldManager={'m' * 129}",
                             {"metadata": {"name": "c"}})
    assert status == 422 and error["message"] == (
        'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than '
        "128 bytes")
    status, error = apply(api, f"{CONFIGMAPS}/c", {"metadata": {"name": "c"}})
    assert status == 400 and error["message"] == "invalid object type: /, Kind="


def test_dry_run_apply_writes_nothing(api):
    status, obj = apply(api, f"{DEPLOYMENTS}/web", deployment("web"), dryRun="All")
    assert status == 201 and obj["metadata"]["managedFields"]
    assert api.get(f"{DEPLOYMENTS}/web")[0] == 404


def test_create_and_put_record_update_entries(api):
    status, created = api.post(f"{CONFIGMAPS}?fieldManager=maker",
                               {"metadata": {"name": "c", "labels": {"a": "b"}}, "data": {"k": "v"}})
    assert status == 201
    assert entries(created)[("maker", "Update", "")]["fieldsV1"] == {
        "f:data": {".": {}, "f:k": {}}, "f:metadata": {"f:labels": {".": {}, "f:a": {}}}}
    changed = {**created, "data": {"k": "w"}}
    status, put = api.put(f"{CONFIGMAPS}/c", changed, HTTP_USER_AGENT="OpenAPI-Generator/36.0.0/python")
    assert status == 200
    found = entries(put)
    assert found[("OpenAPI-Generator", "Update", "")]["fieldsV1"] == {"f:data": {"f:k": {}}}
    assert found[("maker", "Update", "")]["fieldsV1"] == {
        "f:data": {}, "f:metadata": {"f:labels": {".": {}, "f:a": {}}}}


def test_a_create_owns_what_it_set_as_upstream_encodes_it(api):
    status, created = api.post(f"{DEPLOYMENTS}?fieldManager=kubectl-create", deployment("web"))
    assert status == 201
    assert entries(created)[("kubectl-create", "Update", "")]["fieldsV1"] == {"f:spec": {
        "f:replicas": {}, "f:selector": {},  # a LabelSelector is atomic
        "f:template": {
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {"f:containers": {'k:{"name":"app"}': {
                ".": {}, "f:image": {}, "f:name": {}}}}}}}


def test_managed_fields_sent_replace_the_live_ones(api):
    apply(api, f"{CONFIGMAPS}/c", {"apiVersion": "v1", "kind": "ConfigMap",
                                   "metadata": {"name": "c"}, "data": {"k": "v"}})
    patch = [{"op": "replace", "path": "/metadata/managedFields", "value": [{}]}]
    status, obj = api.patch(f"{CONFIGMAPS}/c", json.dumps(patch),
                            content_type="application/json-patch+json")
    assert status == 200 and "managedFields" not in obj["metadata"]
    status, obj = api.patch(f"{CONFIGMAPS}/c?fieldManager=m", {"data": {"k": "w"}})
    assert status == 200 and "managedFields" not in obj["metadata"]  # no longer tracked


def test_managed_fields_a_client_writes_are_validated(api):
    body = {"metadata": {"name": "c", "managedFields": [
        {"manager": "x", "operation": "Replace", "apiVersion": "v1", "fieldsType": "FieldsV1",
         "fieldsV1": {"f:data": {}}}]}, "data": {"k": "v"}}
    status, error = api.post(CONFIGMAPS, body)
    assert status == 422 and error["message"] == (
        'ConfigMap "c" is invalid: metadata.managedFields[0].operation: Invalid value: '
        '"Replace": must be `Apply` or `Update`')


def test_kubectl_takes_over_from_client_side_apply(api):
    body = deployment("web", 2)
    body["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": json.dumps(deployment("web", 2))}
    api.post(f"{DEPLOYMENTS}?fieldManager=kubectl-client-side-apply", body)
    api.patch(f"{DEPLOYMENTS}/web?fieldManager=kubectl-client-side-apply",
              {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "x"}]}}}},
              content_type="application/strategic-merge-patch+json")
    status, error = apply(api, f"{DEPLOYMENTS}/web", deployment("web", 3))
    # replicas are still what client-side apply last applied: only the image conflicts
    assert status == 409 and error["message"].endswith(
        '.spec.template.spec.containers[name="app"].image')
    assert len(error["details"]["causes"]) == 1
    status, error = apply(api, f"{DEPLOYMENTS}/web", deployment("web", 3), manager="someone-else")
    assert status == 409 and len(error["details"]["causes"]) == 2  # only kubectl is excused
    api.patch(f"{DEPLOYMENTS}/web?fieldManager=kubectl-client-side-apply",
              {"spec": {"template": {"spec": {"containers": [{"name": "app",
                                                              "image": "nginx:1.27"}]}}}},
              content_type="application/strategic-merge-patch+json")
    status, obj = apply(api, f"{DEPLOYMENTS}/web", deployment("web", 3))
    assert status == 200 and obj["spec"]["replicas"] == 3
    last_applied = json.loads(
        obj["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last_applied == deployment("web", 3)


def test_the_first_apply_to_an_untracked_object_leaves_the_rest_to_before_first_apply(api):
    from cluster import store

    store.create(deployment("web", 2))  # as a controller writes: no managedFields
    status, obj = apply(api, f"{DEPLOYMENTS}/web", deployment("web", 2), manager="ci")
    assert status == 200
    found = entries(obj)
    assert set(found) == {("before-first-apply", "Update", ""), ("ci", "Apply", "")}
    status, error = apply(api, f"{DEPLOYMENTS}/web", deployment("web", 3), manager="other")
    assert status == 409 and '"before-first-apply" using apps/v1' in error["message"]


def test_status_writes_record_the_status_subresource(api):
    apply(api, f"{DEPLOYMENTS}/web", deployment("web", 2))
    status, obj = api.patch(f"{DEPLOYMENTS}/web/status?fieldManager=checker",
                            {"status": {"observedGeneration": 7}})
    assert status == 200
    entry = entries(obj)[("checker", "Update", "status")]
    assert entry["fieldsV1"] == {"f:status": {"f:observedGeneration": {}}}
    assert ("kubectl", "Apply", "") in entries(obj)


# --- the real kubectl and the Python client against a live server ---------------------------------

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata: {name: ssa, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: ssa}}
  template:
    metadata: {labels: {app: ssa}}
    spec:
      containers: [{name: app, image: nginx:1.27}]
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from tests.livecluster import LiveCluster

    with LiveCluster(tmp_path_factory.mktemp("apply-server-side"), seed=False) as cluster:
        yield cluster


@pytest.mark.e2e
def test_kubectl_client_side_then_server_side_apply_scale_and_conflict(live, tmp_path):
    kubectl, manifest = live.kubectl(), tmp_path / "ssa.yaml"
    manifest.write_text(MANIFEST)
    kubectl("apply", "-f", manifest)
    kubectl("apply", "--server-side", "-f", manifest)
    shown = yaml_of(kubectl("get", "deployment", "ssa", "-o", "yaml", "--show-managed-fields"))
    managers = {(e["manager"], e["operation"]) for e in shown["metadata"]["managedFields"]}
    assert ("kubectl", "Apply") in managers
    assert ("kubectl-client-side-apply", "Update") not in managers  # kubectl migrated it
    assert "managedFields" not in yaml_of(kubectl("get", "deployment", "ssa", "-o", "yaml"))["metadata"]
    kubectl("scale", "deployment", "ssa", "--replicas=4")
    done = kubectl.run("apply", "--server-side", "-f", manifest, check=False)
    assert done.returncode != 0
    assert ('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" '
            'using apps/v1: .spec.replicas') in done.stderr
    kubectl("apply", "--server-side", "--force-conflicts", "-f", manifest)
    assert kubectl.json("get", "deployment", "ssa")["spec"]["replicas"] == 2
    other = tmp_path / "other.yaml"
    other.write_text(MANIFEST.replace("name: ssa,", "name: ssa-dry,"))
    kubectl("apply", "--server-side", "--dry-run=server", "-f", other)
    assert kubectl.run("get", "deployment", "ssa-dry", check=False).returncode != 0


@pytest.mark.e2e
def test_python_client_applies_with_a_field_manager(live):
    from kubernetes import client, config, dynamic
    from kubernetes.client.rest import ApiException

    api_client = config.new_client_from_config(config_file=str(live.kubeconfig))
    deployments = dynamic.DynamicClient(api_client).resources.get(api_version="apps/v1",
                                                                  kind="Deployment")
    body = yaml_of(MANIFEST.replace("ssa", "py-ssa"))
    created = deployments.server_side_apply(body=body, name="py-ssa", namespace="default",
                                            field_manager="py")
    assert [e.manager for e in created.metadata.managedFields] == ["py"]
    body["spec"]["replicas"] = 3
    with pytest.raises(ApiException) as conflict:
        client.AppsV1Api(api_client).patch_namespaced_deployment(
            "py-ssa", "default", body, field_manager="other",
            _content_type="application/apply-patch+yaml")
    assert conflict.value.status == 409
    assert json.loads(conflict.value.body)["details"]["causes"][0]["field"] == ".spec.replicas"
    forced = client.AppsV1Api(api_client).patch_namespaced_deployment(
        "py-ssa", "default", body, field_manager="other", force=True,
        _content_type="application/apply-patch+yaml")
    assert forced.spec.replicas == 3


def yaml_of(text):
    import yaml

    return yaml.safe_load(text)
