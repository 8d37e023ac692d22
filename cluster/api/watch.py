"""Watches: a chunked stream of newline-delimited watch events, as kube-apiserver's watch cache
serves them, fed by polling the store's change log.

    {"type":"ADDED","object":{...}}
    {"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"9"}}}
    {"type":"ERROR","object":{"kind":"Status",...,"reason":"Expired","code":410}}

A watch that asks for Tables (`kubectl get -w`) gets each object as a Table of one row, the
column definitions in the first event only (cluster.api.tables).

A watch without a resourceVersion (or "0") starts with an ADDED event for every matching object.
Selectors apply to each change: one that makes an object match arrives as ADDED, one that makes it
stop matching as DELETED (the old object at the new resourceVersion), as the watch cache does.
"""
import asyncio
import logging
import random

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import StreamingHttpResponse

from .. import selectors, store
from ..errors import BadRequest, StatusError
from . import options, tables
from .responses import JSON, NO_CACHE, InternalError, encode

logger = logging.getLogger(__name__)

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"
KEY_FIELDS = ("metadata.name", "metadata.namespace")  # no change can make these stop matching
BATCH = 500  # change-log entries read per poll
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def poll_seconds():
    """How long an idle watch waits before it looks at the change log again."""
    return settings.KUBESIM_WATCH_POLL_SECONDS


def bookmark_seconds():
    return settings.KUBESIM_WATCH_BOOKMARK_SECONDS  # upstream's defaultBookmarkFrequency


def default_timeout():
    """Without timeoutSeconds a watch lasts one to two --min-request-timeout, as upstream's."""
    return settings.KUBESIM_MIN_REQUEST_TIMEOUT_SECONDS * (1 + random.random())


async def serve(request, info):
    """The watch response. Bad parameters fail before the stream starts, as plain Status errors,
    and the watch starts before the response does: nothing written after it is missed."""
    transform = tables.WatchTransform.of(request, info.kind, info.api_version)
    opts = options.list_options(request)
    watch = Watch(info, opts, transform)
    initial = await sync_to_async(watch.start)()
    timeout = opts.timeout_seconds if (opts.timeout_seconds or 0) > 0 else default_timeout()
    response = StreamingHttpResponse(_stream(watch, initial, timeout, opts.allow_watch_bookmarks),
                                     content_type=JSON)
    response["Cache-Control"] = NO_CACHE
    return response


async def _stream(watch, initial, timeout, bookmarks):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    # Send the headers at once, as upstream flushes them: clients take them as the watch being up.
    yield b""
    try:
        for event in initial:
            yield _event(*event)
        if bookmarks and watch.initial_events_end:
            yield _event("BOOKMARK", await _bookmark(watch, initial_events_end=True))
        next_bookmark = _next_bookmark(loop.time(), deadline)
        while (remaining := deadline - loop.time()) > 0:
            events = await sync_to_async(watch.poll)()
            for event in events:
                yield _event(*event)
            if bookmarks and loop.time() >= next_bookmark:
                yield _event("BOOKMARK", await _bookmark(watch))
                next_bookmark = _next_bookmark(loop.time(), deadline)
            if not events:
                await asyncio.sleep(min(poll_seconds(), remaining))
    except StatusError as e:  # 410 Expired above all: the stream ends with it, as upstream's
        yield _event("ERROR", e.status())
    except Exception as e:  # the status line is sent: an ERROR event is all that is left
        logger.exception("watch of %s failed", watch.kind.plural)
        yield _event("ERROR", InternalError(e).status())


async def _bookmark(watch, initial_events_end=False):
    """A bookmark, transformed as the events are (printing a Table reads the clock)."""
    if watch.transform.identity:
        return watch.bookmark(initial_events_end)
    return await sync_to_async(watch.bookmark)(initial_events_end)


def _event(event_type, obj):
    return encode({"type": event_type, "object": obj})


def _next_bookmark(now, deadline):
    """Roughly every bookmark period, and once 2s before the watch times out (as the cacher)."""
    at = now + bookmark_seconds()
    before_timeout = deadline - 2
    return before_timeout if now < before_timeout < at else at


class Watch:
    """The events of one watch, worked out from the change log; its methods read the database,
    so they run in a worker thread."""

    def __init__(self, info, opts, transform=None):
        self.kind, self.namespace = info.kind, info.namespace
        self.transform = transform or tables.WatchTransform(info.kind)
        fields = ",".join(filter(None, [opts.field_selector,
                                        info.name and f"metadata.name={info.name}"]))
        self.label_text, self.field_text = opts.label_selector, fields
        self.labels = selectors.parse_labels(opts.label_selector) if opts.label_selector else None
        self.fields = selectors.parse_fields(self.kind, fields) if fields else None
        self.name = self._required("metadata.name")
        self.namespace = self.namespace or self._required("metadata.namespace")
        self.revision = _resource_version(opts.resource_version)
        self.send_initial_events = (opts.send_initial_events if opts.send_initial_events is not None
                                    else opts.resource_version in ("", "0"))
        self.initial_events_end = opts.send_initial_events is True
        self.selective = self._selective()
        # What the client holds, by (namespace, name): the object if it matches, None if not. Kept
        # when a change can make an object start or stop matching, and while the initial list
        # may still overlap the change log.
        self.held = {} if self.selective or self.send_initial_events else None
        self.listed_until = 0  # the newest resourceVersion in the initial list

    def _required(self, path):
        """The value an equality requirement pins `path` to, to narrow the change-log query."""
        for r in self.fields.requirements if self.fields else ():
            if r.path == path and r.equal:
                return r.value
        return None

    def _selective(self):
        fields = self.fields.requirements if self.fields else ()
        return (bool(self.labels and not self.labels.empty)
                or any(r.path not in KEY_FIELDS for r in fields))

    def matches(self, obj):
        return ((self.labels is None or self.labels.matches(obj))
                and (self.fields is None or self.fields.matches(obj)))

    def start(self):
        """Fix where the watch starts; the initial events, when it starts with them."""
        if not self.send_initial_events:
            if self.revision is None:  # no resourceVersion: from now on
                self.revision = store.current_revision()
            return []
        result = store.list_objects(self.kind, self.namespace, label_selector=self.label_text,
                                    field_selector=self.field_text)
        self.revision = result.resource_version
        for obj in result.items:
            self.held[_key(obj)] = obj
            self.listed_until = max(self.listed_until, int(obj["metadata"]["resourceVersion"]))
        return self._transformed([(ADDED, obj) for obj in result.items])

    def poll(self):
        """Events after the current revision, then the revision moves past everything read."""
        head = store.current_revision()
        changes = store.changes_since(self.revision, self.kind, self.namespace, self.name,
                                      limit=BATCH)
        events = [e for e in (self._translate(*change) for change in changes) if e]
        last = changes[-1][0] if changes else self.revision
        # A short batch means nothing of ours lies between the last change and head.
        self.revision = max(self.revision, last if len(changes) == BATCH else max(last, head))
        if not self.selective and self.revision >= self.listed_until:
            self.held = None  # past the initial list, every change passes as it is
        return self._transformed(events)

    def _transformed(self, events):
        if self.transform.identity:
            return events
        return [(event_type, self.transform(obj)) for event_type, obj in events]

    def bookmark(self, initial_events_end=False):
        meta = {"resourceVersion": str(self.revision)}
        if initial_events_end:
            meta["annotations"] = {INITIAL_EVENTS_END: "true"}
        return self.transform({"kind": self.kind.kind, "apiVersion": self.kind.api_version,
                               "metadata": meta})

    def _translate(self, revision, event_type, obj):
        if self.held is None:
            return (event_type, obj) if self.matches(obj) else None
        key = _key(obj)
        if key in self.held:
            before = self.held[key]
            if before is not None and revision <= int(before["metadata"]["resourceVersion"]):
                return None  # the initial list already gave the client this state, or a newer one
        else:
            before = self._before(key, revision, event_type, obj)
        after = obj if event_type != DELETED and self.matches(obj) else None
        if event_type == DELETED:
            self.held.pop(key, None)  # a later event for the key is an ADDED: nothing to recall
        else:
            self.held[key] = after
        if after is not None:
            return (MODIFIED if before is not None else ADDED), after
        if before is None:
            return None
        if event_type == DELETED:
            return DELETED, obj
        meta = {**before["metadata"], "resourceVersion": str(revision)}
        return DELETED, {**before, "metadata": meta}

    def _before(self, key, revision, event_type, obj):
        """Whether (and as what) the client holds an object it has not seen in this watch."""
        if event_type == ADDED or self.send_initial_events:
            return None  # new, or not in the list the watch started with
        found = store.last_change_before(self.kind, key[0], key[1], revision)
        if found is None:
            return obj  # its history is compacted: assume the client holds it
        before_type, before = found
        return before if before_type != DELETED and self.matches(before) else None


def _key(obj):
    meta = obj["metadata"]
    return meta.get("namespace", ""), meta["name"]


def _resource_version(value):
    if value in ("", "0"):
        return None
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f'invalid resource version "{value}"') from None
