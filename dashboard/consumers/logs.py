"""A pod's log, followed live: ws/logs/<namespace>/<name>?container=C&after=T[&previous=1].

The logs page renders the log up to its last line's time T; this consumer then sends, as
simulated time passes, the lines printed after T, polling the kubelet's log every
KUBESIM_LOG_POLL_SECONDS (dashboard.podlogs does the reading). Messages are JSON text frames:
{"lines": "...", "last": T} and {"status": "following|waiting|stopped", "message": "..."}; the
page's script appends lines as text, never as markup. It stops, as `kubectl logs -f` does, when
the container stops or the pod goes; a previous run's log is complete, so there is nothing to
follow. Served behind AllowedHostsOriginValidator (kubesim/asgi.py).
"""
import asyncio
import json
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from dashboard import podlogs

logger = logging.getLogger(__name__)
BAD_REQUEST = 4400  # a close code in the application range: the query could not be read


def poll_seconds():
    return settings.KUBESIM_LOG_POLL_SECONDS


class LogConsumer(AsyncWebsocketConsumer):
    follower = None

    async def connect(self):
        route = self.scope["url_route"]["kwargs"]
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        after = _first(query, "after")
        container = _first(query, "container")
        try:
            if after:
                podlogs.parse_stamp(after)
        except ValueError:
            after = None
        if after is None or not container:
            await self.close(code=BAD_REQUEST)
            return
        await self.accept()
        if _first(query, "previous") in ("1", "true"):
            await self._stop("the previous run's log is complete: there is nothing to follow")
            return
        self.follower = asyncio.ensure_future(
            self.guarded(self.follow(route["namespace"], route["name"], container, after)))

    async def disconnect(self, code):
        if self.follower is not None:
            self.follower.cancel()

    async def guarded(self, following):
        """Run the follower; if it fails, say so and close rather than hang silently."""
        try:
            await following
        except Exception:
            logger.exception("following a pod's log failed")
            await self._stop("the log stream failed; reload the page to try again")

    async def follow(self, namespace, name, container, after):
        """Poll until the container stops; send new lines, and the state when it changes."""
        said = None
        while True:
            chunk = await database_sync_to_async(podlogs.poll)(namespace, name, container, after)
            if chunk.text:
                await self.send(text_data=json.dumps({"lines": chunk.text, "last": chunk.last}))
                after = chunk.last
            if chunk.state == podlogs.STOPPED:
                await self._stop(chunk.message)
                return
            if (chunk.state, chunk.message) != said:
                said = (chunk.state, chunk.message)
                await self._status(chunk.state, chunk.message)
            await asyncio.sleep(poll_seconds())

    async def _status(self, state, message=""):
        await self.send(text_data=json.dumps({"status": state, "message": message}))

    async def _stop(self, message):
        await self._status(podlogs.STOPPED, message)
        await self.close()


def _first(query, name):
    values = query.get(name)
    return values[0] if values else ""
