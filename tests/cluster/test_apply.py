"""kubectl apply: create, three-way merge, all-or-nothing uploads, dry runs and namespaces."""
import json

import pytest

from cluster import apply as applying
from cluster import kinds, store
from cluster.apply import LAST_APPLIED, apply, three_way_merge_patch
from cluster.errors import BadRequest, Conflict, Invalid, NotFound
from cluster.manifests import ManifestError, parse
from cluster.models import ApiObject
from tests.manifests import WEB_DEPLOYMENT_LABELLED

pytestmark = pytest.mark.django_db

DEPLOY = kinds.lookup("deployments")
CM = kinds.lookup("configmaps")

WEB = WEB_DEPLOYMENT_LABELLED


def line(text, needle):
    return next(i for i, t in enumerate(text.splitlines(), 1) if needle in t)


def run(text, **kwargs):
    return apply(parse(text, "web.yaml"), **kwargs)


def live(name="web", kind=DEPLOY, namespace="default"):
    return store.get(kind, namespace, name)


def test_create_writes_the_last_applied_configuration_as_kubectl_writes_it():
    (result,) = run(WEB)
    assert (result.action, result.kind, result.object["metadata"]["name"]) == ("created", DEPLOY, "web")
    annotation = live()["metadata"]["annotations"][LAST_APPLIED]
    assert annotation == (
        '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"labels":'
        '{"app":"web","tier":"front"},"name":"web","namespace":"default"},"spec":{"replicas":2,'
        '"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},'
        '"spec":{"containers":[{"image":"nginx:1.27","name":"web"}]}}}}\n')


def test_the_annotation_leaves_itself_out_and_escapes_as_go_does():
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    note: a<b&c\n"
            f"    {LAST_APPLIED}: stale\n")
    run(text)
    annotations = live("c", CM)["metadata"]["annotations"]
    assert annotations["note"] == "a<b&c"
    assert annotations[LAST_APPLIED] == (
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"annotations":{"note":"a\\u003cb\\u0026c"},'
        '"name":"c","namespace":"default"}}\n')


def test_applying_the_same_manifest_again_changes_nothing():
    run(WEB)
    before = live()["metadata"]["resourceVersion"]
    (result,) = run(WEB)
    assert result.action == "unchanged"
    assert live()["metadata"]["resourceVersion"] == before


def test_a_changed_manifest_configures_the_object():
    run(WEB)
    (result,) = run(WEB.replace("replicas: 2", "replicas: 5"))
    assert result.action == "configured"
    assert live()["spec"]["replicas"] == 5
    assert json.loads(live()["metadata"]["annotations"][LAST_APPLIED])["spec"]["replicas"] == 5


def test_a_field_removed_from_the_manifest_is_deleted():
    run(WEB)
    run(WEB.replace("    tier: front\n", ""))
    assert live()["metadata"]["labels"] == {"app": "web"}


def test_fields_someone_else_set_are_kept():
    run(WEB)
    obj = live()
    obj["metadata"]["labels"]["owner"] = "ops"
    obj["metadata"]["annotations"]["team"] = "payments"
    store.update(obj)
    assert run(WEB)[0].action == "unchanged"
    (result,) = run(WEB.replace("replicas: 2", "replicas: 3"))
    assert result.action == "configured"
    meta = live()["metadata"]
    assert meta["labels"] == {"app": "web", "tier": "front", "owner": "ops"}
    assert meta["annotations"]["team"] == "payments"


def test_a_field_in_the_manifest_that_someone_else_changed_is_set_back():
    run(WEB)
    obj = live()
    obj["spec"]["replicas"] = 9
    store.update(obj)
    assert run(WEB)[0].action == "configured"
    assert live()["spec"]["replicas"] == 2


def test_lists_are_replaced_not_merged():
    run(WEB)
    run(WEB.replace("image: nginx:1.27", "image: nginx:1.28"))
    (container,) = live()["spec"]["template"]["spec"]["containers"]
    assert (container["name"], container["image"]) == ("web", "nginx:1.28")


def test_an_object_created_otherwise_is_adopted_with_a_warning():
    store.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}})
    (result,) = run("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  b: '2'\n")
    assert result.action == "configured"
    assert result.warnings == [(
        f"Warning: resource configmaps/c is missing the {LAST_APPLIED} annotation which is required "
        "by kubectl apply. kubectl apply should only be used on resources created declaratively by "
        "either kubectl create --save-config or kubectl apply. The missing annotation will be "
        "patched automatically.")]
    assert live("c", CM)["data"] == {"a": "1", "b": "2"}  # nothing was applied before: nothing removed


def test_a_conflicting_write_is_retried_on_the_object_read_again(monkeypatch):
    run(WEB)
    real_update, calls = store.update, []

    def racing_update(obj, **kwargs):
        calls.append(obj)
        if len(calls) == 1:  # someone else writes between apply's read and its write
            other = live()
            other["metadata"]["labels"]["raced"] = "yes"
            real_update(other)
        return real_update(obj, **kwargs)

    monkeypatch.setattr(applying.store, "update", racing_update)
    (result,) = run(WEB.replace("replicas: 2", "replicas: 4"))
    assert result.action == "configured" and len(calls) == 2
    assert live()["spec"]["replicas"] == 4
    assert live()["metadata"]["labels"]["raced"] == "yes"


def test_conflicts_give_up_after_kubectls_retries(monkeypatch):
    run(WEB)

    def always_stale(obj, **kwargs):
        raise Conflict.stale(DEPLOY, "web")

    monkeypatch.setattr(applying.store, "update", always_stale)
    with pytest.raises(Conflict, match='error when patching "web.yaml": document 0 '):
        run(WEB.replace("replicas: 2", "replicas: 4"))


# --- all or nothing ---------------------------------------------------------------------------

def three_documents(third):
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\n"
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n---\n" + third)


def test_an_upload_whose_third_document_fails_leaves_the_store_untouched():
    text = three_documents("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: third\n  namespace: nope\n")
    revision, rows = store.current_revision(), ApiObject.objects.count()
    with pytest.raises(NotFound) as e:
        run(text)
    assert e.value.message == (f'error when creating "web.yaml": document 2 (line {line(text, "namespace: nope")}): '
                               'namespaces "nope" not found')
    assert e.value.code == 404 and e.value.details == {"name": "nope", "kind": "namespaces"}
    assert (store.current_revision(), ApiObject.objects.count()) == (revision, rows)


def test_an_unknown_kind_in_an_upload_applies_nothing():
    text = three_documents("apiVersion: v1\nkind: Widget\nmetadata:\n  name: w\n")
    with pytest.raises(BadRequest) as e:
        run(text)
    assert e.value.message == (
        f'resource mapping not found for name: "w" namespace: "" from "web.yaml": document 2 '
        f'(line {line(text, "kind: Widget")}): no matches for kind "Widget" in version "v1"\n'
        "ensure CRDs are installed first")
    with pytest.raises(NotFound):
        store.get(CM, "default", "first")


def test_an_invalid_object_is_located_at_its_first_bad_field(monkeypatch):
    def validate(kind, obj, old=None, subresource=None):
        if obj["metadata"]["name"] == "third":
            raise Invalid(kind, "third", [
                {"reason": "FieldValueRequired", "field": "data[key]", "message": "Required value"},
                {"reason": "FieldValueInvalid", "field": "metadata.labels", "message": "Invalid value"}])

    monkeypatch.setattr("cluster.validation.validate", validate)
    text = three_documents("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: third\n"
                           "  labels: {a: b}\ndata:\n  key: ''\n")
    with pytest.raises(Invalid) as e:
        run(text)
    data_line, labels_line = line(text, "key: ''"), line(text, "labels: {a: b}")
    assert e.value.message == (
        f'error when creating "web.yaml": document 2 (line {data_line}): ConfigMap "third" is invalid: '
        "[data[key]: Required value, metadata.labels: Invalid value]")
    assert [c["line"] for c in e.value.details["causes"]] == [data_line, labels_line]
    assert e.value.causes == e.value.details["causes"]
    assert (e.value.code, e.value.reason) == (422, "Invalid")
    assert e.value.status()["details"]["kind"] == "ConfigMap"
    with pytest.raises(NotFound):
        store.get(CM, "default", "first")


def test_a_deployment_whose_selector_misses_its_template_is_invalid():
    bad = WEB.replace("labels: {app: web}", "labels: {app: other}")
    text = three_documents(bad)
    with pytest.raises(Invalid) as e:
        run(text)
    labels = line(text, "labels: {app: other}")
    assert e.value.message.startswith(f'error when creating "web.yaml": document 2 (line {labels}): '
                                      'Deployment.apps "web" is invalid: ')
    assert {"field": "spec.template.metadata.labels", "line": labels} in [
        {"field": c["field"], "line": c["line"]} for c in e.value.details["causes"]]
    with pytest.raises(NotFound):
        store.get(CM, "default", "first")


# --- dry runs, namespaces, names --------------------------------------------------------------

def test_a_dry_run_validates_everything_and_writes_nothing():
    revision = store.current_revision()
    results = run(three_documents("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: third\n"),
                  dry_run=True)
    assert [r.action for r in results] == ["created"] * 3
    assert store.current_revision() == revision
    with pytest.raises(NotFound):
        store.get(CM, "default", "first")
    with pytest.raises(NotFound):  # as a server dry run: the namespace was not made
        run("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: new\n---\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: new\n", dry_run=True)


def test_a_patch_the_server_turns_into_no_change_is_unchanged():
    run(WEB)
    obj = live()
    obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Always"
    store.update(obj)  # a list the manifest also sets: the patch replaces it, defaults refill it
    (result,) = run(WEB)
    assert result.action == "configured"
    assert live()["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    (again,) = run(WEB)
    assert again.action == "unchanged"


def test_a_dry_run_of_a_change_reports_it_without_making_it():
    run(WEB)
    (result,) = run(WEB.replace("replicas: 2", "replicas: 7"), dry_run=True)
    assert result.action == "configured" and result.object["spec"]["replicas"] == 7
    assert result.object["metadata"]["resourceVersion"] == live()["metadata"]["resourceVersion"]
    assert live()["spec"]["replicas"] == 2
    (same,) = run(WEB, dry_run=True)
    assert same.action == "unchanged"


def test_the_namespace_comes_from_the_document_then_the_argument_then_default():
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
    run(cm.format(name="a") + "  namespace: team\n")
    run(cm.format(name="b"), namespace="team")
    run(cm.format(name="c"))
    assert [live(n, CM, ns)["metadata"]["namespace"] for n, ns in
            (("a", "team"), ("b", "team"), ("c", "default"))] == ["team", "team", "default"]


def test_a_namespace_that_disagrees_with_the_explicit_one_is_refused():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: a\n"
    with pytest.raises(ManifestError) as e:
        run(text, namespace="b")
    assert e.value.message == (
        'error when applying "web.yaml": document 0 (line 5): the namespace from the provided object '
        "\"a\" does not match the namespace \"b\". You must pass '--namespace=a' to perform this "
        "operation.")


def test_cluster_scoped_objects_drop_a_namespace():
    (result,) = run("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  namespace: x\n", namespace="y")
    assert "namespace" not in result.object["metadata"]
    assert "namespace" not in json.loads(result.object["metadata"]["annotations"][LAST_APPLIED])["metadata"]


def test_apply_needs_a_name():
    with pytest.raises(ManifestError, match="document 0 \\(line 4\\): from web-: cannot use generate name with apply"):
        run("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: web-\n")
    with pytest.raises(ManifestError, match="resource name may not be empty"):
        run("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n")
    with pytest.raises(ManifestError, match="no objects passed to apply"):
        apply([])


# --- the three-way patch ----------------------------------------------------------------------

@pytest.mark.parametrize(("original", "modified", "current", "patch"), [
    ({"a": 1}, {"a": 1}, {"a": 1, "b": 2}, {}),  # others' fields stay
    ({"a": 1, "b": 2}, {"a": 1}, {"a": 1, "b": 2}, {"b": None}),  # removed from the manifest
    ({}, {"a": 1}, {"a": 2}, {"a": 1}),  # set back
    ({"m": {"x": 1, "y": 2}}, {"m": {"x": 1}}, {"m": {"x": 1, "y": 2, "z": 3}}, {"m": {"y": None}}),
    ({"l": [1, 2]}, {"l": [1]}, {"l": [1, 2]}, {"l": [1]}),  # lists replace
    ({}, {"m": {}}, {}, {"m": {}}),  # an explicit empty map is a value
    ({"a": True}, {"a": 1}, {"a": True}, {"a": 1}),  # true is not 1
    ({"a": 1}, {"a": 1.0}, {"a": 1}, {}),  # 1 is 1.0
])
def test_the_three_way_patch(original, modified, current, patch):
    assert three_way_merge_patch(original, modified, current) == patch
