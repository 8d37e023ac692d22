"""exec, attach and portforward over a websocket (cluster.api.streams), through channels.testing
and the routing kubesim/asgi.py serves: the Status comes on the error channel, then the close."""
import json

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from cluster.api import auth, streams

from .objects import PODS, pod

pytestmark = pytest.mark.django_db(transaction=True)

APPLICATION = URLRouter(streams.websocket_urlpatterns)
TIMEOUT = 10
MESSAGE = "kubesim simulates pods: there are no processes to {} (pod web, container app)"


def frames(path, protocols=("v5.channel.k8s.io", "v4.channel.k8s.io"), token=None):
    """(accepted, subprotocol, the binary frames received until the close)."""
    headers = [(b"sec-websocket-protocol", ", ".join(protocols).encode())] if protocols else []
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))

    async def talk():
        communicator = WebsocketCommunicator(APPLICATION, path, headers=headers,
                                             subprotocols=list(protocols))
        accepted, subprotocol = await communicator.connect(timeout=TIMEOUT)
        received = []
        while accepted:
            message = await communicator.receive_output(timeout=TIMEOUT)
            if message["type"] == "websocket.close":
                break
            received.append(message["bytes"])
        await communicator.disconnect()
        return accepted, subprotocol, received
    return async_to_sync(talk)()


@pytest.fixture
def web(api):
    api.post(PODS, pod("web"))


def test_exec_sends_the_reason_on_stderr_and_the_status_on_the_error_channel(web):
    accepted, protocol, received = frames(f"{PODS}/web/exec?command=ls&stdout=true")
    assert accepted and protocol == "v5.channel.k8s.io"
    stderr, error = received
    assert stderr == b"\x02" + MESSAGE.format("exec into").encode() + b"\n"
    assert error[:1] == b"\x03"
    assert json.loads(error[1:]) == {"metadata": {}, "status": "Failure", "reason": "BadRequest",
                                     "message": MESSAGE.format("exec into"), "code": 400}


def test_older_protocols_get_the_message_as_text_on_the_error_channel(web):
    _, protocol, received = frames(f"{PODS}/web/attach", protocols=("channel.k8s.io",))
    assert protocol == "channel.k8s.io"
    assert received[-1] == b"\x03" + MESSAGE.format("attach to").encode()


def test_a_missing_pod_is_not_found_and_a_container_is_named(web):
    _, _, received = frames(f"{PODS}/ghost/exec?command=ls")
    assert json.loads(received[-1][1:])["reason"] == "NotFound"
    _, _, received = frames(f"{PODS}/web/exec?command=ls&container=sidecar")
    assert b"container sidecar)" in received[0]


def test_portforward_opens_each_ports_channels_then_reports_on_the_error_channel(web):
    _, _, received = frames(f"{PODS}/web/portforward?ports=80,8080")
    assert received[:3] == [b"\x00\x50\x00", b"\x01\x50\x00",
                            b"\x01" + MESSAGE.format("forward ports to").encode()]
    assert received[3:5] == [b"\x02\x90\x1f", b"\x03\x90\x1f"]


def test_a_wrong_token_is_refused_and_the_right_one_accepted(web):
    assert frames(f"{PODS}/web/exec", token="not-the-token")[0] is False
    assert frames(f"{PODS}/web/exec", token=auth.token())[0] is True
