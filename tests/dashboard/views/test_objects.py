"""The troubleshooting pages: lists like `kubectl get` (columns, namespace filter, wide, the kind
index), describe pages (events, owner and dependents links, the live refresh), pod logs, the
scheduler's verdict for a pod that fit and one that did not, and rollout history with undo.
Hostile values (annotations, env values, event messages, log lines) are escaped everywhere."""
import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from cluster import apply, clock, kinds, manifests, store
from cluster.management.commands.seed_demo import seed
from cluster.models import Pod, ReplicaSet
from workers import inline
from workers.scheduler import scheduler

from ..clusterobjects import HOSTILE, HOSTILE_ESCAPED, SCRIPT, SCRIPT_ESCAPED, event, namespace

pytestmark = pytest.mark.django_db

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {kubernetes.io/change-cause: "kubectl create deployment web --image=nginx:1.27"}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        resources: {requests: {cpu: 500m, memory: 64Mi}}
        readinessProbe: {httpGet: {path: /, port: 80}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
"""


def apply_yaml(text):
    return apply.apply(manifests.parse(text, source="test.yaml"))


@pytest.fixture
def cluster():
    """The demo cluster (control-plane, node-1, node-2) running Deployment web, on a paused
    clock."""
    clock.pause()
    seed()
    apply_yaml(WEB)
    inline.advance(30)


@pytest.fixture
def client():
    return Client()


def get(client, path, **kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return response.content.decode()


def web_pods():
    return sorted(Pod.objects.in_namespace("default").filter(name__startswith="web-")
                  .values_list("name", flat=True))


def web_replica_set():
    return ReplicaSet.objects.in_namespace("default").values_list("name", flat=True).get()


def headers(html):
    return re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', html)


def row_of(html, name):
    """The table row that links to `name`."""
    found = re.search(rf"<tr>(?:(?!</tr>).)*>{re.escape(name)}</a>(?:(?!</tr>).)*</tr>", html,
                      re.DOTALL)
    assert found, f"no row for {name}"
    return found.group(0)


def cells(row):
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)]


# --- lists -------------------------------------------------------------------------------------

def test_pods_across_all_namespaces_have_kubectls_columns_and_link_to_describe(cluster, client):
    html = get(client, "/objects/pods/")
    assert headers(html) == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    name = web_pods()[0]
    row = row_of(html, name)
    assert f'<a href="/objects/pods/default/{name}">{name}</a>' in row
    assert cells(row)[:4] == ["default", name, "1/1", "Running"]
    assert '<span class="state state-ok">Running</span>' in row  # running and ready
    assert '<a href="/objects/pods/" aria-current="page">Pods</a>' in html  # the header's nav


def test_wide_shows_priority_one_columns_and_keeps_the_namespace(cluster, client):
    html = get(client, "/objects/pods/?namespace=default&wide=1")
    assert headers(html) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                             "NOMINATED NODE", "READINESS GATES"]
    assert 'href="?namespace=default">Hide wide columns</a>' in html
    assert '<input type="hidden" name="wide" value="1">' in html
    node = Pod.objects.get(name=web_pods()[0]).node_name
    assert node in cells(row_of(html, web_pods()[0]))


def test_the_namespace_filter(cluster, client):
    namespace("team-a")
    store.create({"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "settings", "namespace": "team-a"}, "data": {"a": "1"}})
    html = get(client, "/objects/configmaps/?namespace=team-a")
    assert headers(html) == ["NAME", "DATA", "AGE"]
    assert ">settings</a>" in html and '<option value="team-a" selected>' in html
    assert "No resources found in default namespace." in get(  # (default has kube-root-ca.crt)
        client, "/objects/secrets/?namespace=default")
    assert client.get("/objects/pods/?namespace=" + HOSTILE).status_code == 404


def test_deployments_nodes_and_events(cluster, client):
    html = get(client, "/objects/deployments/")
    assert headers(html) == ["NAMESPACE", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert cells(row_of(html, "web"))[1:5] == ["web", "2/2", "2", "2"]
    html = get(client, "/objects/nodes/")
    assert headers(html) == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]  # cluster-scoped
    assert '<a href="/objects/nodes/_/node-1">node-1</a>' in html
    assert '<span class="state state-ok">Ready</span>' in html
    assert 'name="namespace"' not in html  # no namespace filter for a cluster-scoped kind
    pod = web_pods()[0]
    event(store.get(kinds.lookup("pods"), "default", pod), HOSTILE, SCRIPT, event_type="Warning")
    html = get(client, "/objects/events/?namespace=default")
    assert '<span class="state state-idle">Normal</span>' in html
    assert '<span class="state state-warn">Warning</span>' in html
    assert f'<a href="/objects/pods/default/{pod}">pod/{pod}</a>' in html  # OBJECT links
    assert SCRIPT not in html and HOSTILE not in html
    assert f"<td>{HOSTILE_ESCAPED}</td>" in html and f"<td>{SCRIPT_ESCAPED}</td>" in html


def test_the_kind_index_links_every_kind(cluster, client):
    html = get(client, "/objects/services/")
    start = html.index('<nav class="kind-index"')
    index = html[start:html.index("</nav>", start)]
    linked = re.findall(r'href="/objects/([a-z]+)/"', index)
    assert sorted(linked) == sorted(k.plural for k in kinds.KINDS) and len(linked) == 21
    assert '<a href="/objects/services/" aria-current="page">services</a>' in index


def test_unknown_resources_are_404_and_short_names_redirect(client):
    assert client.get("/objects/widgets/").status_code == 404
    assert client.get("/objects/widgets/default/x").status_code == 404
    response = client.get("/objects/po/?namespace=default")
    assert (response.status_code, response["Location"]) == (302, "/objects/pods/?namespace=default")


# --- describe ----------------------------------------------------------------------------------

class _Fields(HTMLParser):
    """Every field of a description, nested ones too: {label: its value's text, spaced}; the
    first of a repeated label (the top-level one) wins."""

    def __init__(self):
        super().__init__()
        self.label, self.open, self.found = None, [], {}  # open: [label, [text]] per open <dd>

    def handle_starttag(self, tag, attrs):
        if tag == "dt":
            self.label = ""
        elif tag == "dd":
            self.open.append([self.label.strip(), []])
            self.label = None
        for _, text in self.open:
            text.append(" ")

    def handle_endtag(self, tag):
        if tag == "dd" and self.open:
            label, text = self.open.pop()
            self.found.setdefault(label, " ".join("".join(text).split()))

    def handle_data(self, data):
        if self.label is not None:
            self.label += data
        for _, text in self.open:
            text.append(data)


def fields(html):
    """{label: text} of the describe fields."""
    parser = _Fields()
    parser.feed(html)
    return parser.found


def test_describe_pod_links_its_owner_node_logs_and_scheduling(cluster, client):
    name = web_pods()[0]
    pod = store.get(kinds.lookup("pods"), "default", name)
    html = get(client, f"/objects/pods/default/{name}")
    rs = web_replica_set()
    assert f'<a href="/objects/replicasets/default/{rs}">ReplicaSet/{rs}</a>' in html
    node = pod["spec"]["nodeName"]
    assert f'<a href="/objects/nodes/_/{node}">{node}/{pod["status"]["hostIP"]}</a>' in html
    assert f'href="/objects/pods/default/{name}/logs">Logs</a>' in html
    assert f'href="/objects/pods/default/{name}/scheduling">Scheduling</a>' in html
    found = fields(html)
    assert found["Status"] == "Running" and found["QoS Class"] == "Burstable"
    assert found["Readiness"].startswith("http-get http://:80/ delay=0s timeout=1s period=10s")
    assert found["Restart Count"] == "0" and found["Ready"] == "True"
    assert found["Requests"] == "cpu 500m memory 64Mi"
    assert "node.kubernetes.io/not-ready:NoExecute op=Exists for 300s" in found["Tolerations"]
    events = html[html.index("<dt>Events</dt>"):]
    assert re.search(r"<td>Scheduled</td>.*default-scheduler.*Successfully assigned default/"
                     + name, events, re.DOTALL)
    assert events.index(">Scheduled<") < events.index(">Started<")  # oldest first
    assert 'class="action-link" href="/edit/pods/default/' in html  # the object menu


def test_describe_deployment(cluster, client):
    html = get(client, "/objects/deployments/default/web")
    found = fields(html)
    assert found["Replicas"] == "2 desired | 2 updated | 2 total | 2 available | 0 unavailable"
    assert found["StrategyType"] == "RollingUpdate"
    assert found["RollingUpdateStrategy"] == "25% max unavailable, 25% max surge"
    assert found["OldReplicaSets"] == "<none>"
    rs = web_replica_set()
    assert (f'<a href="/objects/replicasets/default/{rs}">{rs} (2/2 replicas created)</a>'
            in html)
    assert re.search(r"<td>Available</td>\s*<td>True</td>\s*<td>MinimumReplicasAvailable</td>",
                     html)
    assert "ScalingReplicaSet" in html and f"Scaled up replica set {rs} from 0 to 2" in html
    assert 'href="/objects/deployments/default/web/history">Rollout history</a>' in html
    assert "Pod Template" in found and "nginx:1.27" in found["Pod Template"]


def test_describe_replica_set_lists_its_pods(cluster, client):
    rs = web_replica_set()
    html = get(client, f"/objects/replicasets/default/{rs}")
    found = fields(html)
    assert found["Replicas"] == "2 current / 2 desired"
    assert found["Pods Status"] == "2 Running / 0 Waiting / 0 Succeeded / 0 Failed"
    assert '<a href="/objects/deployments/default/web">Deployment/web</a>' in html
    pods = html[html.index("<dt>Pods</dt>"):]
    for name in web_pods():
        assert f'<a href="/objects/pods/default/{name}">{name}</a>' in pods
    assert "(2 in total)" in pods


def test_describe_node_lists_its_pods_and_their_requests(cluster, client):
    node = Pod.objects.get(name=web_pods()[0]).node_name
    html = get(client, f"/objects/nodes/_/{node}")
    found = fields(html)
    assert found["Unschedulable"] == "false" and found["Taints"] == "<none>"
    assert "InternalIP" in found["Addresses"]
    running = Pod.objects.on_node(node).filter(name__startswith="web-").count()
    table = html[html.index("<dt>Non-terminated Pods</dt>"):html.index("<dt>Allocated resources")]
    assert f"({running} in total)" in table
    requested = {1: "500m (12%)", 2: "1 (25%)"}[running]  # of 4 CPUs
    allocated = html[html.index("<dt>Allocated resources"):]
    assert re.search(rf"<td>cpu</td><td>{re.escape(requested)}</td><td>0 \(0%\)</td>", allocated)
    assert '<button type="submit">Cordon</button>' in html  # the node's actions
    assert '<button type="submit">Stop kubelet</button>' in html
    assert re.search(r'<li class="state state-ok">Ready</li>', html)
    control_plane = fields(get(client, "/objects/nodes/_/control-plane"))
    assert control_plane["Taints"] == "node-role.kubernetes.io/control-plane:NoSchedule"
    assert control_plane["Roles"] == "control-plane"


def test_describe_service_and_namespace(cluster, client):
    html = get(client, "/objects/services/default/web")
    found = fields(html)
    assert found["Selector"] == "app=web" and found["Type"] == "ClusterIP"
    assert found["Port"] == "<unset> 80/TCP" and found["TargetPort"] == "80/TCP"
    assert found["Session Affinity"] == "None"
    html = get(client, "/objects/namespaces/_/default")
    assert '<span class="state state-ok">Active</span>' in html
    assert client.get("/objects/namespaces/default/default").status_code == 404  # not `_`


def test_the_generic_describer_shows_every_field(cluster, client):
    store.create({"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "settings", "namespace": "default"},
                  "data": {"game.properties": "lives=3"}})
    found = fields(get(client, "/objects/configmaps/default/settings"))
    assert found["API Version"] == "v1" and found["Kind"] == "ConfigMap"
    assert found["Data"] == "game.properties lives=3"


def test_hostile_values_are_escaped_on_describe_pages(cluster, client):
    apply_yaml(f"""
apiVersion: v1
kind: Pod
metadata:
  name: hostile
  annotations: {{kubesim.io/note: '{HOSTILE}'}}
spec:
  containers:
  - name: c
    image: busybox
    env: [{{name: X, value: "{SCRIPT}"}}]
    command: [sh, -c, "sleep 3600"]
""")
    pod = store.get(kinds.lookup("pods"), "default", "hostile")
    event(pod, "Hostile", SCRIPT + HOSTILE, event_type="Warning")
    html = get(client, "/objects/pods/default/hostile")
    assert SCRIPT not in html and HOSTILE not in html
    assert f"kubesim.io/note: {HOSTILE_ESCAPED}" in html
    assert SCRIPT_ESCAPED + HOSTILE_ESCAPED in html  # the event message
    assert fields(html)["Environment"] == f"X {SCRIPT}"  # once unescaped
    assert '<span class="state state-warn">Warning</span>' in html


def test_the_live_part_alone_for_htmx_and_word_when_the_object_is_gone(cluster, client):
    html = get(client, "/objects/deployments/default/web", headers={"HX-Request": "true"})
    assert html.lstrip().startswith('<div id="describe-live"') and "<html" not in html
    assert 'hx-trigger="every 2s [kubesimMayRefresh(this)]"' in html
    assert '<button type="submit">Scale</button>' in html  # the deployment's menu refreshes too
    full = get(client, "/objects/deployments/default/web")
    assert 'hx-select="#describe-live"' in full and "kubesim/js/objects.js" in full
    store.delete(kinds.lookup("deployments"), "default", "web")
    gone = get(client, "/objects/deployments/default/web", headers={"HX-Request": "true"})
    assert "Deployment web no longer exists." in gone and "hx-get" not in gone
    assert client.get("/objects/deployments/default/web").status_code == 404


# --- logs --------------------------------------------------------------------------------------

def test_the_logs_page_shows_the_log_escaped_and_follows_it(cluster, client):
    apply_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: chatty}}
spec:
  containers:
  - {{name: first, image: busybox, command: [sh, -c, "sleep 3600"]}}
  - name: talker
    image: busybox
    env: [{{name: X, value: "{SCRIPT}"}}]
    command: [sh, -c, "while true; do echo $X; sleep 5; done"]
""")
    inline.advance(20)
    html = get(client, "/objects/pods/default/chatty/logs?container=talker")
    log = re.search(r'<pre id="log"[^>]*>(.*?)</pre>', html, re.DOTALL).group(1)
    assert log.count(SCRIPT_ESCAPED) >= 2 and SCRIPT not in html
    assert 'data-ws="/ws/logs/default/chatty?container=talker"' in html
    assert re.search(r'data-after="\d{4}-\d\d-\d\dT[\d:.]+Z"', html)
    assert '<option value="talker" selected>talker</option>' in html
    assert "Following…" in html and "kubesim/js/logs.js" in html
    first = get(client, "/objects/pods/default/chatty/logs")  # the first container by default
    assert '<option value="first" selected>first</option>' in first


def test_the_logs_page_for_a_web_server_and_its_previous_run(cluster, client):
    name = web_pods()[0]
    html = get(client, f"/objects/pods/default/{name}/logs")
    assert "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/" in html
    previous = get(client, f"/objects/pods/default/{name}/logs?previous=1")
    assert "data-ws" not in previous
    assert (f'No previous run: previous terminated container &quot;web&quot; in pod '
            f'&quot;{name}&quot; not found') in previous
    assert client.get(f"/objects/pods/default/{name}/logs?container=nope").status_code == 404
    apply_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: Never
  containers: [{name: c, image: busybox, command: [sh, -c, "echo done"]}]
""")
    inline.advance(20)
    finished = get(client, "/objects/pods/default/once/logs")
    assert re.search(r'<pre id="log"[^>]*>done\n</pre>', finished) and "data-ws" not in finished
    assert "Stopped: container c terminated (Completed, exit code 0)" in finished
    assert client.get("/objects/pods/default/nope/logs").status_code == 404


# --- scheduling --------------------------------------------------------------------------------

def test_the_verdict_for_a_pod_that_fit(cluster, client):
    name = web_pods()[0]
    chosen = Pod.objects.get(name=name).node_name
    html = get(client, f"/objects/pods/default/{name}/scheduling")
    assert "Bound to node" in html and f">{chosen}</a>" in html
    columns = headers(html)
    assert columns[:4] == ["Node", "Verdict", "Filter", "Reason"] and columns[-1] == "Total"
    assert {"TaintToleration", "NodeResourcesFit"} <= set(columns[4:-1])
    rows = re.findall(r'<tr class="(verdict-\w+)">\s*<th scope="row"><a href="[^"]+">([^<]+)</a>',
                      html)
    assert rows[0] == ("verdict-chosen", chosen)  # the chosen node first, labelled in words
    assert '<span aria-hidden="true">★ </span>Chosen</span>' in html
    rejected = {n: c for c, n in rows}["control-plane"]
    assert rejected == "verdict-rejected"
    assert re.search(r"control-plane</a></th>\s*<td><span class=\"state state-bad\">Rejected"
                     r"</span></td>\s*<td>TaintToleration</td>\s*<td>node\(s\) had untolerated "
                     r"taint\(s\)</td>", html)


def test_the_verdict_for_a_pod_that_fits_nowhere(cluster, client, monkeypatch):
    monkeypatch.setattr(scheduler, "VERDICT_NODES", 2)
    apply_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: greedy}
spec:
  containers: [{name: c, image: nginx, resources: {requests: {cpu: "100"}}}]
""")
    inline.run_until_idle()
    html = get(client, "/objects/pods/default/greedy/scheduling")
    assert '<span class="state state-bad">Unschedulable</span>' in html
    assert ("0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu."
            in html)
    assert "Insufficient cpu" in html and "Chosen" not in html
    assert "1 more node not shown." in html


def test_a_pod_that_named_its_node_never_saw_the_scheduler(cluster, client):
    store.create({"apiVersion": "v1", "kind": "Pod",
                  "metadata": {"name": "placed", "namespace": "default"},
                  "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "nginx"}]}})
    html = get(client, "/objects/pods/default/placed/scheduling")
    assert "This pod has not been through the scheduler" in html
    assert '<a href="/objects/nodes/_/node-1">node-1</a>' in html


# --- rollout history ---------------------------------------------------------------------------

def test_rollout_history_with_two_revisions_and_undo(cluster, client):
    apply_yaml(WEB.replace("nginx:1.27", "nginx:1.28").replace("--image=nginx:1.27",
                                                               "--image=nginx:1.28"))
    inline.advance(60)
    html = get(client, "/objects/deployments/default/web/history")
    rows = re.findall(r"<tr(?: class=\"history-current\")?>\s*<th scope=\"row\">(\d+)", html)
    assert rows == ["1", "2"]
    first, second = html.split('<th scope="row">')[1:3]
    assert "kubectl create deployment web --image=nginx:1.27" in first
    assert "<code>nginx:1.27</code>" in first and "<code>nginx:1.28</code>" in second
    assert "current" in second and "current" not in first.split("</tr>")[0]
    assert 'hx-post="/objects/deployments/default/web/undo"' in first
    assert 'hx-confirm="Roll deployment web back to revision 1?"' in first
    assert '<input type="hidden" name="revision" value="1">' in first
    assert '<button type="submit" aria-label="Undo to revision 1">Undo</button>' in first
    assert "Undo</button>" not in second.split("</tr>")[0]  # not for the current revision
    assert "0/0 ready" in first and "2/2 ready" in second
    assert "csrfmiddlewaretoken" in first
    assert client.get("/objects/deployments/default/nope/history").status_code == 404
