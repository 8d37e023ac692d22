"""The cluster view's live feed: one asyncio task per server process follows the store's change
log and pushes the fragments it makes stale to every connected page.

- It reads the change log once per wake, however many pages are open: woken at once by
  `changes_committed` (a write committed in this process, in whatever thread) and every
  KUBESIM_WATCH_POLL_SECONDS by the revision counter (writes from Celery workers, commands).
- It renders each stale fragment once per live page kind and namespace filter (dashboard.fragments,
  in its own thread: database and templates are synchronous) and sends it through the channel
  layer to a group per (this process, page, filter), which the consumers joined.
- Coalescing, per element (a node card, the lane, a control-plane component, the event stream,
  the clock), leading edge: a change to an element not sent in the last WINDOW_SECONDS goes out
  at once; later ones wait for the window's end. So each element changes at most about four
  times a second, and a change to a quiet element is not delayed at all, however busy the rest.
- Two things the pages show are no API write: the simulation clock (read with the revision, in
  the same row) and a kubelet stopped or started (looked up every KUBELET_CHECK_SECONDS).
- A page renders with the revision it shows; a client connecting with another one (a reconnect
  after a drop, or writes between render and connect) gets the whole live region from the current
  state, sent by this task too, so that it never overtakes a fragment rendered earlier.
"""
import asyncio
import logging
import math
import time
import uuid
import weakref
from concurrent.futures import ThreadPoolExecutor

from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connections

from cluster import clock as cluster_clock
from cluster import store
from cluster.errors import Gone
from cluster.models import ClusterState
from cluster.signals import changes_committed
from workers.models import Kubelet

from . import controlplane, dirty, fragments

logger = logging.getLogger(__name__)

PROCESS = uuid.uuid4().hex[:12]  # groups are per server process: each has its own feed
WINDOW_SECONDS = 0.25
KUBELET_CHECK_SECONDS = 1.0  # a kubelet stopped or started is no API write: look now and then
RATE_REFRESH_SECONDS = 1.0  # the API server's writes/s, refreshed as it decays after a burst
BATCH = 500  # change-log entries per read
MAX_BEHIND = 5000  # further behind than this, re-render everything rather than catch up
MESSAGE = "cluster.fragment"  # the consumers' handler: cluster_fragment
_feeds = weakref.WeakSet()


def group_name(view, namespace):
    return f"kubesim-cluster.{PROCESS}.{view}.{namespace or '-'}"


class Feed:
    def __init__(self, loop, *, clock=time.monotonic, layer=None, run=True):
        """`clock` and `run=False` (no task: the caller calls step()) are for tests."""
        self.loop, self.clock, self.run = loop, clock, run
        self.layer = layer or get_channel_layer()
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="kubesim-feed")
        self.subscribers = {}  # (view, namespace) → channel names
        self.resyncs = []  # (channel, view, namespace) waiting for the whole live region
        self.batch = dirty.Batch()
        self.revision = None  # the change log is read up to here
        self.lane = set()
        self.clock_fields = self.kubelets = None
        self.sent_at = {}  # element key → when it was last sent (dirty.Batch.split's keys)
        self.kubelets_read = self.writes_seen = self.rate_sent = -math.inf
        self.wake = asyncio.Event()
        self.lock = asyncio.Lock()
        self.task = None
        self.idle = True  # nobody subscribed: not reading
        self.closed = False
        self.lost = False  # an error interrupted a turn: start over (_recover)
        _feeds.add(self)

    # --- subscribers (called by the consumers) ------------------------------------------------

    async def subscribe(self, channel, view, namespace, revision):
        """Join a page to its group; a page behind (or ahead of) the feed gets a resync."""
        async with self.lock:
            if self.idle:
                await self._sync(self._reset)
                self.idle = False
            if self.task is None and self.run:
                self.task = self.loop.create_task(self._run(), name="kubesim-feed")
            await self.layer.group_add(group_name(view, namespace), channel)
            self.subscribers.setdefault((view, namespace), set()).add(channel)
            if revision != self.revision:
                self.resyncs.append((channel, view, namespace))
        self.wake.set()

    async def unsubscribe(self, channel, view, namespace):
        await self.layer.group_discard(group_name(view, namespace), channel)
        channels = self.subscribers.get((view, namespace), set())
        channels.discard(channel)
        if not channels:
            self.subscribers.pop((view, namespace), None)

    def wake_threadsafe(self):
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.wake.set)

    # --- the loop -----------------------------------------------------------------------------

    async def _run(self):
        while True:
            try:
                await self._wait()
                if not self.subscribers:
                    self.idle = True  # the next subscriber starts from the state then
                    self.batch = dirty.Batch()
                    continue
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database went away, a template failed...: start over from the state
                # then, every page with it, rather than leave pages silently stale.
                logger.exception("cluster feed: starting over after an error")
                self.lost = True
                await asyncio.sleep(1)

    async def _wait(self):
        timeout = None if not self.subscribers else settings.KUBESIM_WATCH_POLL_SECONDS
        if self.batch:
            timeout = min(timeout or math.inf, self.window_left())
        try:
            await asyncio.wait_for(self.wake.wait(), timeout)
        except TimeoutError:
            pass
        self.wake.clear()

    async def step(self):
        """One turn: read what changed, answer resyncs, flush if the window allows."""
        if self.lost:
            await self._sync(self._recover)
        await self._sync(self._read)
        self._housekeeping()
        if self.resyncs:
            await self._serve_resyncs()
        if self.batch:
            await self._flush()

    def window_left(self):
        """Seconds until the first held element may be sent (0: something may go now)."""
        now = self.clock()
        return max(0.0, min((self.sent_at.get(key, -math.inf) + WINDOW_SECONDS - now
                             for key in self.batch.elements()), default=0.0))

    def _due(self, key):
        return self.clock() - self.sent_at.get(key, -math.inf) >= WINDOW_SECONDS

    async def _sync(self, fn, *args):
        return await self.loop.run_in_executor(self.executor, fn, *args)

    # --- reading (in the feed's thread) ---------------------------------------------------------

    def _reset(self):
        """Start following from now: the revision first, so the lane index is at least as new."""
        state = self._state()
        self.revision, self.clock_fields = state[0], state[2:]
        self.lane = dirty.lane_index()

    @staticmethod
    def _state():
        return ClusterState.objects.values_list(
            "revision", "compacted_revision", *cluster_clock.FIELDS).get(pk=1)

    def _read(self):
        state = self._state()
        revision, compacted, clock_fields = state[0], state[1], state[2:]
        if clock_fields != self.clock_fields:
            self.clock_fields = clock_fields
            self.batch.clock = cluster_clock.Clock(*clock_fields)
        if revision > self.revision:
            self.writes_seen = self.clock()
            if revision - self.revision > MAX_BEHIND or self.revision < compacted:
                self._lost_track()
            else:
                self._catch_up(revision)
        if self.clock() - self.kubelets_read >= KUBELET_CHECK_SECONDS:
            self._read_kubelets()

    def _catch_up(self, revision):
        try:
            while self.revision < revision:
                changes = store.changes_since(self.revision, limit=BATCH)
                if not changes:
                    break
                for rev, event_type, obj in changes:
                    dirty.note(self.batch, self.lane, event_type, obj)
                    self.revision = rev
        except Gone:
            self._lost_track()

    def _recover(self):
        connections.close_all()  # a broken connection stays broken: this thread opens a new one
        self.batch = dirty.Batch()
        self._lost_track()
        self.lost = False

    def _lost_track(self):
        """Too far behind, or compacted away: every page gets everything, from now."""
        self._reset()
        self.batch.full = True

    def _read_kubelets(self):
        self.kubelets_read = self.clock()
        kubelets = dict(Kubelet.objects.values_list("node_name", "running"))
        if self.kubelets is not None:
            self.batch.nodes |= {name for name in kubelets.keys() | self.kubelets.keys()
                                 if kubelets.get(name, True) != self.kubelets.get(name, True)}
        self.kubelets = kubelets

    def _housekeeping(self):
        """The API server's writes/s falls back to 0 after a burst: refresh it meanwhile."""
        now = self.clock()
        if (now - self.writes_seen <= controlplane.RATE_WINDOW_SECONDS + RATE_REFRESH_SECONDS
                and now - self.rate_sent >= RATE_REFRESH_SECONDS):
            self.batch.quiet.add(controlplane.APISERVER)

    # --- sending ------------------------------------------------------------------------------

    async def _flush(self):
        batch, self.batch = self.batch.split(self._due)
        if not batch:
            return
        now = self.clock()
        if controlplane.APISERVER in batch.components:
            self.rate_sent = now
        self.sent_at = {key: at for key, at in self.sent_at.items()
                        if now - at < WINDOW_SECONDS}  # the rest may go at once anyway
        self.sent_at.update(dict.fromkeys(batch.elements(), now))
        targets = list(self.subscribers)
        messages = await self._sync(fragments.batch_messages, batch, targets)
        for (view, namespace), html in messages.items():
            if html:
                await self.layer.group_send(group_name(view, namespace),
                                            {"type": MESSAGE, "html": html})

    async def _serve_resyncs(self):
        """The whole live region to each page that asked, rendered once per page and filter."""
        waiting, self.resyncs = self.resyncs, []
        targets = sorted({(view, namespace) for _, view, namespace in waiting})
        htmls = await self._sync(lambda: {t: fragments.resync(*t) for t in targets})
        for channel, view, namespace in waiting:
            try:
                await self.layer.send(channel, {"type": MESSAGE, "html": htmls[(view, namespace)]})
            except ChannelFull:
                pass  # a page that reads nothing: the others must not wait for it

    # --- ending -------------------------------------------------------------------------------

    async def stop(self):
        """Cancel the task and close the feed thread's database connection."""
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass
            self.task = None
        self.close()

    def close(self):
        """Close the feed thread and its database connection (a test's loop ended; shutdown)."""
        if self.task is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.task.cancel)
        _feeds.discard(self)
        if not self.closed:
            self.closed = True
            self.executor.submit(connections.close_all).result()
            self.executor.shutdown(wait=True)


_current = None


def current():
    """The feed of this process (of the running event loop: tests start a loop per test)."""
    global _current
    loop = asyncio.get_running_loop()
    if _current is None or _current.loop is not loop:
        if _current is not None:
            _current.close()
        _current = Feed(loop)
    return _current


async def stop_current():
    """Stop this loop's feed (tests end their loop with it)."""
    global _current
    if _current is not None:
        the_feed, _current = _current, None
        await the_feed.stop()


def _on_commit(**_):
    for feed in list(_feeds):
        feed.wake_threadsafe()


changes_committed.connect(_on_commit, dispatch_uid="dashboard.feed", weak=False)
