"""The describe package: kubectl describe's words and formats (probes, tolerations, taints, event
ages, resource shares, endpoints, smart labels), its per-kind fields, owner and dependents
links, and nothing from the cluster turned into markup by the templates that render it."""
from datetime import UTC, datetime

import pytest
from django.template.loader import render_to_string

from cluster import clock, kinds, store, timestamps
from cluster.admission import token_volume_source
from dashboard.describe import common, describe, nodes, other, parts, pods, workloads

from .clusterobjects import HOSTILE, HOSTILE_ESCAPED, SCRIPT, SCRIPT_ESCAPED, event, node, pod

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def by_label(fields):
    """{label: value} of a description's fields (the first of a repeated label)."""
    found = {}
    for field in fields:
        found.setdefault(field.label, field.value)
    return found


# --- formats ------------------------------------------------------------------------------------

def test_probes_as_kubectl_describes_them():
    assert pods.describe_probe({"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                                "initialDelaySeconds": 5, "periodSeconds": 3}) == (
        "http-get http://:8080/healthz delay=5s timeout=1s period=3s #success=1 #failure=3")
    assert pods.describe_probe({"exec": {"command": ["cat", "/tmp/healthy"]},
                                "failureThreshold": 1}) == (
        "exec [cat /tmp/healthy] delay=0s timeout=1s period=10s #success=1 #failure=1")
    assert pods.describe_probe({"tcpSocket": {"port": 6379}}).startswith("tcp-socket :6379 delay=")


def test_the_kube_api_access_volume_as_kubectl_describes_it():
    [field] = pods.volumes([{"name": "kube-api-access-x7k2p",
                             "projected": token_volume_source()}]).value
    assert field.label == "kube-api-access-x7k2p"
    assert [(f.label, f.value) for f in field.value] == [
        ("Type", "Projected (a volume that contains injected data from multiple sources)"),
        ("TokenExpirationSeconds", "3607"), ("ConfigMapName", "kube-root-ca.crt"),
        ("ConfigMapOptional", "<nil>"), ("DownwardAPI", "true")]


def test_tolerations_and_taints():
    assert pods.toleration_text({"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                 "effect": "NoExecute", "tolerationSeconds": 300}) == (
        "node.kubernetes.io/not-ready:NoExecute op=Exists for 300s")
    assert pods.toleration_text({"key": "gpu", "operator": "Equal", "value": "yes",
                                 "effect": "NoSchedule"}) == "gpu=yes:NoSchedule"
    assert pods.toleration_text({"operator": "Exists"}) == "op=Exists"
    assert nodes.taint_text({"key": "dedicated", "value": "db", "effect": "NoSchedule"}) == (
        "dedicated=db:NoSchedule")
    assert nodes.taint_text({"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}) == (
        "node.kubernetes.io/unreachable:NoExecute")


def test_event_ages_with_and_without_repeats():
    once = {"firstTimestamp": "2026-01-01T11:55:00Z", "lastTimestamp": "2026-01-01T11:55:00Z",
            "count": 1}
    assert common.event_age(once, NOW) == "5m"
    repeated = {"firstTimestamp": "2026-01-01T11:51:00Z", "lastTimestamp": "2026-01-01T11:58:00Z",
                "count": 4}
    assert common.event_age(repeated, NOW) == "2m (x4 over 9m)"


def test_resource_shares_and_quantities():
    share = nodes.Allocatable({"cpu": "4", "memory": "8Gi", "pods": "110"}).share
    assert share("cpu", {"cpu": 500}) == "500m (12%)"
    assert share("cpu", {"cpu": 2000}) == "2 (50%)"
    assert share("memory", {"memory": 256 * 2**20}) == "256Mi (3%)"
    assert share("memory", {}) == "0 (0%)"
    requests, limits = nodes.pod_requests_and_limits({"spec": {"containers": [
        {"resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "200m", "memory": "1Gi"}}},
        {"resources": {"limits": {"cpu": "300m"}}}]}})
    assert requests == {"cpu": 100} and limits == {"cpu": 500, "memory": 2**30}


def test_endpoints_of_a_service_port():
    slices = [{"ports": [{"name": "http", "port": 8080}, {"name": "metrics", "port": 9090}],
               "endpoints": [{"addresses": [f"10.244.1.{i}"], "conditions": {"ready": True}}
                             for i in range(2, 7)]
               + [{"addresses": ["10.244.2.9"], "conditions": {"ready": False}}]}]
    assert other.endpoints_text(slices, "http") == (
        "10.244.1.2:8080,10.244.1.3:8080,10.244.1.4:8080 + 2 more...")
    assert other.endpoints_text([], "http") == "<none>"


def test_smart_labels_of_the_generic_describer():
    assert other.smart_label("apiVersion") == "API Version"
    assert other.smart_label("uid") == "UID"
    assert other.smart_label("resourceVersion") == "Resource Version"
    assert other.smart_label("podCIDR") == "Pod CIDR"
    assert other.smart_label("game.properties") == "game.properties"


def test_qos_classes():
    def qos(*resources):
        return pods.qos_class({"spec": {"containers": [{"resources": r} for r in resources]}})

    assert qos({}) == "BestEffort"
    assert qos({"requests": {"cpu": "1"}}) == "Burstable"
    both = {"cpu": "1", "memory": "1Gi"}
    assert qos({"limits": both, "requests": both}) == "Guaranteed"
    assert qos({"limits": both}) == "Guaranteed"  # requests default to limits


def test_times_in_rfc_1123():
    assert parts.rfc1123z("2026-03-01T09:05:00Z") == "Sun, 01 Mar 2026 09:05:00 +0000"
    assert parts.rfc1123z(None) == ""


# --- per kind ------------------------------------------------------------------------------------

@pytest.fixture
def paused():
    clock.pause()


@pytest.mark.django_db
def test_a_terminated_container_and_a_terminating_pod(paused):
    node("node-1")
    pod("victim", "node-1", status={
        "phase": "Running",
        "containerStatuses": [{"name": "app", "ready": False, "restartCount": 2,
                               "image": "nginx:1.27", "imageID": "sha", "containerID": "c://1",
                               "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                                                        "startedAt": "2026-01-01T11:00:00Z",
                                                        "finishedAt": "2026-01-01T11:30:00Z"}}}]})
    store.delete(kinds.lookup("pods"), "default", "victim")
    fields = by_label(describe(store.get(kinds.lookup("pods"), "default", "victim"),
                               timestamps.now()))
    assert fields["Status"].text == "Terminating (grace period ends in 30s)"
    assert fields["Termination Grace Period"] == "30s"
    container = by_label(fields["Containers"][0].value)
    assert container["State"] == parts.Badge("Terminated", "state-bad")
    assert container["Reason"] == "OOMKilled" and container["Exit Code"] == "137"
    assert container["Finished"] == "Thu, 01 Jan 2026 11:30:00 +0000"
    assert container["Restart Count"] == "2" and container["Ready"] == "False"
    clock.step(45)
    fields = by_label(describe(store.get(kinds.lookup("pods"), "default", "victim"),
                               timestamps.now()))
    assert fields["Status"].text == "Terminating (lasts 15s)"  # past its grace period


@pytest.mark.django_db
def test_owner_and_dependents_link_both_ways(paused):
    owner = store.create({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                          "metadata": {"name": "web-1", "namespace": "default"},
                          "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                                   "template": {"metadata": {"labels": {"app": "web"}},
                                                "spec": {"containers": [{"name": "c",
                                                                         "image": "nginx"}]}}}})
    ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1",
           "uid": owner["metadata"]["uid"], "controller": True}
    child = store.create({"apiVersion": "v1", "kind": "Pod",
                          "metadata": {"name": "web-1-abc", "namespace": "default",
                                       "labels": {"app": "web"}, "ownerReferences": [ref]},
                          "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    child_fields = by_label(describe(child, clock.now()))
    assert child_fields["Controlled By"] == parts.Link(
        "ReplicaSet/web-1", "/objects/replicasets/default/web-1")
    owner_fields = by_label(workloads.describe_replica_set(owner, clock.now()))
    table = owner_fields["Pods"]
    assert table.rows[0][0] == parts.Link("web-1-abc", "/objects/pods/default/web-1-abc")
    assert table.rows[0][2].text == "Pending" and table.caption == "(1 in total)"
    assert owner_fields["Pods Status"] == "0 Running / 1 Waiting / 0 Succeeded / 0 Failed"


@pytest.mark.django_db
def test_secrets_show_sizes_never_values(paused):
    secret = store.create({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                           "metadata": {"name": "db", "namespace": "default"},
                           "data": {"password": "aHVudGVyMg=="}})
    fields = by_label(describe(secret, clock.now()))
    assert fields["Data"] == parts.Fields([parts.Field("password", "7 bytes")])
    assert "aHVudGVyMg" not in repr(describe(secret, clock.now()))


@pytest.mark.django_db
def test_node_events_and_a_node_without_a_lease(paused):
    worker = node("node-1", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}])
    event(worker, "NodeNotReady", "Node node-1 status is now: NodeNotReady",
          component="node-controller", event_type="Warning")
    fields = by_label(describe(worker, clock.now()))
    assert fields["Taints"] == parts.Lines(["dedicated=db:NoSchedule"])
    events = fields["Events"]
    assert events.headers == ["Type", "Reason", "Age", "From", "Message"]
    assert events.rows[0][0] == parts.Badge("Warning", "state-warn")
    assert events.rows[0][1:] == ["NodeNotReady", "0s", "node-controller",
                                  "Node node-1 status is now: NodeNotReady"]


# --- rendered ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_templates_escape_every_value(paused):
    victim = pod("victim", annotations={"note": HOSTILE})
    event(victim, "Odd", SCRIPT, event_type="Warning")
    fields = describe(store.get(kinds.lookup("pods"), "default", "victim"), clock.now())
    fields.append(parts.Field(SCRIPT, parts.Link(SCRIPT, HOSTILE)))
    fields.append(parts.Field("Badge", parts.Badge(HOSTILE)))
    html = render_to_string("dashboard/objects/describe/fields.html", {"fields": fields})
    assert SCRIPT not in html and HOSTILE not in html
    assert f"note: {HOSTILE_ESCAPED}" in html
    assert f"<td>{SCRIPT_ESCAPED}</td>" in html  # the event's message
    assert f'<a href="{HOSTILE_ESCAPED}">{SCRIPT_ESCAPED}</a>' in html
    assert f'<span class="state state-idle">{HOSTILE_ESCAPED}</span>' in html
