"""manage.py delete: by kind and names or by file, with kubectl's messages."""
import pytest

from cluster import kinds, store
from cluster.errors import NotFound

pytestmark = pytest.mark.django_db

CM = kinds.lookup("configmaps")
POD = kinds.lookup("pods")


def configmap(name):
    return store.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}})


def test_delete_by_kind_and_names(kubectl):
    configmap("a")
    configmap("b")
    result = kubectl("delete", "cm", "a", "b")
    assert (result.code, result.out) == (0, 'configmap "a" deleted\nconfigmap "b" deleted\n')
    assert kubectl("get", "cm").err == "No resources found in default namespace.\n"


def test_a_missing_name_is_reported_and_the_others_deleted(kubectl):
    configmap("a")
    result = kubectl("delete", "configmap", "x", "a")
    assert result.code == 1
    assert result.out == 'configmap "a" deleted\n'
    assert result.err == 'Error from server (NotFound): configmaps "x" not found\n'


def test_delete_what_a_file_describes(kubectl, manifest):
    path = manifest("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n"
                    "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: robot\n")
    assert kubectl("apply", "-f", path).code == 0
    store.delete(kinds.lookup("sa"), "default", "robot")
    result = kubectl("delete", "-f", path)
    assert result.out == 'configmap "a" deleted\n'
    assert result.err == (f'Error from server (NotFound): error when deleting "{path}": '
                          'serviceaccounts "robot" not found\n')


def test_grace_period_and_cascade_reach_the_store(kubectl):
    store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                  "spec": {"nodeName": "node-1", "containers": [{"name": "a", "image": "nginx"}]}})
    assert kubectl("delete", "pod", "p", "--grace-period=20").out == 'pod "p" deleted\n'
    assert store.get(POD, "default", "p")["metadata"]["deletionGracePeriodSeconds"] == 20
    forced = kubectl("delete", "pod", "p", "--grace-period=0", "--force")
    assert forced.out == 'pod "p" force deleted\n'
    assert forced.err.startswith("warning: Immediate deletion does not wait for confirmation")
    with pytest.raises(NotFound):
        store.get(POD, "default", "p")
    configmap("c")
    kubectl("delete", "cm", "c", "--cascade=orphan")
    assert store.get(CM, "default", "c")["metadata"]["finalizers"] == ["orphan"]


def test_refusals(kubectl):
    assert kubectl("delete").err == "error: You must provide one or more resources by argument or filename.\n"
    assert kubectl("delete", "pods").err == "error: resource(s) were provided, but no name was specified\n"
    assert kubectl("delete", "pod", "p", "--force", "--grace-period=5").err == (
        "error: --force and --grace-period greater than 0 cannot be specified together\n")
