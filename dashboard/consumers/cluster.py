"""The cluster view's websocket: ws/cluster?view=cluster|events&namespace=NS&revision=N.

It joins its page to the process's feed (dashboard.feed), which pushes the page's stale fragments
as HTML for htmx's ws extension to swap out of band; the revision the page was rendered at tells
the feed whether the page needs the whole live region first. Nothing is read from the client
after connecting. Served behind AllowedHostsOriginValidator (kubesim/asgi.py).
"""
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer

from dashboard import feed, fragments
from dashboard.views.cluster import namespace_filter

BAD_REQUEST = 4400  # a close code in the application range: the query could not be read


class ClusterConsumer(AsyncWebsocketConsumer):
    subscription = None

    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        view = _first(query, "view") or fragments.CLUSTER
        namespace = namespace_filter(_first(query, "namespace"))
        if view not in fragments.VIEWS or namespace is None:
            await self.close(code=BAD_REQUEST)
            return
        # Joined before accepting: once connected, a page misses no change.
        self.feed = feed.current()
        self.subscription = (view, namespace)
        await self.feed.subscribe(self.channel_name, view, namespace,
                                  _revision(_first(query, "revision")))
        await self.accept()

    async def disconnect(self, code):
        if self.subscription is not None:
            await self.feed.unsubscribe(self.channel_name, *self.subscription)

    async def cluster_fragment(self, message):
        await self.send(text_data=message["html"])


def _first(query, name):
    values = query.get(name)
    return values[0] if values else ""


def _revision(text):
    """The page's revision; None (never current: a resync) when missing or garbled."""
    return int(text) if text.isascii() and text.isdigit() else None
