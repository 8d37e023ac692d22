"""Gaps a student with the real kubectl would hit, against a live daphne: node events in
`kubectl describe node`, a default ServiceAccount in a new namespace, `kubectl create token` and
the token it prints authenticating a call (and the same through the Python client), and
`kubectl diff` (a server dry run), `kubectl autoscale`, `kubectl auth can-i` and `kubectl auth
whoami`."""
import urllib.error
import urllib.request

import pytest
import yaml

from tests.livecluster import KUBECTL

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")]

CONFIG = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"},
          "data": {"color": "blue", "size": "large"}}


@pytest.fixture(scope="module")
def cluster(live_cluster):
    live_cluster.clock(speed=10)
    return live_cluster


@pytest.fixture(scope="module")
def kubectl(cluster):
    return cluster.kubectl()


def test_describe_node_shows_its_events(cluster, kubectl):
    def described():
        text = kubectl("describe", "node", "node-1")
        return text if "Starting kubelet." in text and "RegisteredNode" in text else None

    text = cluster.wait_for(described, "node-1's kubelet and node controller events")
    events = text.split("Events:", 1)[1]
    assert "<none>" not in events
    assert "Node node-1 event: Registered Node node-1 in Controller" in events
    kubectl("cordon", "node-1")
    cluster.wait_for(lambda: "NodeNotSchedulable" in kubectl("describe", "node", "node-1"),
                     "the kubelet's NodeNotSchedulable event")
    kubectl("uncordon", "node-1")


def test_a_new_namespace_gets_a_default_service_account(cluster, kubectl):
    kubectl("create", "namespace", "class")
    cluster.wait_for(lambda: "default" in kubectl("get", "sa", "-n", "class", "-o", "name"),
                     "the default ServiceAccount")
    assert kubectl("get", "sa", "-n", "class", "-o", "name") == "serviceaccount/default\n"
    cluster.wait_for(lambda: cluster.get("/api/v1/namespaces/class/configmaps/kube-root-ca.crt"),
                     "kube-root-ca.crt")


def status_with_token(cluster, token):
    """The status of a GET with this bearer token. (kubectl itself sends no credentials to a
    plain-http server, so the header is sent here.)"""
    request = urllib.request.Request(f"{cluster.url}/api/v1/namespaces/default",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_create_token_prints_a_token_that_authenticates(cluster, kubectl):
    token = kubectl("create", "token", "default", "--duration", "20m").strip()
    assert token.count(".") == 2
    assert status_with_token(cluster, token) == 200
    assert status_with_token(cluster, token[:-2] + ("xx" if token[-2:] != "xx" else "yy")) == 401
    assert kubectl("--token", token, "get", "ns", "default", "-o", "name") == "namespace/default\n"


def test_diff_shows_only_what_a_manifest_changes(kubectl, tmp_path):
    manifest = tmp_path / "settings.yaml"
    manifest.write_text(yaml.safe_dump(CONFIG))
    kubectl("apply", "-f", manifest)
    same = kubectl.run("diff", "-f", manifest, check=False)
    assert (same.returncode, same.stdout, same.stderr) == (0, "", "")
    manifest.write_text(yaml.safe_dump({**CONFIG, "data": {**CONFIG["data"], "color": "red"}}))
    changed = kubectl.run("diff", "-f", manifest, check=False)
    assert changed.returncode == 1, changed.stderr
    lines = [line for line in changed.stdout.splitlines()
             if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))]
    # No resourceVersion line: the dry run keeps it; and a ConfigMap has no generation.
    assert lines == ["-  color: blue", "+  color: red"]


def test_autoscale_creates_an_autoscaling_v1_hpa_read_back_as_v2(kubectl):
    # Its body is protobuf, in autoscaling/v1; the cluster stores autoscaling/v2.
    kubectl("create", "deployment", "scaled", "--image=nginx:1.27")
    out = kubectl("autoscale", "deployment", "scaled", "--min=2", "--max=5", "--cpu-percent=50")
    assert out == "horizontalpodautoscaler.autoscaling/scaled autoscaled\n"
    hpa = kubectl.json("get", "hpa", "scaled")
    assert hpa["apiVersion"] == "autoscaling/v2" and hpa["spec"]["minReplicas"] == 2
    assert hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 50
    row = kubectl("get", "hpa", "scaled", "--no-headers").split()
    assert row[:3] == ["scaled", "Deployment/scaled", "cpu:"] and row[3].endswith("/50%")
    assert row[4:6] == ["2", "5"]  # MINPODS, MAXPODS


def test_auth_can_i_and_whoami(kubectl):
    # Their bodies are protobuf. kubectl sends no token over plain http: it is anonymous.
    assert kubectl("auth", "can-i", "create", "pods") == "yes\n"
    assert kubectl("auth", "can-i", "delete", "nodes", "--all-namespaces") == "yes\n"
    assert kubectl("auth", "whoami").split() == ["ATTRIBUTE", "VALUE", "Username",
                                                 "system:anonymous", "Groups",
                                                 "[system:unauthenticated]"]
    listed = kubectl("auth", "can-i", "--list").splitlines()
    assert listed[1].split() == ["*.*", "[]", "[]", "[*]"]


def test_the_python_client_requests_a_token_and_authenticates_with_it(cluster, tmp_path):
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException

    admin = config.new_client_from_config(config_file=str(cluster.kubeconfig))
    request = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(
        audiences=[], expiration_seconds=600))
    answer = client.CoreV1Api(admin).create_namespaced_service_account_token(
        "default", "default", request)
    assert answer.spec.expiration_seconds == 600 and answer.status.token

    def core_with(token):
        kubeconfig = yaml.safe_load(cluster.kubeconfig.read_text())
        kubeconfig["users"][0]["user"]["token"] = token
        (tmp_path / "kubeconfig").write_text(yaml.safe_dump(kubeconfig))
        return client.CoreV1Api(config.new_client_from_config(config_file=str(tmp_path / "kubeconfig")))

    assert core_with(answer.status.token).read_namespace("default").metadata.name == "default"
    # Unlike kubectl over http, the Python client sends its token: whoami names the admin.
    whoami = client.AuthenticationV1Api(admin).create_self_subject_review(
        client.V1SelfSubjectReview())
    assert whoami.status.user_info.username == "kubesim-admin"
    with pytest.raises(ApiException) as refused:
        core_with(answer.status.token + "x").read_namespace("default")
    assert refused.value.status == 401
