"""manage.py get: kubectl's tables, -A, -l, -o yaml/json/name/wide, and its messages."""
import json

import pytest
import yaml

from cluster import clock, kinds, store
from cluster.management import printers
from cluster.timestamps import now, timestamp

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
    assert (unknown.code, unknown.err) == (
        1, 'error: the server doesn\'t have a resource type "widgets"\n')


def test_nothing_found_is_said_on_stderr(kubectl, team):
    assert kubectl("get", "pods").err == "No resources found in default namespace.\n"
    assert kubectl("get", "pods", "-n", "team").err == "No resources found in team namespace.\n"
    assert kubectl("get", "pods", "-A").err == "No resources found\n"
    assert kubectl("get", "pv").err == "No resources found\n"


def test_a_missing_name_is_a_server_error(kubectl):
    configmap("a")
    result = kubectl("get", "pods", "x")
    assert (result.code, result.out, result.err) == (
        1, "", 'Error from server (NotFound): pods "x" not found\n')
    both = kubectl("get", "cm", "a", "x")
    assert both.code == 1 and both.out.splitlines()[1].startswith("a ")
    assert both.err == 'Error from server (NotFound): configmaps "x" not found\n'


def test_all_namespaces_adds_the_namespace_column(kubectl, team):
    clock.pause()
    configmap("a")
    configmap("b", "team")
    assert kubectl("get", "cm", "-A").out.splitlines() == [
        "NAMESPACE   NAME   DATA   AGE",
        "default     a      2      0s",
        "team        b      2      0s",
    ]
    assert kubectl("get", "ns", "-A").out.splitlines()[0].split() == ["NAME", "STATUS", "AGE"]


def test_every_kind_has_its_server_side_columns(kubectl):
    clock.pause()
    store.create({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                  "metadata": {"name": "standard"}, "provisioner": "rancher.io/local-path"})
    store.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "builder"}})
    header, row = kubectl("get", "sc").out.splitlines()
    assert header == ("NAME       PROVISIONER             RECLAIMPOLICY   VOLUMEBINDINGMODE   "
                      "ALLOWVOLUMEEXPANSION   AGE")
    assert row == ("standard   rancher.io/local-path   Delete          Immediate           "
                   "false                  0s")
    assert kubectl("get", "sa", "builder").out.splitlines() == [
        "NAME      SECRETS   AGE", "builder   0         0s"]


def test_wide_events_add_their_priority_columns(kubectl):
    clock.pause()
    store.create({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1"},
                  "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
                  "reason": "Started", "message": "Started container app", "type": "Normal",
                  "source": {"component": "kubelet", "host": "node-1"}, "count": 1})
    plain, wide = kubectl("get", "events").out, kubectl("get", "events", "-o", "wide").out
    assert plain.splitlines()[0] == "LAST SEEN   TYPE     REASON    OBJECT    MESSAGE"
    header, row = wide.splitlines()
    assert header == ("LAST SEEN   TYPE     REASON    OBJECT    SUBOBJECT   SOURCE            "
                      "MESSAGE                 FIRST SEEN   COUNT   NAME")
    assert row == ("<unknown>   Normal   Started   pod/web               kubelet, node-1   "
                   "Started container app   <unknown>    1       web.1")


def test_a_label_selector_filters(kubectl):
    configmap("web", app="web", tier="front")
    configmap("db", app="db")
    def names(selector):
        lines = kubectl("get", "cm", "-l", selector).out.splitlines()
        return [line.split()[0] for line in lines[1:]]

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
    text = printers.to_yaml(
        {"a": "1", "b": "y", "c": "", "d": "line\nnext\n", "e": "plain", "f": 2})
    assert text == 'a: "1"\nb: "y"\nc: ""\nd: |\n  line\n  next\ne: plain\nf: 2\n'
    assert printers.to_json({"b": "<&>", "a": []}) \
        == '{\n    "a": [],\n    "b": "\\u003c\\u0026\\u003e"\n}\n'


def test_wide_output_adds_columns(kubectl):
    store.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [
                                            {"name": "app", "image": "nginx"}]}}}})
    plain = kubectl("get", "deploy").out.splitlines()
    assert plain[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert plain[1].split()[:4] == ["web", "0/3", "0", "0"]
    wide = kubectl("get", "deploy", "-o", "wide").out.splitlines()
    assert wide[0].split()[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert wide[1].split()[-3:] == ["app", "nginx", "app=web"]


def test_pods_show_readiness_status_and_restarts():
    clock.pause()  # the row's AGE is read after the pod is made
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p", "creationTimestamp": timestamp(now())},
           "spec": {"containers": [{"name": "a"}, {"name": "b"}], "nodeName": "node-1"},
           "status": {"phase": "Running", "podIP": "10.244.1.5", "podIPs": [{"ip": "10.244.1.5"}],
                      "containerStatuses": [
               {"name": "a", "ready": True, "restartCount": 0, "state": {"running": {}}},
               {"name": "b", "ready": False, "restartCount": 2,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}
    header, row = printers.table(kinds.lookup("po"), [pod], wide=True)
    assert header == ("NAME   READY   STATUS             RESTARTS   AGE   IP           NODE     "
                      "NOMINATED NODE   READINESS GATES")
    assert row == ("p      1/2     CrashLoopBackOff   2          0s    10.244.1.5   node-1   "
                   "<none>           <none>")
    pod["metadata"]["deletionTimestamp"] = timestamp(now())
    assert printers.table(kinds.lookup("po"), [pod])[1].split()[2] == "Terminating"


def test_ages_are_on_the_simulated_clock(kubectl):
    clock.pause()
    configmap("a")
    clock.step(150)
    assert kubectl("get", "cm").out.splitlines()[1] == "a      2      2m30s"


def test_cells_are_cut_at_a_line_break_and_cannot_drive_the_terminal():
    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"}, "type": "Warning",
             "reason": "\x1b[2JWiped", "message": "first line\nsecond line",
             "involvedObject": {"kind": "Pod", "name": "web"}}
    header, row = printers.table(kinds.lookup("ev"), [event])
    assert header == "LAST SEEN   TYPE      REASON       OBJECT    MESSAGE"
    assert row == "<unknown>   Warning   ^[[2JWiped   pod/web   first line..."
