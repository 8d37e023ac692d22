"""The cluster view's websocket, through channels.testing with the process's real feed: a page
behind gets the whole live region, then only what each write changed; the namespace filter; the
Origin check; and the same over a real channels_redis layer."""
import json
import re

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.testing import WebsocketCommunicator

from cluster import clock, store
from dashboard import feed
from dashboard.consumers.cluster import BAD_REQUEST
from dashboard.routing import websocket_urlpatterns

from ..clusterobjects import event, namespace, node, pod

pytestmark = pytest.mark.django_db(transaction=True)

# As kubesim/asgi.py serves it.
APPLICATION = AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns))
ORIGIN = (b"origin", b"http://127.0.0.1:8000")
TIMEOUT = 10  # seconds; a fragment arrives in milliseconds, CI machines are slow at times


@pytest.fixture
def nodes():
    clock.pause()
    node("node-1")
    node("node-2")


def client(revision, namespace="", view="cluster", origin=ORIGIN):
    path = f"/ws/cluster?view={view}&namespace={namespace}&revision={revision}"
    return WebsocketCommunicator(APPLICATION, path, headers=[origin, (b"host", b"127.0.0.1")])


def run(scenario):
    async def main():
        try:
            await scenario()
        finally:
            await feed.stop_current()
            layer = get_channel_layer()
            if hasattr(layer, "flush"):
                await layer.flush()
    async_to_sync(main)()


def ids(html):
    return re.findall(r'<[a-z]+ (?:class="[^"]*" )?id="([^"]+)"[^>]*hx-swap-oob="true"', html)


async def connected(communicator):
    ok, _ = await communicator.connect(timeout=TIMEOUT)
    assert ok
    return communicator


async def receive_until(communicator, text):
    """The messages received until one holds `text`, joined."""
    received = ""
    while text not in received:
        received += await communicator.receive_from(timeout=TIMEOUT)
    return received


async def revision_now():
    return await sync_to_async(store.current_revision)()


def resync_then_one_write():
    async def scenario():
        behind = await connected(client(await revision_now() - 1))
        first = await behind.receive_from(timeout=TIMEOUT)
        assert ids(first) == ["control-plane", "unscheduled", "node-grid", "event-stream", "clock"]
        current = await connected(client(await revision_now()))
        await sync_to_async(pod)("web-1", "node-2")
        for communicator in (behind, current):
            html = await communicator.receive_from(timeout=TIMEOUT)
            assert ids(html) == ["node-node-2", "cp-apiserver", "cp-store"]
            assert 'data-pod="default/web-1" data-state="Pending"' in html
        assert await current.receive_nothing(timeout=0.3)  # no resync for a page up to date
        for communicator in (behind, current):
            await communicator.disconnect()
    run(scenario)


def test_a_page_behind_resyncs_then_gets_only_what_changed(nodes):
    resync_then_one_write()


@pytest.mark.redis
def test_the_same_over_channels_redis(nodes, settings, redis_url):
    settings.CHANNEL_LAYERS = {"default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_url]}}}
    assert type(get_channel_layer()).__name__ == "RedisChannelLayer"
    resync_then_one_write()


def test_writes_from_another_process_are_found_by_polling(nodes, settings):
    """No signal in this process: the feed finds the write by polling the revision counter."""
    from cluster.signals import changes_committed
    settings.KUBESIM_WATCH_POLL_SECONDS = 0.05

    async def scenario():
        page = await connected(client(await revision_now()))
        changes_committed.disconnect(dispatch_uid="dashboard.feed")
        try:
            await sync_to_async(pod)("web-1", "node-1")
            html = await page.receive_from(timeout=TIMEOUT)
        finally:
            changes_committed.connect(feed._on_commit, dispatch_uid="dashboard.feed", weak=False)
        assert ids(html)[0] == "node-node-1"
        await page.disconnect()
    run(scenario)


def test_the_namespace_filter(nodes):
    async def scenario():
        await sync_to_async(namespace)("team-a")
        revision = await revision_now()
        everything, team = await connected(client(revision)), await connected(
            client(revision, "team-a"))
        await sync_to_async(pod)("theirs", "node-1")
        await sync_to_async(pod)("mine", "node-1", namespace="team-a")
        seen = {"all": await receive_until(everything, "team-a/mine"),
                "team": await receive_until(team, "team-a/mine")}
        assert 'data-pod="default/theirs"' in seen["all"]
        assert 'data-pod="default/theirs"' not in seen["team"]
        await everything.disconnect()
        await team.disconnect()
    run(scenario)


def test_the_events_page_gets_new_events_on_top(nodes):
    async def scenario():
        page = await connected(client(await revision_now(), view="events"))
        web = await sync_to_async(pod)("web-1", "node-1")
        await sync_to_async(event)(web, "Pulled", 'Successfully pulled image "nginx:1.27"')
        html = ""
        while "Successfully pulled" not in html:
            html = await page.receive_from(timeout=TIMEOUT)
            assert "node-card" not in html
        assert html.strip().startswith('<ol hx-swap-oob="afterbegin:#event-stream">')
        await page.disconnect()
    run(scenario)


def test_a_foreign_origin_is_refused(nodes):
    async def scenario():
        refused = client(0, origin=(b"origin", b"http://evil.example"))
        ok, _ = await refused.connect(timeout=TIMEOUT)
        assert not ok
        missing = WebsocketCommunicator(APPLICATION, "/ws/cluster?revision=0")
        ok, _ = await missing.connect(timeout=TIMEOUT)
        assert not ok  # no Origin header at all: refused too
    run(scenario)


@pytest.mark.parametrize("query", ["namespace=Bad_Name", "view=other",
                                   "namespace=%22%3E%3Cimg%20src%3Dx%3E"])
def test_a_query_that_names_nothing_is_closed(nodes, query):
    async def scenario():
        communicator = WebsocketCommunicator(APPLICATION, f"/ws/cluster?{query}", headers=[ORIGIN])
        ok, code = await communicator.connect(timeout=TIMEOUT)
        assert not ok and code == BAD_REQUEST
    run(scenario)


def test_nothing_the_client_sends_is_read(nodes):
    async def scenario():
        page = await connected(client(await revision_now()))
        await page.send_to(text_data=json.dumps({"HEADERS": {}, "anything": "<script>"}))
        assert await page.receive_nothing(timeout=0.2)
        await page.disconnect()
    run(scenario)
