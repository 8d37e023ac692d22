"""exec, attach and portforward over a websocket, as client libraries ask for them (the official
Python client's `stream()` and `portforward()` speak only websockets).

kube-apiserver refuses a request it cannot serve with an HTTP Status before the upgrade (what the
plain-HTTP form gets, see subresources.no_processes), but daphne can only accept a websocket
handshake or refuse it with a bare 403. So the connection is accepted and the same Status arrives
the way upstream reports a failure after the upgrade: on the error channel, then the socket closes.
Nothing waits on a process that does not exist.
"""
import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import re_path

from ..errors import StatusError
from . import auth
from .subresources import no_processes_error

STDERR, ERROR = 2, 3  # remotecommand's channel numbers
# Channel protocols whose error channel carries a JSON Status (v1 to v3 carry its message as text).
STATUS_PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
PROTOCOLS = (*STATUS_PROTOCOLS, "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io",
             "portforward.k8s.io")


class NoProcesses(AsyncWebsocketConsumer):

    async def connect(self):
        if not self._authorized():
            await self.close()  # daphne answers 403: it has no way to send upstream's 401
            return
        route = self.scope["url_route"]["kwargs"]
        query = parse_qs(self.scope.get("query_string", b"").decode())
        offered = self.scope.get("subprotocols") or []
        protocol = next((p for p in offered if p in PROTOCOLS), None)
        await self.accept(protocol)
        error = await _error(route, (query.get("container") or [None])[0])
        if route["subresource"] == "portforward":
            await self._fail_ports(query, error)
        else:
            await self._fail_stream(protocol, error)
        await self.close()

    def _authorized(self):
        headers = dict(self.scope.get("headers") or ())
        given = headers.get(b"authorization")
        if given is None:
            return True  # anonymous, as over plain HTTP
        scheme, _, value = given.decode("latin-1").partition(" ")
        return scheme.lower() == "bearer" and value.strip() == auth.token()

    async def _fail_stream(self, protocol, error):
        # The message on stderr as well: a client that reads only the output (the Python client's
        # stream() with preloaded content returns stdout and stderr) still learns why nothing ran.
        await self.send(bytes_data=bytes([STDERR]) + f"{error.message}\n".encode())
        status = error.status()
        status.pop("kind"), status.pop("apiVersion")  # as remotecommand writes it
        body = json.dumps(status) if protocol in STATUS_PROTOCOLS else error.message
        await self.send(bytes_data=bytes([ERROR]) + body.encode())

    async def _fail_ports(self, query, error):
        """Each port's data and error channels open with the port number, then the error."""
        ports = [int(p) for p in ",".join(query.get("ports") or []).split(",") if p.isdigit()]
        for index, port in enumerate(ports):
            number = port.to_bytes(2, "little")
            await self.send(bytes_data=bytes([2 * index]) + number)
            await self.send(bytes_data=bytes([2 * index + 1]) + number)
            await self.send(bytes_data=bytes([2 * index + 1]) + error.message.encode())


@database_sync_to_async
def _error(route, container):
    try:
        return no_processes_error(route["namespace"], route["name"], route["subresource"],
                                  container)
    except StatusError as e:  # the pod is not there
        return e


websocket_urlpatterns = [
    re_path(r"^api/v1/namespaces/(?P<namespace>[^/]+)/pods/(?P<name>[^/]+)/"
            r"(?P<subresource>exec|attach|portforward)/?$", NoProcesses.as_asgi()),
]
