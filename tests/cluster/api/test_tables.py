"""Server-side printing: GET, LIST and WATCH answered with meta.k8s.io Tables when the Accept
header asks for them, as kube-apiserver answers `kubectl get`."""
import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient

from cluster import kinds, printers, store
from cluster.management.commands.seed_demo import seed
from tests.workers.kubelet.conftest import make_pod, node, paused_clock, step, sync  # noqa: F401

from .objects import DEPLOYMENTS, PODS, deployment, pod, rv

pytestmark = pytest.mark.django_db

# What kubectl 1.32 sends for `kubectl get`.
KUBECTL = ("application/json;as=Table;v=v1;g=meta.k8s.io,"
           "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
POD = kinds.lookup("pods")


def as_table(api, path, accept=KUBECTL):
    status, body = api.get(path, HTTP_ACCEPT=accept)
    assert status == 200, body
    assert api.last["Content-Type"] == "application/json"  # as upstream: no `as=Table` in it
    assert body["kind"] == "Table", body
    return body


def column_names(table):
    return [c["name"] for c in table["columnDefinitions"]]


def collection_path(kind):
    base = f"/apis/{kind.group}/{kind.version}" if kind.group else "/api/v1"
    return f"{base}/{kind.plural}"


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.kind)
def test_every_kind_lists_as_a_table_of_its_printers_columns(api, kind):
    seed()
    table = as_table(api, collection_path(kind))
    assert table["apiVersion"] == "meta.k8s.io/v1"
    assert table["columnDefinitions"] == [c.definition() for c in printers.columns(kind)]
    assert table["metadata"]["resourceVersion"] == str(store.current_revision())
    listed = api.get(collection_path(kind))[1]["items"]
    assert [r["object"]["metadata"]["name"] for r in table["rows"]] == \
        [o["metadata"]["name"] for o in listed]
    for row in table["rows"]:
        assert len(row["cells"]) == len(table["columnDefinitions"])


OBJECTS = [  # (collection, object, the first cells kubectl prints)
    ("/api/v1/namespaces/default/services",
     {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
      "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}},
     ["web", "ClusterIP"]),
    ("/api/v1/namespaces/default/configmaps",
     {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"},
      "data": {"a": "1", "b": "2"}}, ["settings", 2]),
    ("/api/v1/namespaces/default/secrets",
     {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "token"},
      "data": {"a": "YQ=="}}, ["token", "Opaque", 1]),
    ("/api/v1/namespaces",
     {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}, ["team", "Active"]),
    ("/apis/batch/v1/namespaces/default/cronjobs",
     {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick"},
      "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"spec": {
          "restartPolicy": "Never",
          "containers": [{"name": "c", "image": "busybox"}]}}}}}},
     ["tick", "*/5 * * * *", "<none>", "False", 0]),  # printBoolPtr: a string
]


@pytest.mark.parametrize(("path", "obj", "cells"), OBJECTS, ids=[o["kind"] for _, o, _ in OBJECTS])
def test_objects_of_many_kinds_print_their_cells(api, path, obj, cells):
    status, created = api.post(path, obj)
    assert status == 201, created
    kind = kinds.for_object(created)
    table = as_table(api, f"{path}/{obj['metadata']['name']}")
    [row] = table["rows"]
    assert row["cells"][:len(cells)] == cells
    assert len(row["cells"]) == len(printers.columns(kind))


def test_a_pod_list_has_kubectls_columns_with_the_wide_ones_at_priority_1(api):
    api.post(PODS, pod("web"))
    table = as_table(api, PODS)
    assert [(c["name"], c["priority"]) for c in table["columnDefinitions"]] == [
        ("Name", 0), ("Ready", 0), ("Status", 0), ("Restarts", 0), ("Age", 0), ("IP", 1),
        ("Node", 1), ("Nominated Node", 1), ("Readiness Gates", 1)]
    assert table["columnDefinitions"][0]["format"] == "name"
    [row] = table["rows"]
    assert row["cells"][:4] == ["web", "0/1", "Pending", "0"]
    assert row["cells"][5:] == ["<none>", "<none>", "<none>", "<none>"]
    assert "conditions" not in row
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["apiVersion"] == "meta.k8s.io/v1"
    assert row["object"]["metadata"]["namespace"] == "default"  # kubectl -A prints it
    assert set(row["object"]) == {"kind", "apiVersion", "metadata"}


def test_deployments_and_nodes_print_their_columns(api):
    seed()
    api.post(DEPLOYMENTS, deployment("web", replicas=3))
    table = as_table(api, DEPLOYMENTS)
    assert column_names(table)[:5] == ["Name", "Ready", "Up-to-date", "Available", "Age"]
    assert table["rows"][0]["cells"][:4] == ["web", "0/3", 0, 0]
    nodes = as_table(api, "/api/v1/nodes")
    assert column_names(nodes)[:5] == ["Name", "Status", "Roles", "Age", "Version"]
    assert nodes["rows"][0]["cells"][1] == "Ready"


def test_one_object_is_a_table_of_one_row_at_its_resource_version(api):
    created = api.post(PODS, pod("web"))[1]
    api.post(PODS, pod("other"))
    table = as_table(api, f"{PODS}/web")
    assert table["metadata"] == {"resourceVersion": rv(created)}
    assert [r["cells"][0] for r in table["rows"]] == ["web"]
    status = as_table(api, f"{PODS}/web/status")  # the status subresource prints the same
    assert status["rows"] == table["rows"]


def test_include_object_gives_the_whole_object_or_none(api):
    created = api.post(PODS, pod("web"))[1]
    [row] = as_table(api, f"{PODS}?includeObject=Object")["rows"]
    assert row["object"] == created  # kubectl --sort-by reads fields of it
    [row] = as_table(api, f"{PODS}/web?includeObject=None")["rows"]
    assert row["object"] is None
    [row] = as_table(api, f"{PODS}?includeObject=Metadata")["rows"]
    assert row["object"]["metadata"] == created["metadata"]


def test_a_bad_include_object_is_400_with_upstreams_message(api):
    api.post(PODS, pod("web"))
    status, error = api.get(f"{PODS}?includeObject=All", HTTP_ACCEPT=KUBECTL)
    assert status == 400 and error["reason"] == "BadRequest"
    assert error["message"] == ('Unable to convert to Table as requested: includeObject: '
                                'Unsupported value: "All": supported values: "Metadata", '
                                '"None", "Object"')
    # Only a Table has TableOptions: the object itself ignores the parameter.
    assert api.get(f"{PODS}?includeObject=All")[0] == 200


def test_pages_of_a_table_carry_continue_and_remaining_item_count(api):
    for name in ("a", "b", "c"):
        api.post(PODS, pod(name))
    first = as_table(api, f"{PODS}?limit=2")
    assert [r["cells"][0] for r in first["rows"]] == ["a", "b"]
    assert first["metadata"]["remainingItemCount"] == 1
    token = first["metadata"]["continue"]
    rest = as_table(api, f"{PODS}?limit=2&continue={token}")
    assert [r["cells"][0] for r in rest["rows"]] == ["c"]
    assert "continue" not in rest["metadata"]


def test_an_empty_list_is_a_table_with_columns_and_no_rows(api):
    table = as_table(api, "/apis/batch/v1/namespaces/default/jobs")
    assert table["rows"] == [] and column_names(table)[0] == "Name"


def test_a_finished_pod_row_is_marked_completed(api):
    created = api.post(PODS, pod("done", node="node-1"))[1]
    created["status"] = {"phase": "Succeeded", "containerStatuses": [
        {"name": "app", "ready": False, "restartCount": 0, "image": "nginx:1.27", "imageID": "",
         "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
    assert api.put(f"{PODS}/done/status", created)[0] == 200
    [row] = as_table(api, PODS)["rows"]
    assert row["cells"][2] == "Completed"
    assert row["conditions"] == [{"type": "Completed", "status": "True", "reason": "Succeeded",
                                  "message": "The pod has completed successfully."}]


@pytest.mark.parametrize(("accept", "expected"), [
    ("application/json;as=Table;v=v1beta1;g=meta.k8s.io", "meta.k8s.io/v1beta1"),
    ("application/json;q=0.5,application/json;as=Table;v=v1;g=meta.k8s.io", "meta.k8s.io/v1"),
    ("application/*;as=Table;v=v1;g=meta.k8s.io", "meta.k8s.io/v1"),
    ("application/json;as=Table;v=v2;g=meta.k8s.io,application/json", "v1"),
    ("application/json;as=Table;v=v1;g=example.com,*/*", "v1"),
    ("application/json", "v1"),
    ("application/vnd.kubernetes.protobuf,application/json", "v1"),
    ("", "v1"),
])
def test_the_accept_header_chooses_as_upstream_negotiates(api, accept, expected):
    api.post(PODS, pod("web"))
    status, body = api.get(PODS, HTTP_ACCEPT=accept)
    assert status == 200 and body["apiVersion"] == expected
    if expected == "v1":
        assert body["kind"] == "PodList"
    else:
        assert body["kind"] == "Table"
        assert body["rows"][0]["object"]["apiVersion"] == expected


@pytest.mark.parametrize("path", [PODS, f"{PODS}/missing"])
def test_a_table_nobody_serves_is_406_even_before_a_404(api, path):
    status, error = api.get(path, HTTP_ACCEPT="application/json;as=Table;v=v2;g=meta.k8s.io")
    assert status == 406
    assert error == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                     "message": "only the following media types are accepted: "
                                "application/json, application/yaml, "
                                "application/vnd.kubernetes.protobuf",
                     "reason": "NotAcceptable", "code": 406}
    assert api.get(path, HTTP_ACCEPT="text/html")[0] == 406


def test_partial_object_metadata_of_an_object_and_of_a_list(api):
    created = api.post(PODS, pod("web"))[1]
    status, body = api.get(f"{PODS}/web", HTTP_ACCEPT="application/json;as=PartialObjectMetadata;"
                                                      "g=meta.k8s.io;v=v1")
    assert status == 200
    assert body == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                    "metadata": created["metadata"]}
    status, body = api.get(PODS, HTTP_ACCEPT="application/json;as=PartialObjectMetadataList;"
                                             "g=meta.k8s.io;v=v1")
    assert status == 200 and body["kind"] == "PartialObjectMetadataList"
    assert [i["metadata"]["name"] for i in body["items"]] == ["web"]
    status, error = api.get(PODS, HTTP_ACCEPT="application/json;as=PartialObjectMetadata;"
                                              "g=meta.k8s.io;v=v1")
    assert status == 406 and error["message"] == (
        "you requested PartialObjectMetadata, but the requested object is a list "
        "(*core.PodList)")


# --- watches --------------------------------------------------------------------------------

def run(test):
    return async_to_sync(test)()


async def open_watch(path, accept=KUBECTL):
    response = await AsyncClient().get(path, headers={"Accept": accept})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response


async def next_events(response, count):
    buffer, events = b"", []
    chunks = response.streaming_content
    while len(events) < count:
        while b"\n" not in buffer:
            buffer += await anext(chunks)
        line, buffer = buffer.split(b"\n", 1)
        events.append(json.loads(line))
    return events


@pytest.mark.django_db(transaction=True)
def test_a_watch_sends_one_row_tables_with_the_columns_in_the_first_only():
    create = sync_to_async(store.create)

    async def main():
        web = await create(pod("web"))
        response = await open_watch(f"{PODS}?watch=1")
        [first] = await next_events(response, 1)
        await create(pod("db"))
        await sync_to_async(store.delete)(POD, "default", "web")
        later = await next_events(response, 2)
        await response.streaming_content.aclose()
        return web, first, later

    web, first, later = run(main)
    assert first["type"] == "ADDED"
    table = first["object"]
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["columnDefinitions"] == [c.definition() for c in printers.columns(POD)]
    assert table["metadata"] == {"resourceVersion": rv(web)}
    assert [r["cells"][:3] for r in table["rows"]] == [["web", "0/1", "Pending"]]
    assert [e["type"] for e in later] == ["ADDED", "DELETED"]
    for event in later:
        assert event["object"]["kind"] == "Table"
        assert event["object"]["columnDefinitions"] is None  # NoHeaders after the first
        assert len(event["object"]["rows"]) == 1
    assert later[0]["object"]["rows"][0]["object"]["metadata"]["name"] == "db"


@pytest.mark.django_db(transaction=True)
def test_a_plain_watch_still_sends_the_objects():
    async def main():
        await sync_to_async(store.create)(pod("web"))
        response = await open_watch(f"{PODS}?watch=1", accept="application/json")
        [event] = await next_events(response, 1)
        await response.streaming_content.aclose()
        return event

    event = run(main)
    assert event["object"]["kind"] == "Pod"


def test_a_watch_refuses_before_streaming(api):
    status, error = api.get(f"{PODS}?watch=1", HTTP_ACCEPT="application/yaml")
    assert status == 406 and error["message"] == (
        "only the following media types are accepted: application/json, "
        "application/vnd.kubernetes.protobuf;stream=watch")
    status, error = api.get(f"{PODS}?watch=1&includeObject=Some", HTTP_ACCEPT=KUBECTL)
    assert status == 400 and error["message"].startswith("Unable to convert to Table")


def test_metrics_print_as_metrics_server_prints_them(api, make_pod, sync, step):  # noqa: F811
    make_pod(annotations={"kubesim.io/cpu": "250m", "kubesim.io/memory": "64Mi"})
    sync()
    step(1), step(2.6), step(0.5), step(1)
    nodes = as_table(api, "/apis/metrics.k8s.io/v1beta1/nodes")
    assert [(c["name"], c["format"]) for c in nodes["columnDefinitions"]] == [
        ("Name", "name"), ("cpu", "quantity"), ("memory", "quantity"), ("Window", "duration")]
    listed = api.get("/apis/metrics.k8s.io/v1beta1/nodes")[1]["items"][0]
    assert nodes["rows"][0]["cells"] == ["node-1", listed["usage"]["cpu"],
                                         listed["usage"]["memory"], "15s"]
    [row] = as_table(api, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods")["rows"]
    assert row["cells"][0] == "web" and row["cells"][1].endswith("m")
    # No item, no columns: metrics-server takes them from the first item's usage.
    empty = as_table(api, "/apis/metrics.k8s.io/v1beta1/namespaces/other/pods")
    assert empty["columnDefinitions"] is None and empty["rows"] == []
    # `kubectl top` asks for JSON and gets the metrics themselves.
    assert api.get("/apis/metrics.k8s.io/v1beta1/nodes/node-1")[1]["kind"] == "NodeMetrics"


@pytest.mark.django_db(transaction=True)
def test_a_table_watchs_bookmarks_are_tables_too():
    async def main():
        await sync_to_async(store.create)(pod("web"))
        response = await open_watch(f"{PODS}?watch=1&sendInitialEvents=true"
                                    "&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan")
        events = await next_events(response, 2)
        await response.streaming_content.aclose()
        return events

    added, bookmark = run(main)
    assert added["type"] == "ADDED" and added["object"]["columnDefinitions"]
    assert bookmark["type"] == "BOOKMARK"
    # As upstream's embedded encoder, which transforms every object but a Status.
    assert bookmark["object"]["kind"] == "Table"
    assert bookmark["object"]["columnDefinitions"] is None
    [row] = bookmark["object"]["rows"]
    assert row["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
