"""The dashboard's actions: each changes the cluster as its kubectl twin does and answers with
kubectl's words in a flash message; errors are messages, never server errors; POST and CSRF only;
nothing from the cluster or the request becomes markup."""
import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from cluster import clock, kinds, store
from cluster.errors import NotFound
from cluster.management.commands.seed_demo import seed
from cluster.quantity import ERR_FORMAT
from workers import inline
from workers.models import Kubelet

pytestmark = pytest.mark.django_db

NODE, POD = kinds.lookup("nodes"), kinds.lookup("pods")
DEPLOYMENT = kinds.lookup("deployments")
HOSTILE = '"><img src=x onerror=alert(1)>'  # no "/": it goes in URL paths too
ESCAPED = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
HX = {"HX-Request": "true"}


@pytest.fixture
def demo():
    clock.pause()
    seed()


@pytest.fixture
def client():
    return Client()


def post(client, name, *args, data=None, **headers):
    """An htmx POST to the named action: (status, messages as (level, text) pairs, body)."""
    response = client.post(reverse(f"dashboard:{name}", args=args), data or {},
                           headers={**HX, **headers})
    body = response.content.decode()
    return response.status_code, messages(body), body


def messages(body):
    found = re.findall(r'<p class="message (success|error)" role="(status|alert)">(.*?)</p>', body, re.DOTALL)
    return [(level, [_unescape(line) for line in re.findall(r'<span class="message-line">(.*?)</span>', text)])
            for level, _, text in found]


def _unescape(text):
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&#x27;", "'").replace("&amp;", "&"))


def ok(*lines):
    return [("success", list(lines))]


def failed(*lines):
    return [("error", list(lines))]


def deployment(name="web", image="nginx:1.27", replicas=2):
    return store.create({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "web", "image": image}]}}}})


def pod(name, node_name="node-1", owner=None, namespace="default"):
    meta = {"name": name, "namespace": namespace, "labels": {"app": "web"}}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": owner["apiVersion"], "kind": owner["kind"],
                                    "name": owner["metadata"]["name"],
                                    "uid": owner["metadata"]["uid"], "controller": True}]
    return store.create({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                         "spec": {"nodeName": node_name,
                                  "containers": [{"name": "web", "image": "nginx:1.27"}]}})


def replica_set(name="web", namespace="default"):
    return store.create({
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": 0, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})


def terminating(name, namespace="default"):
    return bool(store.get(POD, namespace, name)["metadata"].get("deletionTimestamp"))


# --- nodes ------------------------------------------------------------------------------------

def test_cordon_and_uncordon(demo, client):
    assert post(client, "node-action", "node-1", "cordon")[:2] == (200, ok("node/node-1 cordoned"))
    assert store.get(NODE, None, "node-1")["spec"]["unschedulable"] is True
    assert post(client, "node-action", "node-1", "cordon")[1] == ok("node/node-1 already cordoned")
    assert post(client, "node-action", "node-1", "uncordon")[1] == ok("node/node-1 uncordoned")
    assert "unschedulable" not in store.get(NODE, None, "node-1")["spec"]


def test_stop_and_start_a_kubelet(demo, client):
    assert post(client, "node-action", "node-1", "stop")[1] == ok("kubelet on node/node-1 stopped")
    assert Kubelet.objects.get(node_name="node-1").running is False
    assert post(client, "node-action", "node-1", "stop")[1] == ok("kubelet on node/node-1 already stopped")
    assert post(client, "node-action", "node-1", "start")[1] == ok("kubelet on node/node-1 started")
    assert Kubelet.objects.get(node_name="node-1").running is True


def test_drain_evicts_the_pods_and_leaves_daemon_set_pods(demo, client):
    rs = replica_set()
    daemons = store.create({
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "proxy", "namespace": "kube-system"},
        "spec": {"selector": {"matchLabels": {"app": "proxy"}},
                 "template": {"metadata": {"labels": {"app": "proxy"}},
                              "spec": {"containers": [{"name": "proxy", "image": "proxy"}]}}}})
    pod("web-1", owner=rs)
    pod("web-2", owner=rs)
    pod("proxy-x", owner=daemons, namespace="kube-system")
    pod("elsewhere", node_name="node-2", owner=rs)
    status, found, _ = post(client, "node-action", "node-1", "drain")
    assert (status, found) == (200, ok(
        "node/node-1 cordoned", "Warning: ignoring DaemonSet-managed Pods: kube-system/proxy-x",
        "evicting pod default/web-1", "evicting pod default/web-2"))
    assert terminating("web-1") and terminating("web-2")
    assert not terminating("proxy-x", "kube-system") and not terminating("elsewhere")
    assert store.get(NODE, None, "node-1")["spec"]["unschedulable"] is True


def test_drain_of_an_empty_node_says_it_is_drained(demo, client):
    assert post(client, "node-action", "node-2", "drain")[1] == ok(
        "node/node-2 cordoned", "node/node-2 drained")


def test_drain_refusing_a_bare_pod_evicts_nothing_and_says_why(demo, client):
    pod("web-1", owner=replica_set())
    pod("lonely")
    error = "cannot delete Pods that declare no controller (use --force to override): default/lonely"
    assert post(client, "node-action", "node-1", "drain")[1] == failed(
        "node/node-1 cordoned",
        f'error: unable to drain node "node-1" due to error: {error}, continuing command...',
        "There are pending nodes to be drained:", " node-1", error)
    assert not terminating("web-1") and not terminating("lonely")


def test_add_node_with_the_capacity_asked_for(demo, client):
    data = {"name": "node-3", "cpu": "8", "memory": "16384Mi", "pods": "50"}
    assert post(client, "node-add", data=data)[1] == ok("node/node-3 created")
    capacity = store.get(NODE, None, "node-3")["status"]["capacity"]
    assert (capacity["cpu"], capacity["memory"], capacity["pods"]) == ("8", "16Gi", "50")
    assert Kubelet.objects.get(node_name="node-3").running is True


def test_add_node_defaults_the_capacity(demo, client):
    assert post(client, "node-add", data={"name": "node-4", "cpu": "", "memory": ""})[1] == ok(
        "node/node-4 created")
    capacity = store.get(NODE, None, "node-4")["status"]["capacity"]
    assert (capacity["cpu"], capacity["memory"], capacity["pods"]) == ("4", "8Gi", "110")


@pytest.mark.parametrize("data, message", [
    ({"name": "node-1"}, 'Error from server (AlreadyExists): nodes "node-1" already exists'),
    ({"name": "node-3", "cpu": "lots"}, f'error: cpu "lots": {ERR_FORMAT}'),
    ({"name": "node-3", "memory": "0"}, 'error: memory must be more than 0 (got "0")'),
    ({"name": "node-3", "pods": "0"}, 'error: pods must be a whole number, 1 or more (got "0")'),
    ({"name": "node-3", "pods": "many"}, 'error: pods must be a whole number, 1 or more (got "many")'),
])
def test_add_node_refusals_are_messages(demo, client, data, message):
    status, found, _ = post(client, "node-add", data=data)
    assert (status, found) == (200, failed(message))
    assert not Kubelet.objects.filter(node_name="node-3").exists()


def test_add_node_with_a_hostile_name_is_refused_and_escaped(demo, client):
    status, found, body = post(client, "node-add", data={"name": HOSTILE})
    assert status == 200 and found[0][0] == "error"
    assert found[0][1][0].startswith(f'Error from server (Invalid): Node "{HOSTILE}" is invalid')
    assert "<img" not in body and ESCAPED in body


def test_remove_node(demo, client):
    assert post(client, "node-action", "node-2", "remove")[1] == ok("node/node-2 deleted")
    with pytest.raises(NotFound):
        store.get(NODE, None, "node-2")
    assert post(client, "node-action", "node-2", "remove")[1] == failed(
        'Error from server (NotFound): nodes "node-2" not found')


def test_unknown_node_operation_is_not_found(demo, client):
    assert post(client, "node-action", "node-1", "reboot")[0] == 404


def test_hostile_node_names_are_escaped(demo, client):
    status, found, body = post(client, "node-action", HOSTILE, "cordon")
    assert (status, found) == (200, failed(f'Error from server (NotFound): nodes "{HOSTILE}" not found'))
    assert "<img" not in body and ESCAPED in body


# --- workloads --------------------------------------------------------------------------------

def test_scale_a_deployment(demo, client):
    deployment()
    assert post(client, "scale", "deployments", "default", "web", data={"replicas": "5"})[1] == ok(
        "deployment.apps/web scaled")
    assert store.get(DEPLOYMENT, "default", "web")["spec"]["replicas"] == 5


def test_scale_replica_sets_and_stateful_sets(demo, client):
    replica_set()
    store.create({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
                  "spec": {"replicas": 1, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                           "template": {"metadata": {"labels": {"app": "db"}},
                                        "spec": {"containers": [{"name": "db", "image": "postgres"}]}}}})
    assert post(client, "scale", "replicasets", "default", "web", data={"replicas": "3"})[1] == ok(
        "replicaset.apps/web scaled")
    assert post(client, "scale", "statefulsets", "default", "db", data={"replicas": "0"})[1] == ok(
        "statefulset.apps/db scaled")
    assert store.get(kinds.lookup("replicasets"), "default", "web")["spec"]["replicas"] == 3
    assert store.get(kinds.lookup("statefulsets"), "default", "db")["spec"]["replicas"] == 0


@pytest.mark.parametrize("replicas", ["abc", "-1", "1.5", "", "99999999999", "²", "١"])
def test_scale_refuses_what_is_not_a_replica_count(demo, client, replicas):
    deployment()
    status, found, _ = post(client, "scale", "deployments", "default", "web", data={"replicas": replicas})
    assert (status, found) == (200, failed(
        f'error: replicas must be a whole number, 0 or more (got "{replicas}")'))
    assert store.get(DEPLOYMENT, "default", "web")["spec"]["replicas"] == 2


def test_scale_a_missing_deployment_is_a_message(demo, client):
    status, found, _ = post(client, "scale", "deployments", "default", "nope", data={"replicas": "1"})
    assert (status, found) == (200, failed(
        'Error from server (NotFound): deployments.apps "nope" not found'))


def test_what_cannot_be_scaled_is_not_found(demo, client):
    pod("web-1")
    assert post(client, "scale", "pods", "default", "web-1", data={"replicas": "1"})[0] == 404
    assert post(client, "scale", "widgets", "default", "web-1", data={"replicas": "1"})[0] == 404


def test_delete_a_pod_and_a_node(demo, client):
    pod("web-1")
    assert post(client, "delete", "pods", "default", "web-1")[1] == ok('pod "web-1" deleted')
    assert terminating("web-1")  # bound to a node: its kubelet finishes the deletion
    assert post(client, "delete", "nodes", "_", "node-2")[1] == ok('node "node-2" deleted')
    with pytest.raises(NotFound):
        store.get(NODE, None, "node-2")


def test_delete_cascades_in_the_background(demo, client):
    deployment()
    inline.run_until_idle()
    assert post(client, "delete", "deployments", "default", "web")[1] == ok(
        'deployment.apps "web" deleted')
    with pytest.raises(NotFound):  # gone at once; the garbage collector deletes its ReplicaSet
        store.get(DEPLOYMENT, "default", "web")


def test_delete_checks_the_scope_of_the_address(demo, client):
    assert post(client, "delete", "nodes", "default", "node-1")[0] == 404
    assert post(client, "delete", "pods", "_", "web-1")[0] == 404
    assert post(client, "delete", "pods", "default", "web-1")[1] == failed(
        'Error from server (NotFound): pods "web-1" not found')


def test_restart_a_deployment(demo, client):
    deployment()
    clock.step(90)
    assert post(client, "restart", "default", "web")[1] == ok("deployment.apps/web restarted")
    annotations = store.get(DEPLOYMENT, "default", "web")["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"kubectl.kubernetes.io/restartedAt":
                           clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")}


def two_revisions():
    deployment()
    inline.run_until_idle()
    store.guaranteed_update(DEPLOYMENT, "default", "web", lambda d: d["spec"]["template"]["spec"][
        "containers"][0].update(image="nginx:1.28"))
    inline.run_until_idle()


def image():
    return store.get(DEPLOYMENT, "default", "web")["spec"]["template"]["spec"]["containers"][0]["image"]


def test_undo_to_the_previous_revision(demo, client):
    two_revisions()
    assert post(client, "undo", "default", "web", data={"revision": "0"})[1] == ok(
        "deployment.apps/web rolled back")
    assert image() == "nginx:1.27"
    assert post(client, "undo", "default", "web", data={"revision": "1"})[1] == ok(
        "deployment.apps/web skipped rollback (current template already matches revision 1)")


def test_undo_refusals_are_messages(demo, client):
    two_revisions()
    assert post(client, "undo", "default", "web", data={"revision": "7"})[1] == failed(
        "error: unable to find specified revision 7 in history")
    assert post(client, "undo", "default", "web", data={"revision": "x"})[1] == failed(
        'error: revision must be a whole number, 0 or more (got "x")')
    assert post(client, "undo", "default", "nope")[1] == failed(
        'Error from server (NotFound): deployments.apps "nope" not found')
    assert image() == "nginx:1.28"


# --- the clock and the demo -------------------------------------------------------------------

def test_pause_and_resume_the_clock(demo, client):
    clock.resume()
    status, found, body = post(client, "clock", data={"action": "pause"})
    state = clock.current()
    assert state.paused and status == 200
    assert found == ok(f"clock paused at {state.now().strftime('%Y-%m-%dT%H:%M:%SZ')}")
    fragment = re.search(r'<section id="clock".*?</section>', body, re.DOTALL).group()
    assert 'hx-swap-oob="true"' in fragment and ">Paused<" in fragment
    assert ">Resume</button>" in fragment and ">Pause</button>" not in fragment
    body = post(client, "clock", data={"action": "resume"})[2]
    assert not clock.current().paused
    assert ">Running<" in body and ">Pause</button>" in body


def test_step_the_clock(demo, client):
    before = clock.current().seconds()
    found = post(client, "clock", data={"action": "step", "seconds": "5m"})[1]
    after = clock.current()
    assert after.seconds() - before == pytest.approx(300)
    assert found == ok(f"clock stepped 5m0s forward to {after.now().strftime('%Y-%m-%dT%H:%M:%SZ')}")


def test_set_the_clocks_speed(demo, client):
    status, found, body = post(client, "clock", data={"action": "speed", "speed": "10"})
    assert (status, found) == (200, ok("clock speed set to 10×"))
    assert clock.current().speed == 10
    assert '<option value="10" selected>' in body and "at 10×" in body


@pytest.mark.parametrize("data, message", [
    ({"action": "speed", "speed": "7"}, 'error: speed must be one of 0.5, 1, 2, 5, 10, 30, 60 (got "7")'),
    ({"action": "speed", "speed": "fast"},
     'error: speed must be one of 0.5, 1, 2, 5, 10, 30, 60 (got "fast")'),
    ({"action": "step", "seconds": "soon"}, 'error: time: invalid duration "soon"'),
    ({"action": "step", "seconds": "0s"},
     'error: the clock steps forward by more than 0s and at most 24h (got "0s")'),
    ({"action": "step", "seconds": "48h"},
     'error: the clock steps forward by more than 0s and at most 24h (got "48h")'),
    ({"action": "rewind"}, "error: action must be one of pause, resume, step, speed"),
])
def test_clock_refusals_are_messages(demo, client, data, message):
    before = clock.current()
    assert post(client, "clock", data=data)[1] == failed(message)
    assert (clock.current().speed, clock.current().seconds()) == (before.speed, before.seconds())


def test_reset_to_the_demo_cluster(demo, client):
    deployment()
    operations_node = post(client, "node-add", data={"name": "node-3"})
    assert operations_node[1] == ok("node/node-3 created")
    status, found, _ = post(client, "reset")
    assert status == 200 and found[0][0] == "success"
    assert found[0][1][0] == "5 objects deleted"  # the Deployment and the four nodes
    assert found[0][1][1:] == ["node/control-plane created", "node/node-1 created", "node/node-2 created"]
    with pytest.raises(NotFound):
        store.get(DEPLOYMENT, "default", "web")
    assert sorted(n["metadata"]["name"] for n in store.list_objects(NODE).items) == [
        "control-plane", "node-1", "node-2"]


# --- requests ---------------------------------------------------------------------------------

ACTIONS = [("scale", ("deployments", "default", "web")), ("delete", ("pods", "default", "web-1")),
           ("restart", ("default", "web")), ("undo", ("default", "web")), ("node-add", ()),
           ("node-action", ("node-1", "cordon")), ("clock", ()), ("reset", ())]


@pytest.mark.parametrize("name, args", ACTIONS)
def test_actions_are_posts_only(demo, client, name, args):
    assert client.get(reverse(f"dashboard:{name}", args=args), headers=HX).status_code == 405


@pytest.mark.parametrize("name, args", ACTIONS)
def test_actions_need_the_csrf_token(demo, name, args):
    clock.resume()
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse(f"dashboard:{name}", args=args), {"action": "pause"}, headers=HX)
    assert response.status_code == 403
    assert "unschedulable" not in store.get(NODE, None, "node-1")["spec"]
    assert not clock.current().paused


def test_an_htmx_request_with_the_token_passes(demo):
    clock.resume()
    strict, token = Client(enforce_csrf_checks=True), "k" * 32
    strict.cookies["csrftoken"] = token
    response = strict.post(reverse("dashboard:clock"), {"action": "pause"},
                           headers={**HX, "X-CSRFToken": token})
    assert response.status_code == 200 and clock.current().paused


def test_a_plain_form_post_goes_back_to_the_page_it_came_from(demo, client):
    url = reverse("dashboard:node-action", args=("node-1", "cordon"))
    response = client.post(url, headers={"Referer": "http://testserver/objects/nodes/"})
    assert (response.status_code, response["Location"]) == (303, "http://testserver/objects/nodes/")
    assert store.get(NODE, None, "node-1")["spec"]["unschedulable"] is True


@pytest.mark.parametrize("referer", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_a_plain_form_post_never_goes_elsewhere(demo, client, referer):
    url = reverse("dashboard:node-action", args=("node-1", "uncordon"))
    response = client.post(url, headers={"Referer": referer} if referer else {})
    assert (response.status_code, response["Location"]) == (303, reverse("dashboard:home"))


def test_a_failed_plain_form_post_shows_the_error(demo, client):
    url = reverse("dashboard:node-action", args=(HOSTILE, "cordon"))
    response = client.post(url, headers={"Referer": "http://testserver/objects/nodes/"})
    body = response.content.decode()
    assert response.status_code == 404
    assert messages(body) == failed(f'Error from server (NotFound): nodes "{HOSTILE}" not found')
    assert "<img" not in body and ESCAPED in body and '<a href="http://testserver/objects/nodes/">Back</a>' in body
    assert 'hx-swap-oob' not in body


# --- the menus other pages include ------------------------------------------------------------

def button(html, label):
    """The form around the button labelled `label`, or None."""
    for form in re.findall(r"<form .*?</form>", html, re.DOTALL):
        if re.search(rf"<button [^>]*>{re.escape(label)}</button>", form):
            return form
    return None


def test_node_menu_offers_what_applies(demo):
    node = store.get(NODE, None, "node-1")
    html = render_to_string("dashboard/actions/node_menu.html", {"node": node, "kubelet_running": True})
    assert button(html, "Cordon") and button(html, "Stop kubelet")
    assert not button(html, "Uncordon") and not button(html, "Start kubelet")
    assert f'hx-post="{reverse("dashboard:node-action", args=("node-1", "cordon"))}"' in button(html, "Cordon")
    assert 'hx-confirm="Drain node node-1?' in button(html, "Drain")
    assert 'hx-confirm="Remove node node-1?' in button(html, "Remove node")
    assert "hx-confirm" not in button(html, "Cordon") + button(html, "Stop kubelet")
    node["spec"]["unschedulable"] = True
    html = render_to_string("dashboard/actions/node_menu.html", {"node": node, "kubelet_running": False})
    assert button(html, "Uncordon") and button(html, "Start kubelet") and not button(html, "Cordon")


def test_deployment_menu(demo):
    d = deployment(replicas=3)
    html = render_to_string("dashboard/actions/deployment_menu.html", {"obj": d})
    assert 'name="replicas" min="0" step="1" value="3"' in button(html, "Scale")
    assert 'hx-confirm="Delete deployment web?"' in button(html, "Delete")
    assert button(html, "Restart") and 'name="revision" value="0"' in button(html, "Undo")
    assert f'href="{reverse("dashboard:history", args=("default", "web"))}"' in html


def test_object_menu(demo):
    html = render_to_string("dashboard/actions/object_menu.html", {"obj": pod("web-1")})
    assert f'href="{reverse("dashboard:edit", args=("pods", "default", "web-1"))}"' in html
    delete = button(html, "Delete")
    assert 'hx-confirm="Delete pod web-1?"' in delete
    assert f'action="{reverse("dashboard:delete", args=("pods", "default", "web-1"))}"' in delete
    assert not button(html, "Scale")
    html = render_to_string("dashboard/actions/object_menu.html", {"obj": replica_set()})
    assert f'hx-post="{reverse("dashboard:scale", args=("replicasets", "default", "web"))}"' in button(
        html, "Scale")


def test_cluster_menu_labels_its_inputs(demo):
    html = render_to_string("dashboard/actions/cluster_menu.html")
    form = button(html, "Add node")
    for field in ("name", "cpu", "memory", "pods"):
        assert re.search(rf'<label>\w+ <input name="{field}"', form)
    assert 'hx-confirm="Reset the cluster' in button(html, "Reset cluster")


def test_menus_escape_hostile_values(demo):
    node = store.get(NODE, None, "node-1")
    node["metadata"]["name"] = HOSTILE
    html = render_to_string("dashboard/actions/node_menu.html", {"node": node, "kubelet_running": True})
    assert "<img" not in html and ESCAPED in html


def test_no_template_syntax_shows(demo):
    """Comments and tags stay in the templates (a multi-line {# #} would not)."""
    node, d = store.get(NODE, None, "node-1"), deployment()
    rendered = [
        render_to_string("dashboard/actions/node_menu.html", {"node": node, "kubelet_running": True}),
        render_to_string("dashboard/actions/deployment_menu.html", {"obj": d}),
        render_to_string("dashboard/actions/undo_form.html", {"obj": d, "revision": 2}),
        render_to_string("dashboard/actions/cluster_menu.html"),
        render_to_string("dashboard/actions/flash.html",
                         {"level": "success", "lines": ["x"], "clock": clock.current()}),
    ]
    for html in rendered:
        assert not re.search(r"\{[#%{]|[#%}]\}", html), html
