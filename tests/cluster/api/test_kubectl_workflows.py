"""The workflows a class runs with the real kubectl, against one live daphne for the module.

Each test asserts on kubectl's own words and on the cluster's state after. The simulated clock
runs 10x fast so that pulls, starts and rollouts take a fraction of a real second. Nodes
(cordon, drain, top) are in test_kubectl_nodes.py.
"""
import textwrap
import time

import pytest
import yaml

from tests.livecluster import KUBECTL, read_lines

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")]

SPEED = 10  # simulated seconds per real second

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
"""
SETTINGS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: demo}
"""
FRONT = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: front}
data: {title: hello}
"""


@pytest.fixture(scope="module")
def cluster(live_cluster):
    live_cluster.clock(speed=SPEED)
    return live_cluster


@pytest.fixture(scope="module")
def kubectl(cluster):
    return cluster.kubectl()


def write(directory, name, text):
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def deployment(cluster, name, namespace="default"):
    return cluster.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}")


def lines(text):
    return [line.strip() for line in text.strip().splitlines()]


# --- apply ---------------------------------------------------------------------------------------

def test_apply_a_file_a_directory_stdin_and_again(cluster, kubectl, tmp_path):
    web = write(tmp_path, "web.yaml", WEB.replace("REPLICAS", "2"))
    assert lines(kubectl("apply", "-f", web)) == ["deployment.apps/web created"]

    write(tmp_path, "dir/settings.yaml", SETTINGS)
    write(tmp_path, "dir/front.yaml", FRONT)  # two documents
    out = lines(kubectl("apply", "-f", tmp_path / "dir"))
    assert sorted(out) == ["configmap/front created", "configmap/settings created",
                           "service/web created"]
    assert cluster.get("/api/v1/namespaces/default/services/web")["spec"]["selector"] == {
        "app": "web"}

    changed = WEB.replace("REPLICAS", "3")
    assert lines(kubectl("apply", "-f", "-", input=changed)) == ["deployment.apps/web configured"]
    assert deployment(cluster, "web")["spec"]["replicas"] == 3
    assert lines(kubectl("apply", "-f", "-", input=changed)) == ["deployment.apps/web unchanged"]
    assert sorted(lines(kubectl("apply", "-f", tmp_path / "dir" / "front.yaml"))) == [
        "configmap/front unchanged", "service/web unchanged"]
    cluster.wait_for_running(selector="app=web", count=3)


# --- get -----------------------------------------------------------------------------------------

def test_get_as_yaml_json_jsonpath_by_label_and_in_every_namespace(cluster, kubectl):
    kubectl("apply", "-f", "-", input=WEB.replace("REPLICAS", "3"))
    assert kubectl("create", "namespace", "lab") == "namespace/lab created\n"
    kubectl("apply", "-n", "lab", "-f", "-", input=SETTINGS)

    as_yaml = yaml.safe_load(kubectl("get", "deployment", "web", "-o", "yaml"))
    assert (as_yaml["kind"], as_yaml["spec"]["replicas"]) == ("Deployment", 3)
    pods = kubectl.json("get", "pods", "-l", "app=web")
    assert pods["kind"] == "List" and len(pods["items"]) == 3
    assert all(p["metadata"]["labels"]["app"] == "web" for p in pods["items"])
    names = kubectl("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}")
    assert sorted(names.split()) == sorted(p["metadata"]["name"] for p in pods["items"])
    assert kubectl("get", "pods", "-l", "app=nothing", "-o", "name") == ""

    everywhere = kubectl("get", "configmaps", "-A", "-o",
                         'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}'
                         "{end}").split()
    assert {"lab/settings", "default/settings"} <= set(everywhere)


# --- create, expose, scale, describe -------------------------------------------------------------

def test_create_expose_scale_and_describe(cluster, kubectl):
    # kubectl create sends protobuf (its typed client): the server reads it.
    assert kubectl("create", "deployment", "api", "--image=nginx:1.27", "--replicas=1",
                   "--port=8080") == "deployment.apps/api created\n"
    container = deployment(cluster, "api")["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]

    assert kubectl("expose", "deployment", "api", "--port=80",
                   "--target-port=8080") == "service/api exposed\n"
    service = cluster.get("/api/v1/namespaces/default/services/api")
    assert service["spec"]["selector"] == {"app": "api"}
    assert service["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 8080}]
    assert service["spec"]["clusterIP"]

    assert kubectl("scale", "deployment", "api", "--replicas=2") == "deployment.apps/api scaled\n"
    pod = cluster.wait_for_running(selector="app=api", count=2)[0]
    assert deployment(cluster, "api")["spec"]["replicas"] == 2

    described = kubectl("describe", "deployment", "api")
    assert "Replicas:               2 desired | 2 updated | 2 total" in described
    assert "Selector:               app=api" in described
    assert "ScalingReplicaSet" in described and "Scaled up replica set api-" in described

    name, node = pod["metadata"]["name"], pod["spec"]["nodeName"]
    described = kubectl("describe", "pod", name)
    assert f"Node:             {node}/" in described and "Status:           Running" in described
    events = described.split("Events:", 1)[1]
    assert f"default-scheduler  Successfully assigned default/{name} to {node}" in events
    reasons = [row.split()[1] for row in events.strip().splitlines()[2:]]
    # In the order they happened, the same-second ones too (kubectl keeps those in list order).
    assert [r for r in reasons if r in ("Scheduled", "Pulled", "Created", "Started")] == [
        "Scheduled", "Pulled", "Created", "Started"]
    assert "kubelet            Container started" in events


# --- rollouts ------------------------------------------------------------------------------------

def rollout_status(kubectl, name):
    out = kubectl("rollout", "status", f"deployment/{name}", "--timeout=60s", timeout=70)
    assert out.splitlines()[-1] == f'deployment "{name}" successfully rolled out'


def images(cluster, name):
    return deployment(cluster, name)["spec"]["template"]["spec"]["containers"][0]["image"]


def test_set_image_rollout_status_history_undo_and_restart(cluster, kubectl):
    kubectl("create", "deployment", "shop", "--image=nginx:1.27", "--replicas=2")
    rollout_status(kubectl, "shop")
    assert kubectl("set", "image", "deployment/shop",
                   "nginx=nginx:1.28") == "deployment.apps/shop image updated\n"
    rollout_status(kubectl, "shop")
    pods = cluster.wait_for_running(selector="app=shop", count=2)
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"nginx:1.28"}

    history = lines(kubectl("rollout", "history", "deployment/shop"))
    assert history[:2] == ["deployment.apps/shop", "REVISION  CHANGE-CAUSE"]
    assert [row.split()[0] for row in history[2:]] == ["1", "2"]
    assert "Image:\tnginx:1.27" in kubectl("rollout", "history", "deployment/shop",
                                           "--revision=1")

    assert kubectl("rollout", "undo", "deployment/shop") == "deployment.apps/shop rolled back\n"
    rollout_status(kubectl, "shop")
    assert images(cluster, "shop") == "nginx:1.27"
    history = lines(kubectl("rollout", "history", "deployment/shop"))
    assert [row.split()[0] for row in history[2:]] == ["2", "3"]  # revision 1 came back as 3

    before = {p["metadata"]["name"] for p in cluster.pods(selector="app=shop")}
    assert kubectl("rollout", "restart", "deployment/shop") == "deployment.apps/shop restarted\n"
    annotations = deployment(cluster, "shop")["spec"]["template"]["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/restartedAt" in annotations
    rollout_status(kubectl, "shop")
    after = {p["metadata"]["name"] for p in cluster.wait_for_running(selector="app=shop", count=2)}
    assert not before & after  # every pod replaced


# --- logs ----------------------------------------------------------------------------------------

def pod_manifest(name, command, annotations=None, restart="Always"):
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "annotations": {"kubesim.io/pull-seconds": "0",
                                                   **(annotations or {})}},
        "spec": {"restartPolicy": restart, "containers": [
            {"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", command]}]}})


def container_status(cluster, name):
    pod = cluster.get(f"/api/v1/namespaces/default/pods/{name}")
    statuses = (pod.get("status") or {}).get("containerStatuses") or [{}]
    return statuses[0]


def running(cluster, name):
    return "running" in container_status(cluster, name).get("state", {})


def test_logs_follow_until_the_container_exits(cluster, kubectl):
    kubectl("apply", "-f", "-", input=pod_manifest(
        "counter", "echo one; sleep 30; echo two", restart="Never"))
    cluster.wait_for(lambda: running(cluster, "counter"), "counter running")
    follow = kubectl.popen("logs", "-f", "counter")
    try:
        assert read_lines(follow, 1) == ["one\n"]
        assert follow.poll() is None  # streaming while the container sleeps (3 s real)
        assert read_lines(follow, 1) == ["two\n"]
        assert follow.wait(15) == 0  # the container exited: so does kubectl
    finally:
        follow.kill()
        follow.wait()
    assert kubectl("logs", "counter") == "one\ntwo\n"
    stamped = kubectl("logs", "counter", "--since=1h", "--timestamps").splitlines()
    assert [line.split(" ", 1)[1] for line in stamped] == ["one", "two"]
    assert stamped[0][:4].isdigit() and stamped[0].split(" ")[0].endswith("Z")


def test_logs_follow_streams_until_killed(cluster, kubectl):
    kubectl("apply", "-f", "-", input=pod_manifest(
        "ticker", "while true; do echo tick; sleep 1; done"))
    cluster.wait_for(lambda: running(cluster, "ticker"), "ticker running")
    follow = kubectl.popen("logs", "-f", "ticker")
    try:
        assert read_lines(follow, 3) == ["tick\n"] * 3
        assert follow.poll() is None  # still streaming
        follow.terminate()
        assert follow.wait(10) is not None
    finally:
        follow.kill()
        follow.wait()


def test_logs_of_the_previous_container_after_a_crash(cluster, kubectl):
    kubectl("apply", "-f", "-", input=pod_manifest(
        "crasher", "echo starting; sleep 3600", {"kubesim.io/crash-after": "2"}))
    cluster.wait_for(lambda: container_status(cluster, "crasher").get("restartCount", 0) >= 1,
                     "crasher restarted", seconds=30)
    previous = kubectl("logs", "crasher", "--previous")
    assert previous == ("starting\n"
                        "kubesim: simulated crash after 2s (kubesim.io/crash-after)\n")
    describe = kubectl("describe", "pod", "crasher")
    assert "Last State:     Terminated" in describe and "Exit Code:    1" in describe
    kubectl("delete", "pod", "crasher", "--grace-period=0", "--force")


# --- delete --------------------------------------------------------------------------------------

def test_delete_by_name_by_label_and_orphaning(cluster, kubectl):
    kubectl("create", "deployment", "keep", "--image=nginx:1.27", "--replicas=2")
    victim = cluster.wait_for_running(selector="app=keep", count=2)[0]["metadata"]["name"]
    # kubectl waits until the pod is gone: nginx stops on SIGTERM, the kubelet finishes it.
    assert kubectl("delete", "pod", victim) == f'pod "{victim}" deleted\n'
    assert cluster.get(f"/api/v1/namespaces/default/pods/{victim}") is None
    cluster.wait_for_running(selector="app=keep", count=2)  # the ReplicaSet replaced it
    assert "Found 2 pods, using pod/" in kubectl.run("logs", "deployment/keep").stderr
    out = kubectl("delete", "deployment", "keep", "--cascade=orphan")
    assert out == 'deployment.apps "keep" deleted\n'
    assert deployment(cluster, "keep") is None
    rs = cluster.ok("GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dkeep")
    assert len(rs["items"]) == 1 and not rs["items"][0]["metadata"].get("ownerReferences")
    time.sleep(0.5)  # the garbage collector had its chance: the orphans stay
    assert len(cluster.pods(selector="app=keep")) == 2

    assert kubectl("delete", "replicaset", "-l", "app=keep", "--cascade=orphan") == (
        f'replicaset.apps "{rs["items"][0]["metadata"]["name"]}" deleted\n')
    pods = sorted(p["metadata"]["name"] for p in cluster.pods(selector="app=keep"))
    out = kubectl("delete", "pods", "-l", "app=keep", "--grace-period=0", "--force")
    assert [f'pod "{name}" force deleted' for name in pods] == lines(out)
    assert cluster.pods(selector="app=keep") == []

    kubectl("apply", "-f", "-", input=SETTINGS.replace("settings", "scratch"))
    assert kubectl("delete", "configmap", "scratch") == 'configmap "scratch" deleted\n'
    missing = kubectl.run("delete", "configmap", "scratch", check=False)
    assert missing.returncode == 1
    assert 'Error from server (NotFound): configmaps "scratch" not found' in missing.stderr


# --- label, annotate, edit -----------------------------------------------------------------------

def test_label_and_annotate_with_and_without_overwrite(cluster, kubectl):
    kubectl("apply", "-f", "-", input=SETTINGS.replace("settings", "tagged"))
    assert kubectl("label", "configmap", "tagged", "tier=web") == "configmap/tagged labeled\n"
    refused = kubectl.run("label", "configmap", "tagged", "tier=db", check=False)
    assert refused.returncode == 1
    assert "'tier' already has a value (web), and --overwrite is false" in refused.stderr
    kubectl("label", "configmap", "tagged", "tier=db", "--overwrite")
    assert kubectl("annotate", "configmap", "tagged", "owner=alice") == (
        "configmap/tagged annotated\n")
    refused = kubectl.run("annotate", "configmap", "tagged", "owner=bob", check=False)
    assert refused.returncode == 1 and "'owner' already has a value (alice)" in refused.stderr
    kubectl("annotate", "configmap", "tagged", "owner=bob", "--overwrite")
    meta = cluster.get("/api/v1/namespaces/default/configmaps/tagged")["metadata"]
    assert meta["labels"] == {"tier": "db"} and meta["annotations"]["owner"] == "bob"
    assert kubectl("label", "configmap", "tagged", "tier-") == "configmap/tagged unlabeled\n"
    assert kubectl("get", "configmaps", "-l", "tier", "-o", "name") == ""


def test_edit_with_kube_editor(cluster, kubectl, tmp_path):
    kubectl("apply", "-f", "-", input=SETTINGS.replace("settings", "edited"))
    editor = write(tmp_path, "editor.sh", "#!/bin/sh\nsed -i 's/mode: demo/mode: class/' \"$1\"\n")
    editor.chmod(0o755)
    out = kubectl("edit", "configmap/edited", env={"KUBE_EDITOR": str(editor)})
    assert out == "configmap/edited edited\n"
    assert cluster.get("/api/v1/namespaces/default/configmaps/edited")["data"] == {"mode": "class"}
    unchanged = kubectl.run("edit", "configmap/edited", env={"KUBE_EDITOR": "true"})
    assert "Edit cancelled, no changes made." in unchanged.stderr


# --- explain, api-resources ----------------------------------------------------------------------

def test_explain_and_api_resources(kubectl):
    explained = kubectl("explain", "deployment.spec.replicas")
    assert "GROUP:      apps" in explained and "FIELD: replicas <integer>" in explained
    assert "DESCRIPTION:" in kubectl("explain", "pods.spec.containers")

    resources = kubectl("api-resources", "-o", "wide")
    header, *rows = resources.splitlines()
    assert header.split()[:5] == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    cells = [row.split() for row in rows]
    assert ["deployments", "deploy", "apps/v1", "true", "Deployment"] in [c[:5] for c in cells]
    assert ["nodes", "no", "v1", "false", "Node"] in [c[:5] for c in cells]
    assert ["pods", "po", "v1", "true", "Pod"] in [c[:5] for c in cells if c[-1] == "all"]
    assert ["nodes", "metrics.k8s.io/v1beta1", "false", "NodeMetrics"] in [c[:4] for c in cells]
    assert "create,delete,deletecollection,get,list,patch,update,watch" in resources
    assert "pods" in kubectl("api-resources", "--api-group=", "-o", "name").split()
    assert kubectl("api-resources", "--namespaced=false", "-o", "name").split().count("nodes") == 1

