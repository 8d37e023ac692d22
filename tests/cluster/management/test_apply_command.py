"""manage.py apply: kubectl's output lines, directories, stdin, dry runs, and failures."""
import pytest

from cluster import kinds, store
from cluster.models import ApiObject
from tests.manifests import WEB_DEPLOYMENT, WEB_SERVICE

pytestmark = pytest.mark.django_db

CM = kinds.lookup("configmaps")
WEB = WEB_DEPLOYMENT + "---\n" + WEB_SERVICE


def configmap(name, namespace=None):
    ns = f"  namespace: {namespace}\n" if namespace else ""
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{ns}"


def test_apply_prints_what_it_did_as_kubectl_does(kubectl, manifest):
    path = manifest(WEB)
    first = kubectl("apply", "-f", path)
    assert (first.code, first.out, first.err) == (0, "deployment.apps/web created\nservice/web created\n", "")
    assert kubectl("apply", "-f", path).out == "deployment.apps/web unchanged\nservice/web unchanged\n"
    changed = manifest(WEB.replace("replicas: 2", "replicas: 3"))
    assert kubectl("apply", "-f", changed).out == "deployment.apps/web configured\nservice/web unchanged\n"


def test_a_directory_is_applied_in_name_order_reading_only_manifests(kubectl, manifest, tmp_path):
    manifest(configmap("b"), "b.yml")
    manifest('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}', "c.json")
    manifest(configmap("a"), "a.yaml")
    manifest("not a manifest", "notes.txt")
    (tmp_path / "sub").mkdir()
    manifest(configmap("nested"), "sub/nested.yaml")
    result = kubectl("apply", "-f", str(tmp_path))
    assert result.out == "configmap/a created\nconfigmap/b created\nconfigmap/c created\n"


def test_stdin_and_a_namespace(kubectl):
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    result = kubectl("apply", "-f", "-", "-n", "team", stdin=configmap("settings"))
    assert result.out == "configmap/settings created\n"
    assert store.get(CM, "team", "settings")["metadata"]["namespace"] == "team"


def test_a_dry_run_prints_what_would_happen_and_writes_nothing(kubectl, manifest):
    revision = store.current_revision()
    result = kubectl("apply", "-f", manifest(WEB), "--dry-run=server")
    assert result.out == ("deployment.apps/web created (server dry run)\n"
                          "service/web created (server dry run)\n")
    assert store.current_revision() == revision


def test_a_failure_applies_nothing_and_says_where(kubectl, manifest):
    text = WEB + "---\n" + configmap("c", namespace="missing")
    path = manifest(text)
    rows = ApiObject.objects.count()
    result = kubectl("apply", "-f", path)
    assert result.code == 1 and result.out == ""
    at = text.splitlines().index("  namespace: missing") + 1
    assert result.err == (f'Error from server (NotFound): error when creating "{path}": document 2 '
                          f'(line {at}): namespaces "missing" not found\n')
    assert ApiObject.objects.count() == rows


def test_client_side_refusals_print_as_kubectl_errors(kubectl, manifest, tmp_path):
    bad = kubectl("apply", "-f", manifest("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a: b\n"))
    assert bad.code == 1
    assert bad.err.startswith("error: error parsing ")
    assert bad.err.endswith(": document 0 (line 4): error converting YAML to JSON: yaml: line 4: "
                            "mapping values are not allowed in this context\n")
    missing = kubectl("apply", "-f", str(tmp_path / "nope.yaml"))
    assert (missing.code, missing.err) == (1, f'error: the path "{tmp_path / "nope.yaml"}" does not exist\n')
    empty = kubectl("apply", "-f", "-", stdin="")
    assert (empty.code, empty.err) == (1, "error: no objects passed to apply\n")
