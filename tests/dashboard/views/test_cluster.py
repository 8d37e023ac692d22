"""The cluster view (the home page) and the events page: the DOM contract the browser tests use,
the namespace filter, grouped chips, a few queries for a big cluster, hostile values escaped, and
the fragments the websocket pushes, rendered by the same templates."""
import re

import pytest
from django.template.loader import render_to_string
from django.test import Client

from cluster import store
from dashboard import clusterview, eventstream, fragments
from workers import operations

from ..clusterobjects import (
    HOSTILE,
    HOSTILE_ESCAPED,
    NODE,
    POD,
    READY,
    SCRIPT,
    SCRIPT_ESCAPED,
    event,
    namespace,
    node,
    pod,
    set_status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client()


def get(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def chip(html, key):
    found = re.search(rf'<li class="pod-chip [^"]*" data-pod="{re.escape(key)}" data-state="(\w+)">',
                      html)
    return found and found.group(1)


def test_the_home_page_keeps_the_dom_contract(client):
    node("node-1")
    node("node-2")
    pod("web-1", "node-1", status=READY)
    pod("waiting")
    html = get(client, "/")
    assert '<a href="/" aria-current="page">Cluster</a>' in html
    assert re.search(r'<section class="node-card" id="node-node-1" data-node="node-1" '
                     r'data-ready="true" data-cordoned="false"', html)
    assert chip(html, "default/web-1") == "Ready"
    lane = html[html.index('<section id="unscheduled"'):html.index('id="node-grid"')]
    assert chip(lane, "default/waiting") == "Pending"
    cards = html[html.index('id="node-grid"'):]
    assert chip(cards, "default/waiting") is None
    for component in ("apiserver", "store", "scheduler", "controller-manager"):
        assert f'data-component="{component}"' in html
    assert '<ol id="event-stream"' in html
    # The actions other helpers write, included where they belong.
    assert html.count("Actions for node") == 2
    assert ">Add node</button>" in html and ">Step</button>" in html
    # The live region's websocket, and the revision the page shows.
    revision = store.current_revision()
    assert f'data-revision="{revision}"' in html
    assert f'ws-connect="/ws/cluster?view=cluster&amp;namespace=&amp;revision={revision}"' in html


def test_a_cordoned_not_ready_node(client):
    node("node-1")
    operations.cordon("node-1")
    store.guaranteed_update(NODE, None, "node-1", lambda n: n["status"].update(
        conditions=[{"type": "Ready", "status": "False", "reason": "KubeletNotReady"}]),
        subresource="status")
    html = get(client, "/")
    assert 'data-node="node-1" data-ready="false" data-cordoned="true"' in html
    assert '<li class="state state-bad">NotReady</li>' in html
    assert ">Cordoned</li>" in html and ">Uncordon</button>" in html


def test_the_namespace_filter(client):
    node("node-1")
    namespace("team-a")
    pod("mine", "node-1", namespace="team-a")
    pod("theirs", "node-1")
    web = pod("web", "node-1")
    event(web, "Pulled", "about default")
    event(store.get(POD, "team-a", "mine"), "Pulled", "about team-a")
    html = get(client, "/?namespace=team-a")
    assert chip(html, "team-a/mine") == "Pending" and chip(html, "default/theirs") is None
    assert '<option value="team-a" selected>team-a</option>' in html
    assert "about team-a" in html and "about default" not in html
    assert "namespace=team-a&amp;revision=" in html
    # A namespace with nothing in it yet is a filter too; what cannot be a name is not.
    assert "(none yet)" in get(client, "/?namespace=later")
    assert client.get("/?namespace=Bad_Name").status_code == 404
    assert client.get("/events/?namespace=" + HOSTILE).status_code == 404


def test_a_crowded_node_shows_counts_per_state(client):
    node("node-1", pods="200")
    for i in range(clusterview.GROUP_ABOVE + 6):
        pod(f"p{i:02}", "node-1", status=READY if i < 20 else None)
    html = get(client, "/")
    assert '<li class="pod-group state state-warn" data-state="Pending" data-count="10">' in html
    assert '<li class="pod-group state state-ok" data-state="Ready" data-count="20">' in html
    assert 'class="pod-chip state' not in html


def test_hostile_values_never_become_markup(client):
    node("node-1")
    victim = pod("web-1", "node-1", annotations={"kubesim.io/note": HOSTILE})
    set_message = {"phase": "Pending", "containerStatuses": [{
        "name": "app", "image": "x", "ready": False, "restartCount": 0,
        "state": {"waiting": {"reason": "CreateContainerError", "message": SCRIPT}}}]}
    set_status(victim, set_message)
    event(victim, HOSTILE, SCRIPT, event_type="Warning")
    for path in ("/", "/events/"):
        html = get(client, path)
        assert SCRIPT not in html and HOSTILE not in html
        assert SCRIPT_ESCAPED in html
    html = get(client, "/")
    assert f"kubesim.io/note={HOSTILE_ESCAPED}" in html  # in the chip's title
    assert f'<span class="event-reason">{HOSTILE_ESCAPED}</span>' in html


def test_a_big_cluster_renders_with_a_few_queries(client, django_assert_max_num_queries):
    for n in range(5):
        node(f"node-{n}")
    for i in range(100):
        pod(f"p{i}", f"node-{i % 6}" if i % 6 < 5 else "")
        if i % 10 == 0:
            event(store.get(POD, "default", f"p{i}"), "Pulled", "x")
    with django_assert_max_num_queries(14):
        html = get(client, "/")
    assert html.count('class="node-card') == 5 and html.count('class="pod-chip state') == 100


def test_the_events_page_lists_the_latest_warnings_marked(client):
    node("node-1")
    web = pod("web-1", "node-1")
    event(web, "Pulled", "pulled")
    event(web, "BackOff", "Back-off restarting failed container", event_type="Warning")
    html = get(client, "/events/")
    assert '<a href="/events/" aria-current="page">Events</a>' in html
    assert '<ol id="event-stream" class="event-stream" data-limit="200"' in html
    warning = html.index('data-type="Warning"')
    assert warning < html.index('data-type="Normal"')  # newest first
    assert '<li class="event event-warning" data-type="Warning"' in html
    assert '<a class="event-object" href="/objects/pods/default/web-1">pod/web-1</a>' in html
    assert "view=events&amp;namespace=&amp;revision=" in html


def test_the_home_panel_shows_the_latest_twenty(client):
    node("node-1")
    web = pod("web-1", "node-1")
    for i in range(eventstream.HOME_LIMIT + 3):
        event(web, "Pulled", f"message {i}")
    html = get(client, "/")
    assert html.count('<li class="event') == eventstream.HOME_LIMIT
    assert "message 22" in html and "message 2<" not in html


def test_fragments_pushed_alone_are_the_pages_own_markup():
    node("node-1")
    pod("web-1", "node-1", status=READY)
    page = fragments.page_context(fragments.CLUSTER, "")
    card = page["cards"][0]
    alone = render_to_string(fragments.T_CARD, {"card": card, "oob": True})
    inline = render_to_string(fragments.T_CARD, {"card": card})
    assert alone.replace(' hx-swap-oob="true"', "") == inline
    assert alone.count('hx-swap-oob="true"') == 1
    resync = fragments.resync(fragments.CLUSTER, "")
    top_level_ids = re.findall(r'^<(?:section|ol) id="([\w-]+)"[^>]* hx-swap-oob="true"', resync,
                               re.MULTILINE)
    assert top_level_ids == ["control-plane", "unscheduled", "node-grid", "event-stream", "clock"]
