"""GET, LIST, POST, PUT, PATCH, DELETE and deletecollection at Kubernetes' paths, with dryRun."""
import pytest

from cluster import kinds, store

from .objects import (
    CONFIGMAPS,
    DEPLOYMENTS,
    PODS,
    configmap,
    deployment,
    names,
    pod,
    rv,
)

pytestmark = pytest.mark.django_db


def test_create_then_get_the_object(api):
    status, created = api.post(PODS, pod("web"))
    assert status == 201
    assert created["kind"] == "Pod" and created["apiVersion"] == "v1"
    assert created["metadata"]["namespace"] == "default" and created["metadata"]["uid"]
    assert api.last["Content-Type"] == "application/json"
    status, got = api.get(f"{PODS}/web")
    assert status == 200 and got == created


def test_create_takes_the_namespace_from_the_url_and_defaults_kind_and_apiversion(api):
    body = {"metadata": {"name": "c"}, "data": {"k": "v"}}
    status, created = api.post("/api/v1/namespaces/kube-system/configmaps", body)
    assert status == 201
    assert (created["kind"], created["apiVersion"]) == ("ConfigMap", "v1")
    assert created["metadata"]["namespace"] == "kube-system"


def test_create_refuses_a_body_in_another_namespace(api):
    body = {**configmap("c"), "metadata": {"name": "c", "namespace": "kube-system"}}
    status, error = api.post(CONFIGMAPS, body)
    assert status == 400 and error["reason"] == "BadRequest"
    assert error["message"] == ("the namespace of the provided object does not match the namespace "
                                "sent on the request")


def test_create_refuses_another_kind_or_api_version(api):
    status, error = api.post(PODS, configmap("c"))
    assert status == 400
    assert error["message"].startswith('ConfigMap in version "v1" cannot be handled as a Pod:')
    status, error = api.post(DEPLOYMENTS, {**deployment(), "apiVersion": "apps/v1beta1"})
    assert status == 400
    assert error["message"].startswith('Deployment in version "v1beta1" cannot be handled as a Deployment')


def test_a_cluster_scoped_kind_loses_a_namespace_it_was_sent_with(api):
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "namespace": "default"}}
    status, created = api.post("/api/v1/nodes", node)
    assert status == 201 and "namespace" not in created["metadata"]
    assert api.get("/api/v1/nodes/n1")[0] == 200


def test_create_twice_is_409_already_exists(api):
    api.post(CONFIGMAPS, configmap("c"))
    status, error = api.post(CONFIGMAPS, configmap("c"))
    assert status == 409 and error["reason"] == "AlreadyExists"
    assert error["message"] == 'configmaps "c" already exists'
    assert error["details"] == {"name": "c", "kind": "configmaps"}


def test_a_yaml_body_is_accepted(api):
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  mode: 'fast'\n"
    status, created = api.post(CONFIGMAPS, manifest, content_type="application/yaml")
    assert status == 201 and created["data"] == {"mode": "fast"}


def test_malformed_json_is_400_with_the_decoders_message(api):
    status, error = api.post(CONFIGMAPS, '{"metadata": ')
    assert status == 400 and error["reason"] == "BadRequest"
    assert error["message"].startswith("the object provided is unrecognized (must be of type "
                                       "ConfigMap): couldn't get version/kind; json parse error: ")
    assert error["message"].endswith('({"metadata": )')
    status, error = api.post(CONFIGMAPS, "[1]")
    assert "json: cannot unmarshal array into Go value of type struct" in error["message"]
    assert error["message"].endswith("(5b315d)")  # a body not starting with { is quoted in hex


def test_an_unknown_body_format_is_415(api):
    status, error = api.post(CONFIGMAPS, "x", content_type="text/plain")
    assert status == 415 and error["reason"] == "UnsupportedMediaType"


def test_get_of_a_missing_object_is_404_not_found(api):
    status, error = api.get(f"{DEPLOYMENTS}/nope")
    assert status == 404
    assert error == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                     "message": 'deployments.apps "nope" not found', "reason": "NotFound",
                     "details": {"name": "nope", "group": "apps", "kind": "deployments"}, "code": 404}


def test_list_is_shaped_like_a_kind_list(api):
    api.post(PODS, pod("b"))
    api.post(PODS, pod("a"))
    status, body = api.get(PODS)
    assert status == 200
    assert (body["kind"], body["apiVersion"]) == ("PodList", "v1")
    assert body["metadata"] == {"resourceVersion": str(store.current_revision())}
    assert names(body) == ["a", "b"]
    assert all(item["kind"] == "Pod" and item["apiVersion"] == "v1" for item in body["items"])


def test_list_across_namespaces(api):
    api.post(PODS, pod("here"))
    api.post("/api/v1/namespaces/kube-system/pods", pod("there"))
    assert names(api.get("/api/v1/pods")[1]) == ["here", "there"]
    assert names(api.get(PODS)[1]) == ["here"]


def test_put_replaces_the_object_and_checks_the_resource_version(api):
    _, created = api.post(CONFIGMAPS, configmap("c", k="1"))
    status, updated = api.put(f"{CONFIGMAPS}/c", {**created, "data": {"k": "2"}})
    assert status == 200 and updated["data"] == {"k": "2"}
    assert int(rv(updated)) > int(rv(created))
    status, error = api.put(f"{CONFIGMAPS}/c", {**created, "data": {"k": "3"}})
    assert status == 409 and error["reason"] == "Conflict"
    assert error["message"] == ('Operation cannot be fulfilled on configmaps "c": the object has been '
                                "modified; please apply your changes to the latest version and try again")


def test_put_refuses_a_name_other_than_the_urls(api):
    _, created = api.post(CONFIGMAPS, configmap("c"))
    status, error = api.put(f"{CONFIGMAPS}/other", created)
    assert status == 400
    assert error["message"] == "the name of the object (c) does not match the name on the URL (other)"


def test_put_of_a_missing_object_is_404(api):
    assert api.put(f"{CONFIGMAPS}/c", configmap("c"))[0] == 404


def test_merge_patch(api):
    api.post(CONFIGMAPS, configmap("c", a="1", b="2"))
    status, patched = api.patch(f"{CONFIGMAPS}/c", {"data": {"a": None, "c": "3"},
                                                    "metadata": {"labels": {"x": "y"}}})
    assert status == 200
    assert patched["data"] == {"b": "2", "c": "3"} and patched["metadata"]["labels"] == {"x": "y"}


def test_json_patch(api):
    api.post(CONFIGMAPS, configmap("c", a="1"))
    ops = [{"op": "add", "path": "/data/b", "value": "2"}, {"op": "remove", "path": "/data/a"}]
    status, patched = api.patch(f"{CONFIGMAPS}/c", ops, "application/json-patch+json")
    assert status == 200 and patched["data"] == {"b": "2"}


def test_a_json_patch_that_does_not_apply_is_422(api):
    api.post(CONFIGMAPS, configmap("c"))
    status, error = api.patch(f"{CONFIGMAPS}/c", [{"op": "remove", "path": "/data/nope"}],
                              "application/json-patch+json")
    assert status == 422 and error["reason"] == "Invalid"
    assert error["message"] == "the server rejected our request due to an error in our request"
    status, error = api.patch(f"{CONFIGMAPS}/c", {"op": "add"}, "application/json-patch+json")
    assert status == 400 and "cannot unmarshal object" in error["message"]


def test_strategic_merge_patch_directives_apply_as_upstream(api):
    api.post(PODS, pod("web"))
    body = {"metadata": {"labels": {"tier": "front"}, "$retainKeys": ["labels", "name"]}}
    status, patched = api.patch(f"{PODS}/web", body, "application/strategic-merge-patch+json")
    assert status == 200
    assert patched["metadata"]["labels"] == {"tier": "front"}
    assert "$retainKeys" not in patched["metadata"]
    # $retainKeys clears whatever it does not list, the object's name too.
    body = {"metadata": {"$retainKeys": ["labels"]}}
    status, error = api.patch(f"{PODS}/web", body, "application/strategic-merge-patch+json")
    assert status == 400
    assert error["message"] == "the name of the object () does not match the name on the URL (web)"


def test_unknown_patch_types_are_415(api):
    api.post(CONFIGMAPS, configmap("c"))
    for content_type in ("application/yaml", "application/json"):
        status, error = api.patch(f"{CONFIGMAPS}/c", "data: {}", content_type)
        assert status == 415 and error["reason"] == "UnsupportedMediaType"
        assert error["message"] == (
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, "
            "application/strategic-merge-patch+json, application/apply-patch+yaml")


def test_a_patch_may_not_rename_or_move_the_object(api):
    api.post(CONFIGMAPS, configmap("c"))
    status, error = api.patch(f"{CONFIGMAPS}/c", {"metadata": {"name": "d"}})
    assert status == 400
    assert error["message"] == "the name of the object (d) does not match the name on the URL (c)"
    status, error = api.patch(f"{CONFIGMAPS}/c", {"metadata": {"namespace": "kube-system"}})
    assert status == 400 and "namespace of the provided object" in error["message"]


def test_a_patch_pinning_a_stale_resource_version_is_409(api):
    _, created = api.post(CONFIGMAPS, configmap("c"))
    api.patch(f"{CONFIGMAPS}/c", {"data": {"k": "1"}})
    status, error = api.patch(f"{CONFIGMAPS}/c", {"metadata": {"resourceVersion": rv(created)},
                                                  "data": {"k": "2"}})
    assert status == 409 and error["reason"] == "Conflict"


def test_a_patch_without_a_resource_version_is_retried_over_a_concurrent_write(api, monkeypatch):
    api.post(CONFIGMAPS, configmap("c", a="1"))
    cm = kinds.lookup("configmaps")
    real_get, raced = store.get, []

    def get_then_race(kind, namespace, name):
        current = real_get(kind, namespace, name)
        if not raced:  # another writer slips in between the patcher's read and its write
            raced.append(True)
            store.update({**current, "data": {**current["data"], "b": "2"}})
        return current

    monkeypatch.setattr(store, "get", get_then_race)
    status, patched = api.patch(f"{CONFIGMAPS}/c", {"data": {"c": "3"}})
    assert status == 200 and raced
    assert patched["data"] == {"a": "1", "b": "2", "c": "3"}
    assert real_get(cm, "default", "c")["data"] == patched["data"]


def test_patch_of_a_missing_object_is_404(api):
    assert api.patch(f"{CONFIGMAPS}/nope", {"data": {}})[0] == 404


def test_delete_answers_with_a_status_for_most_kinds(api):
    _, created = api.post(CONFIGMAPS, configmap("c"))
    status, body = api.delete(f"{CONFIGMAPS}/c")
    assert status == 200
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                    "details": {"name": "c", "kind": "configmaps", "uid": created["metadata"]["uid"]}}
    assert api.get(f"{CONFIGMAPS}/c")[0] == 404
    assert api.delete(f"{CONFIGMAPS}/c")[0] == 404


def test_delete_of_a_pod_answers_with_the_pod(api):
    api.post(PODS, pod("web"))
    status, body = api.delete(f"{PODS}/web")
    assert status == 200 and body["kind"] == "Pod" and body["metadata"]["name"] == "web"


def test_graceful_delete_answers_with_the_terminating_object(api):
    api.post(PODS, pod("web", node="n1"))
    status, body = api.delete(f"{PODS}/web", {"kind": "DeleteOptions", "apiVersion": "v1",
                                              "gracePeriodSeconds": 30})
    assert status == 200
    assert body["metadata"]["deletionGracePeriodSeconds"] == 30
    assert api.get(f"{PODS}/web")[1]["metadata"]["deletionTimestamp"]


def test_delete_options_from_the_query(api):
    api.post(DEPLOYMENTS, deployment("web"))
    status, body = api.delete(f"{DEPLOYMENTS}/web?propagationPolicy=Foreground")
    assert status == 200 and body["metadata"]["finalizers"] == ["foregroundDeletion"]


def test_delete_preconditions(api):
    api.post(CONFIGMAPS, configmap("c"))
    status, error = api.delete(f"{CONFIGMAPS}/c", {"preconditions": {"uid": "other"}})
    assert status == 409 and "Precondition failed: UID in precondition: other" in error["message"]


def test_invalid_delete_options_are_422(api):
    api.post(CONFIGMAPS, configmap("c"))
    status, error = api.delete(f"{CONFIGMAPS}/c?propagationPolicy=Sometimes")
    assert status == 422 and error["reason"] == "Invalid"
    assert error["message"] == ('DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported '
                                'value: "Sometimes": supported values: "Foreground", "Background", '
                                '"Orphan", "nil"')
    assert error["details"]["causes"][0]["field"] == "propagationPolicy"


def test_deletecollection_deletes_what_the_selectors_match(api):
    api.post(CONFIGMAPS, {**configmap("a"), "metadata": {"name": "a", "labels": {"x": "1"}}})
    api.post(CONFIGMAPS, {**configmap("b"), "metadata": {"name": "b", "labels": {"x": "2"}}})
    api.post("/api/v1/namespaces/kube-system/configmaps",
             {**configmap("c"), "metadata": {"name": "c", "labels": {"x": "1"}}})
    status, body = api.delete(f"{CONFIGMAPS}?labelSelector=x%3D1")
    assert status == 200 and body["kind"] == "ConfigMapList" and names(body) == ["a"]
    assert names(api.get(CONFIGMAPS)[1]) == ["b"]
    assert names(api.get("/api/v1/namespaces/kube-system/configmaps")[1]) == ["c"]


def test_dry_run_writes_nothing(api):
    before = store.current_revision()
    status, created = api.post(f"{CONFIGMAPS}?dryRun=All", configmap("c"))
    # As upstream: what would be stored, without the resourceVersion only a write gives.
    assert status == 201 and created["metadata"]["uid"]
    assert "resourceVersion" not in created["metadata"]
    assert api.get(f"{CONFIGMAPS}/c")[0] == 404
    _, real = api.post(CONFIGMAPS, configmap("c", k="1"))
    status, updated = api.put(f"{CONFIGMAPS}/c?dryRun=All", {**real, "data": {"k": "2"}})
    assert status == 200 and updated["data"] == {"k": "2"}
    status, patched = api.patch(f"{CONFIGMAPS}/c?dryRun=All", {"data": {"k": "3"}})
    assert status == 200 and patched["data"] == {"k": "3"}
    assert api.delete(f"{CONFIGMAPS}/c?dryRun=All")[0] == 200
    assert api.get(f"{CONFIGMAPS}/c")[1]["data"] == {"k": "1"}
    assert store.current_revision() == before + 1


def test_an_unknown_dry_run_value_is_422_invalid_options(api):
    status, error = api.post(f"{CONFIGMAPS}?dryRun=Some", configmap("c"))
    assert status == 422 and error["reason"] == "Invalid"
    assert error["message"] == ('CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: '
                                '[]string{"Some"}: supported values: "All"')
    assert api.get(f"{CONFIGMAPS}/c")[0] == 404


def test_a_pod_whose_service_account_is_missing_is_403_and_a_dry_run_is_admitted(api):
    refused = pod("web")
    refused["spec"]["serviceAccountName"] = "ghost"
    status, error = api.post(PODS, refused)
    assert status == 403 and error["reason"] == "Forbidden"
    assert error["message"].endswith('serviceaccount "ghost" not found')
    status, created = api.post(f"{PODS}?dryRun=All", pod("web"))
    assert status == 201 and created["spec"]["volumes"][0]["name"].startswith("kube-api-access-")
    assert api.get(f"{PODS}/web")[0] == 404
