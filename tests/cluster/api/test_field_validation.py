"""fieldValidation on create, update and patch, with upstream's own cases and expectations
(test/integration/apiserver/field_validation_test.go)."""
import re

import pytest

DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"

INVALID_BODY_JSON = """{
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "dupename", "name": "%s", "labels": {"app": "nginx"},
               "unknownMeta": "metaVal"},
  "spec": {
    "unknown1": "val1", "unknownDupe": "valDupe", "unknownDupe": "valDupe2",
    "paused": true, "paused": false,
    "selector": {"matchLabels": {"app": "nginx"}},
    "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{
      "name": "nginx", "image": "nginx:latest", "unknownNested": "val1",
      "imagePullPolicy": "Always", "imagePullPolicy": "Never"}]}}}}"""

INVALID_BODY_YAML = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: dupename
  name: %s
  unknownMeta: metaVal
  labels:
    app: nginx
spec:
  unknown1: val1
  unknownDupe: valDupe
  unknownDupe: valDupe2
  paused: true
  paused: false
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:latest
        unknownNested: val1
        imagePullPolicy: Always
        imagePullPolicy: Never"""

VALID_BODY = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "nginx"}},
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "nginx"}}, "template": {
        "metadata": {"labels": {"app": "nginx"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:latest"}]}}}}

JSON_WARNINGS = [
    'duplicate field "metadata.name"',
    'unknown field "metadata.unknownMeta"',
    'unknown field "spec.unknown1"',
    'unknown field "spec.unknownDupe"',
    'duplicate field "spec.paused"',
    'unknown field "spec.template.spec.containers[0].unknownNested"',
    'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
]
YAML_LINES = [
    'line 5: key "name" already set in map',
    'line 12: key "unknownDupe" already set in map',
    'line 14: key "paused" already set in map',
    'line 28: key "imagePullPolicy" already set in map',
]
YAML_UNKNOWN = [
    'unknown field "metadata.unknownMeta"',
    'unknown field "spec.template.spec.containers[0].unknownNested"',
    'unknown field "spec.unknown1"',
    'unknown field "spec.unknownDupe"',
]
MERGE_PATCH = """{"spec": {
  "unknown1": "val1", "unknownDupe": "valDupe", "unknownDupe": "valDupe2",
  "paused": true, "paused": false,
  "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:latest",
    "unknownNested": "val1", "imagePullPolicy": "Always", "imagePullPolicy": "Never"}]}}}}"""
PATCH_WARNINGS = [
    'duplicate field "spec.unknownDupe"',
    'duplicate field "spec.paused"',
    'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
    'unknown field "spec.template.spec.containers[0].unknownNested"',
    'unknown field "spec.unknown1"',
    'unknown field "spec.unknownDupe"',
]
JSON_PATCH = """[
  {"op": "add", "path": "/spec/unknown1", "value": "val1", "foo": "bar"},
  {"op": "add", "path": "/spec/unknown2", "path": "/spec/unknown3", "value": "val1"},
  {"op": "add", "path": "/spec/unknownDupe", "value": "valDupe"},
  {"op": "add", "path": "/spec/unknownDupe", "value": "valDupe2"},
  {"op": "add", "path": "/spec/paused", "value": true},
  {"op": "add", "path": "/spec/paused", "value": false},
  {"op": "add", "path": "/spec/template/spec/containers/0/unknownNested", "value": "val1"},
  {"op": "add", "path": "/spec/template/spec/containers/0/imagePullPolicy", "value": "Always"},
  {"op": "add", "path": "/spec/template/spec/containers/0/imagePullPolicy", "value": "Never"}
]"""
JSON_PATCH_WARNINGS = [
    'json patch unknown field "[0].foo"',
    'json patch duplicate field "[1].path"',
    'unknown field "spec.template.spec.containers[0].unknownNested"',
    'unknown field "spec.unknown1"',
    'unknown field "spec.unknown3"',
    'unknown field "spec.unknownDupe"',
]
SMP = "application/strategic-merge-patch+json"

pytestmark = pytest.mark.django_db


def warnings(response):
    """The texts of a response's Warning header(s), as client-go parses them."""
    header = response.headers.get("Warning", "")
    texts = re.findall(r'299 - "((?:[^"\\]|\\.)*)"(?:, |$)', header)
    return [re.sub(r"\\(.)", r"\1", t) for t in texts]


def _query(mode):
    return f"?fieldValidation={mode}" if mode else ""


@pytest.mark.parametrize("mode", ["Warn", None])
def test_post_warn_drops_unknown_fields_and_warns(api, mode):
    status, created = api.post(DEPLOYMENTS + _query(mode), INVALID_BODY_JSON % "web")
    assert status == 201
    assert warnings(api.last) == JSON_WARNINGS
    assert api.last.headers["Warning"].startswith('299 - "duplicate field \\"metadata.name\\"", ')
    assert created["metadata"]["name"] == "web"  # the last of a repeated key wins
    assert created["spec"]["paused"] is False
    assert "unknown1" not in created["spec"] and "unknownMeta" not in created["metadata"]
    assert "unknownNested" not in created["spec"]["template"]["spec"]["containers"][0]


def test_post_strict_fails_with_every_problem(api):
    status, error = api.post(DEPLOYMENTS + "?fieldValidation=Strict", INVALID_BODY_JSON % "web")
    assert status == 400 and error["reason"] == "BadRequest"
    assert error["message"] == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        + ", ".join(JSON_WARNINGS))
    assert "Warning" not in api.last.headers
    assert api.get(f"{DEPLOYMENTS}/web")[0] == 404


def test_post_ignore_drops_silently(api):
    status, created = api.post(DEPLOYMENTS + "?fieldValidation=Ignore", INVALID_BODY_JSON % "web")
    assert status == 201 and "Warning" not in api.last.headers
    assert "unknown1" not in created["spec"]


def test_yaml_bodies_report_go_yaml_lines_then_sorted_unknown_fields(api):
    body = INVALID_BODY_YAML % "web"
    status, error = api.post(DEPLOYMENTS + "?fieldValidation=Strict", body,
                             content_type="application/yaml")
    assert status == 400
    assert error["message"].endswith(
        "strict decoding error: yaml: unmarshal errors:\n  " + "\n  ".join(YAML_LINES) + ", "
        + ", ".join(YAML_UNKNOWN))
    status, _ = api.post(DEPLOYMENTS, body, content_type="application/yaml")
    assert status == 201 and warnings(api.last) == YAML_LINES + YAML_UNKNOWN


def test_put_in_all_three_modes(api):
    api.post(DEPLOYMENTS, VALID_BODY)
    status, error = api.put(f"{DEPLOYMENTS}/web?fieldValidation=Strict", INVALID_BODY_JSON % "web")
    assert status == 400 and error["message"].endswith(", ".join(JSON_WARNINGS))
    status, updated = api.put(f"{DEPLOYMENTS}/web", INVALID_BODY_JSON % "web")
    assert status == 200 and warnings(api.last) == JSON_WARNINGS
    assert updated["spec"]["replicas"] == 1 and "unknown1" not in updated["spec"]
    status, _ = api.put(f"{DEPLOYMENTS}/web?fieldValidation=Ignore", INVALID_BODY_JSON % "web")
    assert status == 200 and "Warning" not in api.last.headers


@pytest.mark.parametrize("content_type, body, expected", [
    ("application/merge-patch+json", MERGE_PATCH, PATCH_WARNINGS),
    (SMP, MERGE_PATCH, PATCH_WARNINGS),
    ("application/json-patch+json", JSON_PATCH, JSON_PATCH_WARNINGS),
])
def test_patches_warn_by_default_and_strict_refuses(api, content_type, body, expected):
    api.post(DEPLOYMENTS, VALID_BODY)
    status, error = api.patch(f"{DEPLOYMENTS}/web?fieldValidation=Strict", body, content_type)
    assert status == 422 and error["reason"] == "Invalid"
    assert error["message"].startswith(' "" is invalid: patch: Invalid value: "')
    assert error["message"].endswith("strict decoding error: " + ", ".join(expected))
    assert error["details"]["causes"][0]["field"] == "patch"
    status, patched = api.patch(f"{DEPLOYMENTS}/web", body, content_type)
    assert status == 200 and warnings(api.last) == expected
    assert "unknown1" not in patched["spec"] and patched["spec"]["paused"] is False
    status, _ = api.patch(f"{DEPLOYMENTS}/web?fieldValidation=Ignore", body, content_type)
    assert status == 200 and "Warning" not in api.last.headers


def test_strict_strategic_merge_patch_quotes_the_patch_as_go_prints_it(api):
    api.post(DEPLOYMENTS, VALID_BODY)
    status, error = api.patch(f"{DEPLOYMENTS}/web?fieldValidation=Strict",
                              {"spec": {"foo": 1, "paused": True}}, SMP)
    assert status == 422
    assert error["message"] == (' "" is invalid: patch: Invalid value: "map[spec:map[foo:1 '
                                'paused:true]]": strict decoding error: unknown field "spec.foo"')
    # The map after the merge, which consumed its directives and the lists they ordered.
    status, error = api.patch(f"{DEPLOYMENTS}/web?fieldValidation=Strict", {"spec": {
        "foo": 1, "template": {"spec": {"$setElementOrder/containers": [{"name": "nginx"}],
                                        "containers": [{"name": "nginx", "image": "x"}]}}}}, SMP)
    assert error["message"].startswith(
        ' "" is invalid: patch: Invalid value: "map[spec:map[foo:1 template:map[spec:map[]]]]"')


def test_a_clean_patch_with_repeated_keys_only(api):
    api.post(DEPLOYMENTS, VALID_BODY)
    body = '{"spec": {"paused": true, "paused": false}}'
    status, error = api.patch(f"{DEPLOYMENTS}/web?fieldValidation=Strict", body, SMP)
    assert status == 422
    assert error["message"].endswith('strict decoding error: duplicate field "spec.paused"')
    status, _ = api.patch(f"{DEPLOYMENTS}/web", body, SMP)
    assert status == 200 and warnings(api.last) == ['duplicate field "spec.paused"']


def test_a_wrong_type_fails_in_every_mode(api):
    body = {**VALID_BODY, "spec": {**VALID_BODY["spec"], "replicas": "two", "foo": 1}}
    for mode in ("Ignore", "Warn"):
        status, error = api.post(DEPLOYMENTS + _query(mode), body)
        assert status == 400 and "cannot unmarshal string into Go struct field" in error["message"]


@pytest.mark.parametrize("method, options_kind", [
    ("post", "CreateOptions"), ("put", "UpdateOptions"), ("patch", "PatchOptions")])
def test_an_unsupported_value_is_invalid(api, method, options_kind):
    api.post(DEPLOYMENTS, VALID_BODY)
    path = DEPLOYMENTS if method == "post" else f"{DEPLOYMENTS}/web"
    status, error = getattr(api, method)(path + "?fieldValidation=strict", VALID_BODY)
    assert status == 422
    assert error["message"] == (
        f'{options_kind}.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: '
        '"strict": supported values: "", "Ignore", "Strict", "Warn"')


def test_many_warnings_are_cut_as_upstream_cuts_them(api):
    spec = {**VALID_BODY["spec"], **{f"unknown{i:03d}" + "x" * 300: 1 for i in range(20)}}
    status, _ = api.post(DEPLOYMENTS, {**VALID_BODY, "spec": spec})
    assert status == 201
    texts = warnings(api.last)
    assert len(texts) == 16 and all(len(t) == 256 for t in texts)


def test_a_merge_patch_that_is_not_an_object(api):
    api.post(DEPLOYMENTS, VALID_BODY)
    status, error = api.patch(f"{DEPLOYMENTS}/web", "[1]")
    assert status == 400 and error["message"] == (
        "error decoding patch: json: cannot unmarshal array into Go value of type "
        "map[string]interface {}")


def test_the_scale_subresource_is_checked_too(api):
    api.post(DEPLOYMENTS, VALID_BODY)
    _, scale = api.get(f"{DEPLOYMENTS}/web/scale")
    scale["spec"]["foo"] = 1
    status, error = api.put(f"{DEPLOYMENTS}/web/scale?fieldValidation=Strict", scale)
    assert status == 400 and error["message"] == (
        'Scale in version "v1" cannot be handled as a Scale: strict decoding error: '
        'unknown field "spec.foo"')
    status, _ = api.patch(f"{DEPLOYMENTS}/web/scale", {"spec": {"replicas": 3, "foo": 1}})
    assert status == 200 and warnings(api.last) == ['unknown field "spec.foo"']
