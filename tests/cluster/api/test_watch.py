"""Watches: resuming from a resourceVersion, initial events, selectors, bookmarks, 410 after
compaction, timeouts, and the end of the stream when the client goes away."""
import asyncio
import dataclasses
import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core.asgi import get_asgi_application
from django.test import AsyncClient

from cluster import kinds, store
from cluster.api import requestinfo
from cluster.api.options import ListOptions
from cluster.api.watch import Watch as ServerWatch

from .objects import PODS, pod

pytestmark = pytest.mark.django_db(transaction=True)

POD = kinds.lookup("pods")
WAIT = 5  # seconds any one expected event may take

create = sync_to_async(store.create)
update = sync_to_async(store.update)
delete = sync_to_async(store.delete)
current_revision = sync_to_async(store.current_revision)


def run(test):
    """Run an async test body (the suite has no async test runner)."""
    return async_to_sync(test)()


def relabel(obj, **labels):
    return update({**obj, "metadata": {**obj["metadata"], "labels": labels}})


def rv(obj):
    return obj["metadata"]["resourceVersion"]


class Watch:
    """A watch response, read one event at a time, each within WAIT seconds."""

    @classmethod
    async def open(cls, path):
        response = await AsyncClient().get(path)
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/json"
        return cls(response.streaming_content)

    def __init__(self, chunks):
        self.chunks, self.buffer = chunks, b""

    async def next(self, timeout=WAIT):
        """The next event, or None once the stream has ended."""
        while b"\n" not in self.buffer:
            try:
                self.buffer += await asyncio.wait_for(anext(self.chunks), timeout)
            except StopAsyncIteration:
                return None
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    async def events(self, count):
        """The next `count` events as (type, name)."""
        found = [await self.next() for _ in range(count)]
        return [(e["type"], e["object"]["metadata"]["name"]) for e in found]

    async def close(self):
        await self.chunks.aclose()


def test_a_watch_from_a_resource_version_resumes_right_after_it():
    async def main():
        a = await create(pod("a"))
        await create(pod("b"))
        watch = await Watch.open(f"{PODS}?watch=1&resourceVersion={rv(a)}")
        assert await watch.events(1) == [("ADDED", "b")]
        c = await create(pod("c"))
        await relabel(c, x="y")
        await delete(POD, "default", "c")
        assert await watch.events(3) == [("ADDED", "c"), ("MODIFIED", "c"), ("DELETED", "c")]
        await watch.close()
    run(main)


def test_a_watch_without_a_resource_version_starts_with_every_object():
    async def main():
        await create(pod("a"))
        await create(pod("b"))
        await create({**pod("elsewhere"), "metadata": {"name": "elsewhere", "namespace": "kube-system"}})
        watch = await Watch.open(f"{PODS}?watch=true")
        assert await watch.events(2) == [("ADDED", "a"), ("ADDED", "b")]
        await create(pod("c"))
        assert await watch.events(1) == [("ADDED", "c")]
        await watch.close()
    run(main)


def test_a_watch_across_namespaces_and_of_one_object():
    async def main():
        start = await current_revision()
        everywhere = await Watch.open(f"/api/v1/pods?watch=1&resourceVersion={start}")
        one = await Watch.open(f"{PODS}?watch=1&fieldSelector=metadata.name%3Db")
        legacy = await Watch.open("/api/v1/watch/namespaces/default/pods/b")
        await create({**pod("a"), "metadata": {"name": "a", "namespace": "kube-system"}})
        await create(pod("b"))
        assert await everywhere.events(2) == [("ADDED", "a"), ("ADDED", "b")]
        assert await one.events(1) == [("ADDED", "b")]
        assert await legacy.events(1) == [("ADDED", "b")]
        for watch in (everywhere, one, legacy):
            await watch.close()
    run(main)


def test_selectors_turn_changes_into_added_and_deleted():
    async def main():
        start = await current_revision()
        watch = await Watch.open(f"{PODS}?watch=1&labelSelector=app%3Dweb&resourceVersion={start}")
        p = await create(pod("p", {"app": "db"}))  # does not match: nothing
        p = await relabel(p, app="web")  # starts matching
        p = await relabel(p, app="web", tier="front")
        gone = await relabel(p, app="db")  # stops matching: DELETED, the object as it was
        await relabel(gone, app="db", tier="back")  # still not matching: nothing
        await create(pod("q", {"app": "web"}))
        assert await watch.events(4) == [("ADDED", "p"), ("MODIFIED", "p"), ("DELETED", "p"),
                                         ("ADDED", "q")]
        await watch.close()
    run(main)


def test_a_resumed_selective_watch_knows_what_matched_before_it_started():
    async def main():
        web = await create(pod("web", {"app": "web"}))
        db = await create(pod("db", {"app": "db"}))
        watch = await Watch.open(f"{PODS}?watch=1&labelSelector=app%3Dweb&resourceVersion={rv(db)}")
        await relabel(db, app="db", tier="back")  # never matched: nothing
        await relabel(web, app="gone")  # matched when the client listed: DELETED
        event = await watch.next()
        assert (event["type"], event["object"]["metadata"]["name"]) == ("DELETED", "web")
        assert event["object"]["metadata"]["labels"] == {"app": "web"}
        assert int(rv(event["object"])) > int(rv(web))
        await watch.close()
    run(main)


def test_a_field_selector_on_phase_follows_the_pod():
    async def main():
        watch = await Watch.open(f"{PODS}?watch=1&fieldSelector=status.phase%3DRunning")
        p = await create(pod("p"))
        p = await update({**p, "status": {"phase": "Running"}}, subresource="status")
        await update({**p, "status": {"phase": "Succeeded"}}, subresource="status")
        assert await watch.events(2) == [("ADDED", "p"), ("DELETED", "p")]
        await watch.close()
    run(main)


def test_the_initial_list_and_the_change_log_overlap_without_duplicates(monkeypatch):
    """A list reads its revision before its items: changes in between must not come twice."""
    a = store.create(pod("a"))
    store.create(pod("gone"))
    listed_at = store.current_revision()
    a = store.update({**a, "metadata": {**a["metadata"], "labels": {"x": "y"}}})
    store.delete(POD, "default", "gone")
    list_objects = store.list_objects
    monkeypatch.setattr(store, "list_objects", lambda *args, **kwargs: dataclasses.replace(
        list_objects(*args, **kwargs), resource_version=listed_at))

    watch = ServerWatch(requestinfo.parse("api", "v1/namespaces/default/pods"), ListOptions())
    assert watch.start() == [("ADDED", a)]
    assert watch.poll() == []  # a's change is in the list; `gone` was never listed
    store.create(pod("b"))
    assert [(t, o["metadata"]["name"]) for t, o in watch.poll()] == [("ADDED", "b")]


def test_bookmarks_carry_the_current_resource_version(settings):
    settings.KUBESIM_WATCH_BOOKMARK_SECONDS = 0.1

    async def main():
        watch = await Watch.open(f"{PODS}?watch=1&allowWatchBookmarks=true&timeoutSeconds=5")
        await create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})
        head = await current_revision()
        while (event := await watch.next())["type"] != "BOOKMARK" or rv(event["object"]) != str(head):
            pass
        assert event["object"] == {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": str(head)}}
        await watch.close()
    run(main)


def test_send_initial_events_ends_with_an_annotated_bookmark():
    async def main():
        await create(pod("a"))
        watch = await Watch.open(f"{PODS}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
                                 "&resourceVersionMatch=NotOlderThan")
        assert await watch.events(1) == [("ADDED", "a")]
        bookmark = await watch.next()
        assert bookmark["type"] == "BOOKMARK"
        assert bookmark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
        await watch.close()
    run(main)


def test_timeout_seconds_ends_the_stream():
    async def main():
        loop = asyncio.get_running_loop()
        started = loop.time()
        watch = await Watch.open(f"{PODS}?watch=1&timeoutSeconds=1")
        assert await watch.next() is None
        assert 0.9 < loop.time() - started < 3
    run(main)


def test_a_compacted_resource_version_is_an_error_event_410(settings):
    settings.KUBESIM_EVENT_LOG_MAX_COUNT = 1
    first = store.create(pod("a"))
    store.create(pod("b"))
    store.create(pod("c"))
    store.compact()
    compacted = store.compacted_revision()

    async def main():
        watch = await Watch.open(f"{PODS}?watch=1&resourceVersion={rv(first)}")
        event = await watch.next()
        assert event["type"] == "ERROR"
        status = event["object"]
        assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
        assert status["message"] == f"too old resource version: {rv(first)} ({compacted})"
        assert await watch.next() is None
    run(main)


def test_bad_watch_parameters_fail_before_the_stream(api):
    status, body = api.get(f"{PODS}?watch=1&labelSelector=a%20b")
    assert status == 400 and body["reason"] == "BadRequest"
    status, body = api.get(f"{PODS}?watch=1&resourceVersion=abc")
    assert status == 400 and body["reason"] == "BadRequest"


def test_the_stream_ends_when_the_client_disconnects():
    """Served over ASGI as daphne serves it: a disconnect cancels the stream within a poll."""
    async def main():
        disconnected, sent, requests = asyncio.Event(), [], [{"type": "http.request"}]

        async def receive():
            if requests:
                return requests.pop()
            await disconnected.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)
            if message["type"] == "http.response.body":
                disconnected.set()  # the client goes away once the stream has begun

        scope = {"type": "http", "method": "GET", "path": PODS, "query_string": b"watch=1",
                 "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 1),
                 "server": ("127.0.0.1", 80)}
        await asyncio.wait_for(get_asgi_application()(scope, receive, send), WAIT)
        assert sent[0]["status"] == 200
    run(main)
