"""The official Python client (`kubernetes` on PyPI), configured from the kubeconfig `manage.py
kubeconfig` writes, against a live daphne: the scenarios of the kubectl tests, watch included."""
import json
import subprocess
import sys
import threading
import time

import pytest
import yaml
from kubernetes import client, config, dynamic, utils, watch
from kubernetes.client.rest import ApiException
from kubernetes.stream import portforward, stream

from tests.livecluster import ROOT, LiveCluster

pytestmark = pytest.mark.e2e
NS = "default"
TIMEOUT = 20  # seconds for any one step


class Cluster:
    """The live server and the client APIs the tests call, over one ApiClient."""

    def __init__(self, live, api_client):
        self.live, self.api_client = live, api_client
        self.core = client.CoreV1Api(api_client)
        self.apps = client.AppsV1Api(api_client)

    def compact(self):
        """Drop the whole change log, as compaction does with time (the same store code, told to
        keep no entries)."""
        subprocess.run([sys.executable, "manage.py", "shell", "-c",
                        "from cluster import store; store.compact()"], cwd=ROOT,
                       env={**self.live.env, "KUBESIM_EVENT_LOG_MAX_COUNT": "0"}, check=True,
                       capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    """The demo cluster with instant pulls and starts, and an ApiClient from
    `kubernetes.config.load_kube_config` of the kubeconfig `manage.py kubeconfig` wrote."""
    with LiveCluster(tmp_path_factory.mktemp("python-client"), zero_delays=True) as live:
        config.load_kube_config(config_file=str(live.kubeconfig))  # as a user calls it
        yield Cluster(live, client.ApiClient())


def eventually(check, timeout=TIMEOUT):
    """Poll `check` until it returns something truthy (e2e tests may poll, with a deadline)."""
    deadline = time.monotonic() + timeout
    while (result := check()) is None or result is False:
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout}s: {check.__doc__ or check}")
        time.sleep(0.1)
    return result


def deployment(name, replicas=1, image="nginx:1.27", **pod_spec):
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": image}],
                                           **pod_spec}}}}


def pod(name, image="nginx:1.27", labels=None, command=None, **spec):
    container = {"name": "app", "image": image, **({"command": command} if command else {})}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}},
            "spec": {"containers": [container], **spec}}


def status_of(error):
    return json.loads(error.body)


def running(core, name):
    def check():
        current = core.read_namespaced_pod(name, NS)
        return current if current.status.phase == "Running" else None
    return eventually(check)


def gone(read, *args):
    try:
        read(*args)
    except ApiException as e:
        if e.status == 404:
            return True
        raise
    return False


# --- connecting -------------------------------------------------------------------------------

def test_the_kubeconfig_loads_unmodified_and_its_bearer_token_is_sent(kube, tmp_path):
    assert {n.metadata.name for n in kube.core.list_node().items} >= {"node-1", "node-2"}
    # The same kubeconfig with another token is refused: the loader sends the file's token
    # (kubernetes 36.0.0 sent none, and every request went anonymous).
    wrong = yaml.safe_load(kube.live.kubeconfig.read_text())
    wrong["users"][0]["user"]["token"] = "not-the-token"
    (tmp_path / "kubeconfig").write_text(yaml.safe_dump(wrong))
    refused_client = config.new_client_from_config(config_file=str(tmp_path / "kubeconfig"))
    with pytest.raises(ApiException) as refused:
        client.CoreV1Api(refused_client).list_node()
    assert refused.value.status == 401 and status_of(refused.value)["reason"] == "Unauthorized"


# --- CoreV1Api and AppsV1Api ------------------------------------------------------------------

def test_deployments_from_a_dict_and_from_model_objects_are_read_and_listed(kube):
    kube.apps.create_namespaced_deployment(NS, deployment("web", replicas=2))
    labels = {"app": "api"}
    model = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="api", labels=labels),
        spec=client.V1DeploymentSpec(
            replicas=1, selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(name="api", image="redis:7")]))))
    created = kube.apps.create_namespaced_deployment(NS, model)
    assert created.spec.template.spec.containers[0].image == "redis:7"
    assert created.spec.strategy.type == "RollingUpdate"  # defaulted by the server

    web = kube.apps.read_namespaced_deployment("web", NS)
    assert (web.kind, web.spec.replicas, web.metadata.labels) == ("Deployment", 2, {"app": "web"})
    by_label = kube.apps.list_namespaced_deployment(NS, label_selector="app=web")
    assert [d.metadata.name for d in by_label.items] == ["web"]
    by_field = kube.apps.list_namespaced_deployment(NS, field_selector="metadata.name=api")
    assert [d.metadata.name for d in by_field.items] == ["api"]

    def three_pods_running():
        pods = kube.core.list_pod_for_all_namespaces(label_selector="app in (web,api)").items
        phases = [(p.metadata.namespace, p.status.phase) for p in pods]
        return phases == [(NS, "Running")] * 3
    eventually(three_pods_running)


def test_a_replace_with_a_stale_resource_version_is_a_409_with_the_status(kube):
    kube.apps.create_namespaced_deployment(NS, deployment("stale"))
    held = kube.apps.read_namespaced_deployment("stale", NS)
    kube.apps.patch_namespaced_deployment("stale", NS, {"metadata": {"annotations": {"x": "1"}}})
    held.spec.replicas = 3
    with pytest.raises(ApiException) as conflict:
        kube.apps.replace_namespaced_deployment("stale", NS, held)
    assert conflict.value.status == 409 and conflict.value.reason == "Conflict"
    assert status_of(conflict.value) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'Operation cannot be fulfilled on deployments.apps "stale": the object has '
                   "been modified; please apply your changes to the latest version and try again",
        "reason": "Conflict", "details": {"name": "stale", "group": "apps", "kind": "deployments"},
        "code": 409}
    # Read, change, write again on a conflict (client-go's RetryOnConflict): the deployment
    # controller writes the status meanwhile, and each write moves the resourceVersion on.
    for _ in range(5):
        fresh = kube.apps.read_namespaced_deployment("stale", NS)
        fresh.spec.replicas = 3
        try:
            assert kube.apps.replace_namespaced_deployment("stale", NS, fresh).spec.replicas == 3
            break
        except ApiException as e:
            assert e.status == 409
    else:
        pytest.fail("every replace conflicted")


def test_patches_of_each_content_type_scale_and_status(kube):
    kube.apps.create_namespaced_deployment(NS, deployment("patched"))
    env = {"spec": {"template": {"spec": {"containers": [
        {"name": "app", "env": [{"name": "MODE", "value": "demo"}]}]}}}}
    # The client's default for a dict body is a strategic merge patch: containers merge by name.
    patched = kube.apps.patch_namespaced_deployment("patched", NS, env)
    [container] = patched.spec.template.spec.containers
    assert (container.image, container.env[0].value) == ("nginx:1.27", "demo")
    # The same body as a JSON merge patch replaces the list, and a container needs an image.
    with pytest.raises(ApiException) as invalid:
        kube.apps.patch_namespaced_deployment("patched", NS, env,
                                              _content_type="application/merge-patch+json")
    assert invalid.value.status == 422
    assert "spec.template.spec.containers[0].image: Required value" in status_of(invalid.value)["message"]

    merged = kube.apps.patch_namespaced_deployment(
        "patched", NS, {"metadata": {"labels": {"tier": "front"}}},
        _content_type="application/merge-patch+json")
    assert merged.metadata.labels == {"app": "patched", "tier": "front"}
    replaced = kube.apps.patch_namespaced_deployment(  # a list body is sent as a JSON patch
        "patched", NS, [{"op": "replace", "path": "/spec/replicas", "value": 2}])
    assert replaced.spec.replicas == 2

    scale = kube.apps.patch_namespaced_deployment_scale("patched", NS, {"spec": {"replicas": 3}})
    assert (scale.kind, scale.api_version, scale.spec.replicas) == ("Scale", "autoscaling/v1", 3)
    read = kube.apps.read_namespaced_deployment_scale("patched", NS)
    assert (read.spec.replicas, read.status.selector) == (3, "app=patched")

    def three_ready():
        status = kube.apps.read_namespaced_deployment_status("patched", NS).status
        return status if status.ready_replicas == 3 else None
    status = eventually(three_ready)
    assert {c.type: c.status for c in status.conditions}["Available"] == "True"
    assert kube.apps.read_namespaced_deployment_scale("patched", NS).status.replicas == 3


def test_pod_logs_read_and_followed_line_by_line(kube):
    kube.core.create_namespaced_pod(NS, pod(
        "ticker", image="busybox:1.36",
        command=["sh", "-c", "while true; do echo tick; sleep 1; done"]))
    running(kube.core, "ticker")
    # The raw text: kubernetes 36's read_namespaced_pod_log returns the repr of the bytes
    # ("b'tick\\n...'", kubernetes-client/python#2596), whatever the server sends.
    def log():
        return kube.core.read_namespaced_pod_log("ticker", NS, _preload_content=False).data
    assert eventually(lambda: log().startswith(b"tick\ntick\n"))
    assert set(log().splitlines()) == {b"tick"}

    response = kube.core.read_namespaced_pod_log("ticker", NS, follow=True, tail_lines=1,
                                                 _preload_content=False, _request_timeout=TIMEOUT)
    lines, started = [], time.monotonic()
    try:
        for line in response:  # urllib3 yields the stream a line at a time, as it arrives
            lines.append(line)
            if len(lines) == 3:
                break
    finally:
        response.release_conn()
    assert lines == [b"tick\n"] * 3
    assert time.monotonic() - started > 1  # later lines came as the container printed them


def test_delete_with_each_propagation_policy(kube):
    for name in ("orphan", "foreground", "background"):
        kube.apps.create_namespaced_deployment(NS, deployment(name))

    def replica_set(name):
        found = kube.apps.list_namespaced_replica_set(NS, label_selector=f"app={name}").items
        return found[0] if found else None
    for name in ("orphan", "foreground", "background"):
        eventually(lambda name=name: replica_set(name))

    kube.apps.delete_namespaced_deployment("orphan", NS, propagation_policy="Orphan")
    eventually(lambda: gone(kube.apps.read_namespaced_deployment, "orphan", NS))
    assert replica_set("orphan").metadata.owner_references is None  # kept, owner dropped

    # Foreground: the answer is the Deployment, still there until its dependents are gone.
    answer = kube.apps.delete_namespaced_deployment("foreground", NS, _preload_content=False,
                                                    propagation_policy="Foreground")
    meta = json.loads(answer.data)["metadata"]
    assert meta["finalizers"] == ["foregroundDeletion"] and meta["deletionTimestamp"]
    eventually(lambda: gone(kube.apps.read_namespaced_deployment, "foreground", NS))
    assert replica_set("foreground") is None

    background = kube.apps.delete_namespaced_deployment("background", NS,
                                                         propagation_policy="Background")
    assert (background.kind, background.status) == ("Status", "Success")
    assert gone(kube.apps.read_namespaced_deployment, "background", NS)
    eventually(lambda: replica_set("background") is None)
    eventually(lambda: not kube.core.list_namespaced_pod(NS, label_selector="app in (foreground,background)").items)
    kube.apps.delete_collection_namespaced_replica_set(NS, label_selector="app=orphan")


def test_delete_collection_eviction_and_binding(kube):
    unscheduled = {"schedulerName": "no-such-scheduler"}  # served by no scheduler: stays Pending
    for name in ("batch-1", "batch-2"):
        kube.core.create_namespaced_pod(NS, pod(name, labels={"group": "batch"}, **unscheduled))
    deleted = kube.core.delete_collection_namespaced_pod(NS, label_selector="group=batch")
    assert deleted.kind == "PodList"  # the objects deleted, as upstream answers
    eventually(lambda: not kube.core.list_namespaced_pod(NS, label_selector="group=batch").items)

    kube.core.create_namespaced_pod(NS, pod("evictee"))
    running(kube.core, "evictee")
    eviction = client.V1Eviction(metadata=client.V1ObjectMeta(name="evictee", namespace=NS))
    kube.core.create_namespaced_pod_eviction("evictee", NS, eviction)
    eventually(lambda: gone(kube.core.read_namespaced_pod, "evictee", NS))

    kube.core.create_namespaced_pod(NS, pod("pinned", **unscheduled))
    assert kube.core.read_namespaced_pod("pinned", NS).spec.node_name is None
    binding = client.V1Binding(metadata=client.V1ObjectMeta(name="pinned"),
                               target=client.V1ObjectReference(kind="Node", name="node-2"))
    # The answer is a Status, as kube-apiserver's, which the client cannot read as the V1Binding
    # it expects (target is required): the raw response, as with a real cluster.
    answer = kube.core.create_namespaced_binding(NS, binding, _preload_content=False)
    assert answer.status == 201 and json.loads(answer.data)["status"] == "Success"
    assert running(kube.core, "pinned").spec.node_name == "node-2"
    with pytest.raises(ApiException) as twice:
        kube.core.create_namespaced_pod_binding("pinned", NS, binding, _preload_content=False)
    assert twice.value.status == 409
    assert 'pod pinned is already assigned to node "node-2"' in status_of(twice.value)["message"]


def test_events_by_involved_object_leases_and_cordon(kube):
    kube.core.create_namespaced_pod(NS, pod("described"))
    running(kube.core, "described")
    selector = "involvedObject.kind=Pod,involvedObject.name=described"

    def reasons():
        events = kube.core.list_namespaced_event(NS, field_selector=selector).items
        assert {e.involved_object.name for e in events} <= {"described"}
        found = {e.reason for e in events}
        return found if {"Scheduled", "Started"} <= found else None
    assert "Pulled" in eventually(reasons)

    leases = client.CoordinationV1Api(kube.api_client).list_namespaced_lease("kube-node-lease")
    by_node = {lease.metadata.name: lease for lease in leases.items}
    assert by_node["node-1"].spec.holder_identity == "node-1"
    assert by_node["node-1"].spec.renew_time is not None

    cordoned = kube.core.patch_node("node-2", {"spec": {"unschedulable": True}})
    try:
        assert cordoned.spec.unschedulable is True

        def tainted():
            taints = kube.core.read_node("node-2").spec.taints or []
            return any(t.key == "node.kubernetes.io/unschedulable" for t in taints)
        eventually(tainted)
    finally:
        kube.core.patch_node("node-2", {"spec": {"unschedulable": False}})


# --- watch ------------------------------------------------------------------------------------

def test_a_watch_sees_a_deployments_pods_come_and_go(kube):
    seen, done = [], threading.Event()

    def follow():
        w = watch.Watch()
        try:
            for event in w.stream(kube.core.list_namespaced_pod, NS, label_selector="app=watched",
                                  timeout_seconds=TIMEOUT):
                seen.append((event["type"], event["object"].metadata.name,
                             event["object"].status.phase))
                if sum(e[0] == "DELETED" for e in seen) == 2:
                    w.stop()
        finally:
            done.set()
    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    kube.apps.create_namespaced_deployment(NS, deployment("watched", replicas=2))
    eventually(lambda: len({name for kind, name, phase in seen if phase == "Running"}) == 2)
    kube.apps.delete_namespaced_deployment("watched", NS, propagation_policy="Background")
    assert done.wait(TIMEOUT), f"no DELETED for both pods: {seen}"

    names = {name for _, name, _ in seen}
    assert len(names) == 2
    for name in names:
        types = [kind for kind, named, _ in seen if named == name]
        assert types[0] == "ADDED" and types[-1] == "DELETED" and "MODIFIED" in types


def test_a_watch_resumes_from_a_resource_version_and_a_compacted_one_is_gone(kube):
    since = kube.core.list_namespaced_config_map(NS).metadata.resource_version
    kube.core.create_namespaced_config_map(NS, {"metadata": {"name": "resumed"}, "data": {"a": "1"}})
    kube.core.patch_namespaced_config_map("resumed", NS, {"data": {"a": "2"}})
    kube.core.delete_namespaced_config_map("resumed", NS)

    w, events = watch.Watch(), []
    for event in w.stream(kube.core.list_namespaced_config_map, NS, resource_version=since,
                          timeout_seconds=TIMEOUT):
        events.append((event["type"], event["object"].metadata.name,
                       (event["object"].data or {}).get("a")))
        if event["type"] == "DELETED":
            w.stop()
    assert events == [("ADDED", "resumed", "1"), ("MODIFIED", "resumed", "2"),
                      ("DELETED", "resumed", "2")]

    # Drop the whole change log, as compaction does with time: the version is too old now.
    kube.compact()
    with pytest.raises(ApiException) as expired:  # after the client's own one retry
        for _ in watch.Watch().stream(kube.core.list_namespaced_config_map, NS,
                                      resource_version=since, timeout_seconds=TIMEOUT):
            pass
    assert expired.value.status == 410
    assert expired.value.reason.startswith(f"Expired: too old resource version: {since} (")


# --- dynamic client, utils, streams, errors, metrics ------------------------------------------

def test_the_dynamic_client_finds_deployments_by_discovery(kube):
    deployments = dynamic.DynamicClient(kube.api_client).resources.get(api_version="apps/v1",
                                                                      kind="Deployment")
    assert (deployments.name, deployments.namespaced) == ("deployments", True)
    created = deployments.create(body=deployment("dynamic"), namespace=NS)
    assert created.metadata.uid == deployments.get(name="dynamic", namespace=NS).metadata.uid
    patched = deployments.patch(name="dynamic", namespace=NS, body={"spec": {"replicas": 2}},
                                content_type="application/merge-patch+json")
    assert patched.spec.replicas == 2
    strategic = deployments.patch(name="dynamic", namespace=NS,  # the dynamic client's default
                                  body={"metadata": {"labels": {"via": "dynamic"}}})
    assert strategic.metadata.labels.to_dict() == {"app": "dynamic", "via": "dynamic"}
    assert deployments.delete(name="dynamic", namespace=NS).status == "Success"
    with pytest.raises(dynamic.exceptions.NotFoundError):
        deployments.get(name="dynamic", namespace=NS)


def test_create_from_yaml_with_several_documents(kube, tmp_path):
    manifest = tmp_path / "app.yaml"
    manifest.write_text(yaml.safe_dump_all([
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-yaml"},
         "data": {"greeting": "hello"}},
        deployment("from-yaml")]))
    utils.create_from_yaml(kube.api_client, str(manifest), namespace=NS)
    assert kube.core.read_namespaced_config_map("from-yaml", NS).data == {"greeting": "hello"}
    assert kube.apps.read_namespaced_deployment("from-yaml", NS).spec.replicas == 1
    with pytest.raises(utils.FailToCreateError) as again:
        utils.create_from_yaml(kube.api_client, str(manifest), namespace=NS)
    assert [e.status for e in again.value.api_exceptions] == [409, 409]
    assert status_of(again.value.api_exceptions[0])["reason"] == "AlreadyExists"


def test_exec_and_portforward_say_there_are_no_processes(kube):
    kube.core.create_namespaced_pod(NS, pod("shell", schedulerName="no-such-scheduler"))
    message = "kubesim simulates pods: there are no processes to exec into (pod shell, container app)"
    output = stream(kube.core.connect_get_namespaced_pod_exec, "shell", NS, command=["ls"],
                    stderr=True, stdout=True, stdin=False, tty=False)
    assert output == message + "\n"  # at once, on stderr: the output holds the reason

    session = stream(kube.core.connect_get_namespaced_pod_exec, "shell", NS, command=["ls"],
                     stderr=True, stdout=True, _preload_content=False)
    session.run_forever(timeout=TIMEOUT)
    assert not session.is_open()
    assert json.loads(session.read_channel(3)) == {
        "metadata": {}, "status": "Failure", "message": message, "reason": "BadRequest",
        "code": 400}
    missing = stream(kube.core.connect_get_namespaced_pod_exec, "ghost", NS, command=["ls"],
                     stderr=True, stdout=True)
    assert missing == 'pods "ghost" not found\n'

    forward = portforward(kube.core.connect_get_namespaced_pod_portforward, "shell", NS,
                          ports="80")
    eventually(lambda: forward.error(80))
    assert "there are no processes to forward ports to" in forward.error(80)

    # kubectl's websocket dialer sends no Origin and is refused; it falls back to SPDY, a plain
    # request that gets the Status before any upgrade.
    done = kube.live.kubectl().run("exec", "shell", "--", "ls", check=False)
    assert done.returncode == 1 and done.stderr == f"Error from server (BadRequest): {message}\n"


def test_errors_map_to_kubernetes_reasons(kube):
    with pytest.raises(ApiException) as missing:
        kube.core.read_namespaced_pod("nowhere", NS)
    assert (missing.value.status, missing.value.reason) == (404, "Not Found")
    assert status_of(missing.value) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'pods "nowhere" not found', "reason": "NotFound",
        "details": {"name": "nowhere", "kind": "pods"}, "code": 404}

    bad = pod("Not_A_Name")
    bad["spec"]["containers"][0]["image"] = ""
    with pytest.raises(ApiException) as invalid:
        kube.core.create_namespaced_pod(NS, bad)
    assert (invalid.value.status, invalid.value.reason) == (422, "Unprocessable Entity")
    status = status_of(invalid.value)
    assert status["reason"] == "Invalid" and status["message"].startswith('Pod "Not_A_Name" is invalid: ')
    assert status["details"]["kind"] == "Pod" and status["details"]["name"] == "Not_A_Name"
    causes = {c["field"]: c["reason"] for c in status["details"]["causes"]}
    assert causes == {"metadata.name": "FieldValueInvalid",
                      "spec.containers[0].image": "FieldValueRequired"}


def test_metrics_through_custom_objects(kube):
    metrics = client.CustomObjectsApi(kube.api_client)
    nodes = metrics.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes")
    assert nodes["kind"] == "NodeMetricsList"
    usage = {n["metadata"]["name"]: n["usage"] for n in nodes["items"]}
    assert set(usage["node-1"]) == {"cpu", "memory"}
    node = metrics.get_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes", "node-1")
    assert node["kind"] == "NodeMetrics" and node["window"]
    pods = metrics.list_namespaced_custom_object("metrics.k8s.io", "v1beta1", NS, "pods")
    assert pods["kind"] == "PodMetricsList"
    assert all(p["metadata"]["namespace"] == NS and p["containers"] for p in pods["items"])
