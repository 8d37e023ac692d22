"""The cluster view in a browser, live over its websocket: a deleted pod's replacement appears,
a stopped kubelet's node goes NotReady and its pods are evicted and placed elsewhere, updates
missed while the socket was down come after it reconnects, hostile text stays text. And the page
works by keyboard and in projector mode."""
import re
import time

import pytest
from playwright.sync_api import expect

from .dom import assert_not_reloaded, chips, click_action, mark_document, node_card

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def deployment(name, replicas):
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
    }


def run_deployment(cluster, view, name, replicas):
    """Create it through the API; wait on the open view until all its pods are Ready."""
    cluster.ok("POST", "/apis/apps/v1/namespaces/default/deployments",
               deployment(name, replicas))
    expect(chips(view, f"default/{name}-", state="Ready")).to_have_count(replicas)


def step_clock(view, duration):
    """The clock's Step control on the cluster view: jump simulated time forward."""
    clock = view.locator("form", has=view.get_by_role("button", name="Step", exact=True))
    clock.locator('select[name="seconds"]').select_option(duration)
    with view.expect_response(lambda response: "/actions/clock" in response.url) as answer:
        clock.get_by_role("button", name="Step", exact=True).click()
    assert answer.value.ok


def test_a_deleted_pod_is_replaced_live(open_page, cluster):
    view = open_page("/")
    token = mark_document(view)
    run_deployment(cluster, view, "heal", 2)
    victim = chips(view, "default/heal-").first.get_attribute("data-pod")

    # Delete it from its describe page, in another tab, answering the confirmation.
    namespace, name = victim.split("/")
    describe = open_page(f"/objects/pods/{namespace}/{name}")
    describe.get_by_role("button", name="Delete", exact=True).click()

    expect(view.locator(f'li.pod-chip[data-pod="{victim}"]')).to_have_count(0)
    expect(chips(view, "default/heal-", state="Ready", without=victim)).to_have_count(2)
    assert_not_reloaded(view, token)


def test_a_stopped_kubelets_pods_are_evicted_and_rescheduled(open_page, cluster):
    view = open_page("/")
    token = mark_document(view)
    run_deployment(cluster, view, "evict", 4)
    # The scheduler spreads them over both workers.
    expect(chips(view, "default/evict-", node="node-1")).not_to_have_count(0)
    on_node_1 = chips(view, "default/evict-", node="node-1").count()

    card = node_card(view, "node-1")
    click_action(card, "Stop kubelet")
    # No lease renewals: NotReady once the 50 s grace period has passed...
    step_clock(view, "1m")
    expect(card).to_have_attribute("data-ready", "false")
    # ...and the pods go 300 s after the NoExecute taint, replaced on node-2. Those on node-1
    # stay Terminating: there is no kubelet to finish them.
    step_clock(view, "5m")
    expect(chips(view, "default/evict-", node="node-2", state="Ready")).to_have_count(4)
    expect(chips(view, "default/evict-", node="node-1", state="Terminating")).to_have_count(
        on_node_1)

    click_action(card, "Start kubelet")
    expect(card).to_have_attribute("data-ready", "true")
    expect(chips(view, "default/evict-", node="node-1")).to_have_count(0)
    assert_not_reloaded(view, token)


def test_after_a_reconnect_the_view_resyncs(context, open_page, cluster):
    """Updates lost while the websocket was down are made up for when it reconnects."""
    sockets, deaf = [], [False]

    def relay(page_side):  # the page's /ws/cluster, through a relay that can go deaf
        server_side = page_side.connect_to_server()
        server_side.on_message(lambda message: deaf[0] or page_side.send(message))
        sockets.append(page_side)

    context.route_web_socket(re.compile(r"/ws/cluster"), relay)
    view = open_page("/")
    token = mark_document(view)
    expect(view.locator("section.node-card")).to_have_count(3)

    deaf[0] = True
    cluster.ok("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("missed", 2))
    wait_for_ready_pods(cluster, "missed", 2)
    # Simulated time stands still: no heartbeat or status change re-renders a node card, so
    # only a resync can bring the missed pods.
    cluster.ok("POST", "/kubesim/v1/clock", {"paused": True})
    # Playwright hands over the messages that came meanwhile while it waits: drop them all.
    view.wait_for_timeout(1500)
    expect(chips(view, "default/missed-")).to_have_count(0)  # nothing got through

    # The connection drops as when daphne restarts (1012): the ws extension reconnects.
    deaf[0] = False
    sockets[-1].close(code=1012, reason="service restart")
    expect(chips(view, "default/missed-", state="Ready")).to_have_count(2)
    assert len(sockets) == 2
    assert_not_reloaded(view, token)


def wait_for_ready_pods(cluster, app, n, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pods = cluster.ok("GET", f"/api/v1/namespaces/default/pods?labelSelector=app%3D{app}")
        ready = [p for p in pods["items"] if any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in p.get("status", {}).get("conditions", []))]
        if len(ready) == n:
            return
        time.sleep(0.25)
    pytest.fail(f"{app}: not {n} Ready pods within {seconds}s")


HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>{{ x }}'


def test_hostile_text_arrives_live_as_text(open_page, cluster):
    """An event's message is anyone's text: pushed over the websocket, it stays text."""
    view = open_page("/")
    expect(view.locator("section.node-card")).to_have_count(3)
    cluster.ok("POST", "/api/v1/namespaces/default/events", {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "hostile.1"},
        "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web"},
        "type": "Warning", "reason": "Hostile", "message": HOSTILE,
        "source": {"component": "test"}, "count": 1})
    event = view.locator('#event-stream li.event[data-type="Warning"]', has_text="Hostile")
    expect(event).to_contain_text(HOSTILE)
    expect(view.locator("#event-stream img, #event-stream script")).to_have_count(0)


def test_the_node_actions_are_reachable_by_keyboard(open_page):
    view = open_page("/")
    first_card = view.locator("section.node-card").first
    target = first_card.locator("summary, button").first
    expect(target).to_be_visible()
    for _ in range(60):
        view.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("60 presses of Tab never reached the first node card's actions")
    # Focus is visible: an outline or a box shadow, not only a color change.
    style = target.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.boxShadow]; }")
    assert style[0] != "none" or style[1] != "none", style


def test_projector_mode_makes_the_type_larger(open_page):
    view = open_page("/")
    expect(node_card(view, "node-1")).to_be_visible()

    def font_size():
        # Looked up at evaluation time: the live feed may swap the card in between.
        return view.evaluate("""() => parseFloat(getComputedStyle(
            document.querySelector('section.node-card[data-node="node-1"]')).fontSize)""")

    normal = font_size()
    view.locator("body").press("p")
    expect(view.locator("body")).to_have_class(re.compile(r"\bprojector\b"))
    assert font_size() > normal * 1.2
