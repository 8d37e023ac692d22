"""The pod log websocket, through channels.testing on a paused clock stepped by hand: it sends the
lines printed after the page's last one as simulated time passes (hostile lines as text in JSON,
for the page to append as text), waits for a container that has not started, stops when the
container stops or the pod goes, and refuses a bad query or a foreign Origin."""
import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.testing import WebsocketCommunicator

from cluster import apply, clock, kinds, manifests, store
from cluster.management.commands.seed_demo import seed
from dashboard import podlogs
from dashboard.consumers.logs import BAD_REQUEST
from dashboard.routing import websocket_urlpatterns
from workers import inline

from ..clusterobjects import SCRIPT

pytestmark = pytest.mark.django_db(transaction=True)

# As kubesim/asgi.py serves it.
APPLICATION = AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns))
ORIGIN = (b"origin", b"http://127.0.0.1:8000")
TIMEOUT = 10  # seconds; a message comes within a few polls, CI machines are slow at times
POD = kinds.lookup("pods")
CHATTY = f"""
apiVersion: v1
kind: Pod
metadata: {{name: chatty}}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: talker
    image: busybox
    env: [{{name: X, value: "{SCRIPT}"}}]
    command: [sh, -c, "while true; do echo $X; sleep 5; done"]
"""


@pytest.fixture(autouse=True)
def fast_polls(settings):
    settings.KUBESIM_LOG_POLL_SECONDS = 0.01


@pytest.fixture
def chatty():
    """A pod printing a hostile line every 5 simulated seconds, on a paused clock."""
    clock.pause()
    seed()
    apply.apply(manifests.parse(CHATTY, source="test.yaml"))


def client(query, origin=ORIGIN, name="chatty"):
    return WebsocketCommunicator(APPLICATION, f"/ws/logs/default/{name}?{query}",
                                 headers=[origin, (b"host", b"127.0.0.1")])


def run(scenario):
    async_to_sync(scenario)()


async def messages_until(communicator, test):
    """The JSON messages received until one passes `test`."""
    received = []
    while not received or not test(received[-1]):
        received.append(json.loads(await communicator.receive_from(timeout=TIMEOUT)))
    return received


def lines_of(received):
    return "".join(m.get("lines", "") for m in received)


def page_cursor():
    """What the logs page would start from: its last line's time."""
    return podlogs.page(store.get(POD, "default", "chatty"), "talker", False)


def test_new_lines_arrive_as_time_passes_and_the_stream_stops_with_the_container(chatty):
    inline.advance(12)  # pulled, started, two lines printed

    async def scenario():
        page = await sync_to_async(page_cursor)()
        assert page.text.count(SCRIPT) >= 2
        follower = client(f"container=talker&after={page.last}")
        assert (await follower.connect(timeout=TIMEOUT))[0]
        status = json.loads(await follower.receive_from(timeout=TIMEOUT))
        assert status == {"status": "following", "message": ""}
        assert await follower.receive_nothing(timeout=0.1)  # nothing new while time stands still
        await sync_to_async(inline.advance)(10)  # two more lines
        received = await messages_until(follower, lambda m: "lines" in m)
        assert received[-1]["lines"] == f"{SCRIPT}\n{SCRIPT}\n"  # as text; the page escapes
        assert received[-1]["last"] > page.last
        await sync_to_async(store.delete)(POD, "default", "chatty")
        await sync_to_async(inline.advance)(10)  # the kubelet stops it, then it is gone
        received = await messages_until(follower, lambda m: m.get("status") == "stopped")
        assert "terminated" in received[-1]["message"] or "gone" in received[-1]["message"]
        assert (await follower.receive_output(timeout=TIMEOUT))["type"] == "websocket.close"
    run(scenario)


def test_a_container_not_started_yet_is_waited_for(chatty):
    async def scenario():
        follower = client("container=talker&after=")
        assert (await follower.connect(timeout=TIMEOUT))[0]
        status = json.loads(await follower.receive_from(timeout=TIMEOUT))
        assert status["status"] == "waiting"
        assert "talker" in status["message"]
        await sync_to_async(inline.advance)(8)
        received = await messages_until(follower, lambda m: "lines" in m)
        assert lines_of(received).startswith(f"{SCRIPT}\n")  # from its first line
        received = await messages_until(follower, lambda m: "status" in m)
        assert received[-1] == {"status": "following", "message": ""}
        await follower.disconnect()
    run(scenario)


def test_a_gone_pod_stops_at_once():
    async def scenario():
        follower = client("container=talker&after=", name="nope")
        assert (await follower.connect(timeout=TIMEOUT))[0]
        status = json.loads(await follower.receive_from(timeout=TIMEOUT))
        assert status == {"status": "stopped", "message": 'pod "nope" is gone'}
    run(scenario)


def test_a_previous_run_is_not_followed(chatty):
    async def scenario():
        follower = client("container=talker&after=&previous=1")
        assert (await follower.connect(timeout=TIMEOUT))[0]
        status = json.loads(await follower.receive_from(timeout=TIMEOUT))
        assert status["status"] == "stopped"
    run(scenario)


def test_a_bad_query_or_a_foreign_origin_is_refused(chatty):
    async def scenario():
        garbled = client("container=talker&after=yesterday")
        connected, code = await garbled.connect(timeout=TIMEOUT)
        assert (connected, code) == (False, BAD_REQUEST)
        unnamed = client("after=")
        assert (await unnamed.connect(timeout=TIMEOUT)) == (False, BAD_REQUEST)
        foreign = client("container=talker&after=", origin=(b"origin", b"http://evil.example"))
        assert not (await foreign.connect(timeout=TIMEOUT))[0]
    run(scenario)
