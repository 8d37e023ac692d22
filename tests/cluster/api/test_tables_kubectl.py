"""The real kubectl's `get` against a live Kubesim: the columns and STATUS words it prints come
from the server's Tables, -o wide, -A, -l, --show-labels, --sort-by and -w included."""
import threading
import time

import pytest

from tests.livecluster import KUBECTL
from tests.manifests import WEB_DEPLOYMENT, WEB_SERVICE

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")]

SPEED = 10  # simulated seconds per real second: back-offs pass quickly
# A pod in each state kubectl users should recognise.
STATES = """\
apiVersion: v1
kind: Pod
metadata: {name: done}
spec:
  restartPolicy: Never
  containers: [{name: hello, image: hello-world}]
---
apiVersion: v1
kind: Pod
metadata: {name: crashy}
spec:
  containers: [{name: shell, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata:
  name: pulling
  annotations: {kubesim.io/pull-seconds: "864000"}
spec:
  containers: [{name: app, image: registry.example.com/slow:1}]  # pulled nowhere yet
---
apiVersion: v1
kind: Pod
metadata:
  name: stubborn
  annotations: {kubesim.io/stop-seconds: never}
spec:
  terminationGracePeriodSeconds: 864000
  containers: [{name: app, image: nginx:1.27}]
"""


@pytest.fixture(scope="module")
def cluster(live_cluster):
    live_cluster.clock(speed=SPEED)
    kubectl = live_cluster.kubectl()
    kubectl("apply", "-f", "-", input=WEB_DEPLOYMENT + "---\n" + WEB_SERVICE)
    live_cluster.wait_for_running(selector="app=web", count=2)
    return live_cluster


@pytest.fixture(scope="module")
def kubectl(cluster):
    return cluster.kubectl()


def table(text):
    """kubectl's printed table: (headers, rows), each row split on runs of spaces."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    return lines[0], lines[1:]


def header(text):
    """The heading line, its words joined by single spaces (NOMINATED NODE is one column)."""
    return " ".join(text.splitlines()[0].split())


def statuses(kubectl):
    headers, rows = table(kubectl("get", "pods"))
    return {row[0]: row[headers.index("STATUS")] for row in rows}


def test_get_prints_each_kinds_columns_and_more_with_wide(kubectl):
    pods = kubectl("get", "pods", "-l", "app=web")
    assert header(pods) == "NAME READY STATUS RESTARTS AGE"
    assert all(row[1:3] == ["1/1", "Running"] for row in table(pods)[1])
    wide = kubectl("get", "pods", "-l", "app=web", "-o", "wide")
    assert header(wide) == ("NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE "
                            "READINESS GATES")
    assert all(row[6].startswith("node-") for row in table(wide)[1])

    deployments = kubectl("get", "deployments")
    assert header(deployments) == "NAME READY UP-TO-DATE AVAILABLE AGE"
    assert table(deployments)[1][0][:4] == ["web", "2/2", "2", "2"]
    assert header(kubectl("get", "deploy", "-o", "wide")).endswith("CONTAINERS IMAGES SELECTOR")

    nodes = kubectl("get", "nodes")
    assert header(nodes) == "NAME STATUS ROLES AGE VERSION"
    assert [row[:3] for row in table(nodes)[1]] == [["control-plane", "Ready", "control-plane"],
                                                     ["node-1", "Ready", "<none>"],
                                                     ["node-2", "Ready", "<none>"]]
    assert "INTERNAL-IP EXTERNAL-IP OS-IMAGE" in header(kubectl("get", "nodes", "-o", "wide"))

    services = kubectl("get", "services", "web")
    assert header(services) == "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE"
    assert table(services)[1][0][:2] == ["web", "ClusterIP"]
    assert table(services)[1][0][4] == "80/TCP"
    assert header(kubectl("get", "svc", "web", "-o", "wide")).endswith("AGE SELECTOR")

    usage = kubectl("get", "nodes.metrics.k8s.io")  # metrics-server's columns
    assert header(usage) == "NAME CPU MEMORY WINDOW"
    assert table(usage)[1][1][0] == "node-1" and table(usage)[1][1][3] == "15s"


def test_kubectls_own_columns_and_outputs_still_work(kubectl):
    everything = kubectl("get", "all", "-A")
    assert header(everything).startswith("NAMESPACE NAME READY STATUS RESTARTS AGE")
    for name in ("pod/web-", "service/web", "deployment.apps/web", "replicaset.apps/web-"):
        assert f"default     {name}" in everything, everything
    labelled = kubectl("get", "pods", "-l", "app=web", "--show-labels")
    assert header(labelled).endswith("AGE LABELS")
    assert all("app=web" in row[-1] for row in table(labelled)[1])
    names = kubectl("get", "pods", "-l", "app=web", "-o", "name").split()
    assert len(names) == 2 and all(n.startswith("pod/web-") for n in names)
    by_node = kubectl("get", "pods", "-l", "app=web", "--sort-by=.spec.nodeName",
                      "-o", "custom-columns=POD:.metadata.name,NODE:.spec.nodeName")
    assert header(by_node) == "POD NODE"
    # --sort-by asks for includeObject=Object: kubectl sorts the Table's rows by the objects.
    sorted_rows = table(kubectl("get", "pods", "-l", "app=web", "--sort-by=.metadata.name"))[1]
    assert [row[0] for row in sorted_rows] == sorted(n.removeprefix("pod/") for n in names)


def test_status_shows_what_kubectl_shows(cluster, kubectl):
    kubectl("apply", "-f", "-", input=STATES)
    expected = {"done": "Completed", "crashy": "CrashLoopBackOff",
                "pulling": "ContainerCreating", "stubborn": "Running"}
    seen = {}

    def reached():
        seen.update({k: statuses(kubectl).get(k) for k in expected})
        return seen == expected
    try:
        cluster.wait_for(reached, "the pods' states", seconds=60)
    except AssertionError:
        pytest.fail(f"last seen {seen}, expected {expected}")
    kubectl("delete", "pod", "stubborn", "--wait=false")
    assert statuses(kubectl)["stubborn"] == "Terminating"
    kubectl("delete", "pod", "stubborn", "--grace-period=0", "--force")


class Lines:
    """The lines a background kubectl prints, collected by a thread as they come."""

    def __init__(self, process):
        self.process, self.lines = process, []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append((line.decode() if isinstance(line, bytes) else line).split())

    def wait_for(self, found, seconds=45):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(found(line) for line in list(self.lines)):
                return self.lines
            time.sleep(0.1)
        raise AssertionError(f"not seen within {seconds}s: {self.lines}; "
                             f"{self.process.stderr.read() if self.process.poll() else ''}")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def test_get_pods_watch_prints_a_pod_as_it_starts(cluster, kubectl):
    cluster.clock(speed=1)  # slow enough to see each state go by
    plain = Lines(kubectl.popen("get", "pods", "-l", "app=watched", "-w"))
    wide = Lines(kubectl.popen("get", "pods", "-l", "app=watched", "-w", "-o", "wide"))
    try:
        time.sleep(1)  # let both watches start
        kubectl("run", "watched", "--image=nginx:1.27", "--labels=app=watched",
                "--annotations=kubesim.io/pull-seconds=3")
        lines = plain.wait_for(lambda line: line[:3] == ["watched", "1/1", "Running"])
        assert lines[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]  # printed once
        seen = [line[2] for line in lines[1:]]
        assert "ContainerCreating" in seen and seen.index("ContainerCreating") < seen.index(
            "Running")
        assert seen.count("NAME") == 0
        wide_lines = wide.wait_for(lambda line: line[:3] == ["watched", "1/1", "Running"])
        assert wide_lines[0][5:7] == ["IP", "NODE"]
        running = next(line for line in wide_lines if line[2] == "Running")
        assert running[6].startswith("node-")
    finally:
        plain.stop()
        wide.stop()
        cluster.clock(speed=SPEED)
