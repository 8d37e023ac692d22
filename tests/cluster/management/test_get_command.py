"""manage.py get: kubectl's tables, -A, -l, -o yaml/json/name/wide, and its messages."""
import json
from datetime import timedelta

import pytest
import yaml

from cluster import kinds, store
from cluster.management import printers
from cluster.timestamps import now, parse, timestamp

pytestmark = pytest.mark.django_db


def configmap(name, namespace="default", **labels):
    return store.create({"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": name, "namespace": namespace, "labels": labels},
                         "data": {"a": "1", "b": "2"}})


@pytest.fixture
def team():
    return store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})


def test_an_applied_object_shows_in_a_table(kubectl, manifest):
    kubectl("apply", "-f", manifest("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                                    "data:\n  a: '1'\n"))
    result = kubectl("get", "cm")
    assert result.code == 0 and result.err == ""
    header, row = result.out.splitlines()
    assert header == "NAME       DATA   AGE"
    assert row.split() == ["settings", "1", row.split()[2]] and row.startswith("settings   1      ")


def test_kinds_resolve_as_kubectl_resolves_them(kubectl):
    configmap("a")
    for name in ("configmaps", "configmap", "cm", "ConfigMap"):
        assert "a " in kubectl("get", name).out
    unknown = kubectl("get", "widgets")
    assert (unknown.code, unknown.err) == (1, 'error: the server doesn\'t have a resource type "widgets"\n')


def test_nothing_found_is_said_on_stderr(kubectl, team):
    assert kubectl("get", "pods").err == "No resources found in default namespace.\n"
    assert kubectl("get", "pods", "-n", "team").err == "No resources found in team namespace.\n"
    assert kubectl("get", "pods", "-A").err == "No resources found\n"
    assert kubectl("get", "pv").err == "No resources found\n"


def test_a_missing_name_is_a_server_error(kubectl):
    configmap("a")
    result = kubectl("get", "pods", "x")
    assert (result.code, result.out, result.err) == (1, "", 'Error from server (NotFound): pods "x" not found\n')
    both = kubectl("get", "cm", "a", "x")
    assert both.code == 1 and both.out.splitlines()[1].startswith("a ")
    assert both.err == 'Error from server (NotFound): configmaps "x" not found\n'


def test_all_namespaces_adds_the_namespace_column(kubectl, team):
    configmap("a")
    configmap("b", "team")
    lines = kubectl("get", "cm", "-A").out.splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "DATA", "AGE"]
    assert [line.split()[:2] for line in lines[1:]] == [["default", "a"], ["team", "b"]]
    assert kubectl("get", "ns", "-A").out.splitlines()[0].split() == ["NAME", "STATUS", "AGE"]


def test_a_label_selector_filters(kubectl):
    configmap("web", app="web", tier="front")
    configmap("db", app="db")
    def names(selector):
        return [line.split()[0] for line in kubectl("get", "cm", "-l", selector).out.splitlines()[1:]]

    assert names("app=web") == ["web"]
    assert names("app in (web,db)") == ["db", "web"]
    assert names("!tier") == ["db"]


def test_output_yaml_json_and_name(kubectl):
    created = configmap("a", app="x")
    configmap("b")
    assert yaml.safe_load(kubectl("get", "cm", "a", "-o", "yaml").out) == created
    assert json.loads(kubectl("get", "cm", "a", "-o", "json").out) == created
    listed = yaml.safe_load(kubectl("get", "cm", "-o", "yaml").out)
    assert listed["kind"] == "List" and listed["metadata"] == {"resourceVersion": ""}
    assert [o["metadata"]["name"] for o in listed["items"]] == ["a", "b"]
    assert kubectl("get", "cm", "-o", "name").out == "configmap/a\nconfigmap/b\n"
    assert kubectl("get", "deploy", "-o", "name").out == ""


def test_yaml_output_quotes_and_blocks_as_kubectl_does():
    text = printers.to_yaml({"a": "1", "b": "y", "c": "", "d": "line\nnext\n", "e": "plain", "f": 2})
    assert text == 'a: "1"\nb: "y"\nc: ""\nd: |\n  line\n  next\ne: plain\nf: 2\n'
    assert printers.to_json({"b": "<&>", "a": []}) == '{\n    "a": [],\n    "b": "\\u003c\\u0026\\u003e"\n}\n'


def test_wide_output_adds_columns(kubectl):
    store.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
    plain = kubectl("get", "deploy").out.splitlines()
    assert plain[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert plain[1].split()[:4] == ["web", "0/3", "0", "0"]
    wide = kubectl("get", "deploy", "-o", "wide").out.splitlines()
    assert wide[0].split()[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert wide[1].split()[-3:] == ["app", "nginx", "app=web"]


def test_pods_show_readiness_status_and_restarts():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "creationTimestamp": timestamp(now())},
           "spec": {"containers": [{"name": "a"}, {"name": "b"}], "nodeName": "node-1"},
           "status": {"phase": "Running", "podIP": "10.244.1.5", "containerStatuses": [
               {"name": "a", "ready": True, "restartCount": 0, "state": {"running": {}}},
               {"name": "b", "ready": False, "restartCount": 2,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}
    header, row = printers.table(kinds.lookup("po"), [pod], wide=True)
    assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED",
                              "NODE", "READINESS", "GATES"]
    assert row.split() == ["p", "1/2", "CrashLoopBackOff", "2", "0s", "10.244.1.5", "node-1", "<none>", "<none>"]
    pod["metadata"]["deletionTimestamp"] = timestamp(now())
    assert printers.table(kinds.lookup("po"), [pod])[1].split()[2] == "Terminating"


@pytest.mark.parametrize(("seconds", "shown"), [
    (-5, "<invalid>"), (0, "0s"), (119, "119s"), (120, "2m"), (5 * 60 + 7, "5m7s"), (10 * 60 + 7, "10m"),
    (3 * 3600, "3h"), (3 * 3600 + 60 * 5, "3h5m"), (30 * 3600, "30h"), (2 * 86400 + 3 * 3600, "2d3h"),
    (20 * 86400, "20d"), (800 * 86400, "2y70d"), (9 * 365 * 86400, "9y"),
])
def test_ages_read_as_kubectls(seconds, shown):
    created = parse("2024-01-01T00:00:00Z")
    assert printers.age("2024-01-01T00:00:00Z", created + timedelta(seconds=seconds)) == shown
