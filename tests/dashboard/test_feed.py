"""dashboard.feed and dashboard.dirty: which fragments a change makes stale, the 250 ms
coalescing window (on a fake clock), one render per namespace filter, resyncs, and recovery when
the change log was compacted away. The feed is driven step by step here; the consumer tests run
it for real."""
import asyncio
import re

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from cluster import binding, clock, store
from cluster.models import WatchEvent
from dashboard import controlplane, dirty, feed
from dashboard.fragments import CLUSTER, EVENTS
from workers import operations

from .clusterobjects import READY, event, namespace, node, pod, set_status

# The feed reads the database from its own thread: the test's writes must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

# --- dirty keys ---------------------------------------------------------------------------------

def obj(kind, name, namespace="default", api_version="v1", **more):
    return {"apiVersion": api_version, "kind": kind,
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}"}, **more}


def a_pod(name, node_name=""):
    return obj("Pod", name, spec={"nodeName": node_name} if node_name else {})


def noted(*changes, lane=None):
    batch, lane = dirty.Batch(), set() if lane is None else lane
    for event_type, changed in changes:
        dirty.note(batch, lane, event_type, changed)
    return batch, lane


def test_a_node_changing_dirties_its_card_and_one_coming_or_going_the_grid():
    batch, _ = noted(("MODIFIED", obj("Node", "node-1", namespace="")))
    assert (batch.nodes, batch.grid, batch.lane) == ({"node-1"}, False, False)
    assert batch.acting == {controlplane.APISERVER, controlplane.STORE}
    for event_type in ("ADDED", "DELETED"):
        batch, _ = noted((event_type, obj("Node", "node-9", namespace="")))
        assert batch.grid and not batch.nodes


def test_a_pod_dirties_the_lane_while_in_it_then_its_node():
    batch, lane = noted(("ADDED", a_pod("web")))
    assert batch.lane and not batch.nodes and lane == {("default", "web")}
    batch, lane = noted(("MODIFIED", a_pod("web", "node-1")), lane=lane)  # bound
    assert batch.lane and batch.nodes == {"node-1"} and lane == set()
    batch, lane = noted(("MODIFIED", a_pod("web", "node-1")), lane=lane)  # running
    assert not batch.lane and batch.nodes == {"node-1"}
    batch, lane = noted(("DELETED", a_pod("web", "node-1")), lane=lane)
    assert not batch.lane and batch.nodes == {"node-1"}


def test_a_pod_deleted_from_the_lane_leaves_it():
    batch, lane = noted(("DELETED", a_pod("web")), lane={("default", "web")})
    assert batch.lane and lane == set()


def test_events_go_to_the_stream_in_write_order_and_light_up_their_component():
    scheduled = obj("Event", "a", source={"component": "default-scheduler"})
    created = obj("Event", "b", source={"component": "replicaset-controller"})
    pulled = obj("Event", "c", source={"component": "kubelet", "host": "node-1"})
    batch, _ = noted(("ADDED", scheduled), ("ADDED", created), ("ADDED", pulled),
                     ("MODIFIED", scheduled))  # a repeat: counted again, moves to the end
    assert list(batch.events) == ["uid-b", "uid-c", "uid-a"]
    assert batch.acting == {controlplane.APISERVER, controlplane.STORE, controlplane.SCHEDULER,
                            controlplane.CONTROLLERS}
    batch, _ = noted(("DELETED", pulled))
    assert not batch.events


def test_other_kinds_are_the_api_servers_and_the_stores_doing_only():
    batch, _ = noted(("MODIFIED", obj("Deployment", "web", api_version="apps/v1")),
                     ("MODIFIED", obj("Lease", "node-1", "kube-node-lease",
                                      api_version="coordination.k8s.io/v1")))
    assert batch.components == [controlplane.APISERVER, controlplane.STORE]
    assert not (batch.nodes or batch.grid or batch.lane or batch.events)


# --- the feed, step by step ---------------------------------------------------------------------

class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class RecordingLayer:
    """A channel layer that keeps what is sent: (group or channel, HTML)."""

    def __init__(self):
        self.groups, self.sent = {}, []

    async def group_add(self, group, channel):
        self.groups.setdefault(group, set()).add(channel)

    async def group_discard(self, group, channel):
        self.groups.get(group, set()).discard(channel)

    async def group_send(self, group, message):
        self.sent.append((group, message["html"]))

    async def send(self, channel, message):
        self.sent.append((channel, message["html"]))

    def take(self):
        sent, self.sent = self.sent, []
        return sent


def ids(html):
    """The ids of the top-level elements swapped out of band, in order."""
    return re.findall(r'<[a-z]+ (?:class="[^"]*" )?id="([^"]+)"[^>]*hx-swap-oob="true"', html)


def scenario(test):
    """Run `test(feed, layer, clock)` in an event loop, with a feed driven by hand."""
    def run():
        async def main():
            fake = FakeClock()
            layer = RecordingLayer()
            the_feed = feed.Feed(asyncio.get_running_loop(), clock=fake, layer=layer, run=False)
            try:
                await test(the_feed, layer, fake)
            finally:
                await the_feed.stop()
        async_to_sync(main)()
    return run


def db(fn):
    return sync_to_async(fn)


@pytest.fixture
def nodes():
    clock.pause()
    node("node-1")
    node("node-2")


def test_a_page_at_the_feeds_revision_needs_no_resync_and_one_behind_gets_everything(nodes):
    @scenario
    async def test(the_feed, layer, _):
        revision = await db(store.current_revision)()
        await the_feed.subscribe("current", CLUSTER, "", revision)
        await the_feed.subscribe("behind", CLUSTER, "", revision - 1)
        await the_feed.step()
        sent = layer.take()
        assert [to for to, _ in sent] == ["behind"]
        assert ids(sent[0][1]) == ["control-plane", "unscheduled", "node-grid", "event-stream",
                                   "clock"]
        assert layer.groups == {feed.group_name(CLUSTER, ""): {"current", "behind"}}
    test()


def test_a_write_pushes_only_the_fragments_it_changed(nodes):
    @scenario
    async def test(the_feed, layer, _):
        await the_feed.subscribe("page", CLUSTER, "", await db(store.current_revision)())
        await db(pod)("web-1", "node-1")
        await the_feed.step()
        [(group, html)] = layer.take()
        assert group == feed.group_name(CLUSTER, "")
        assert ids(html) == ["node-node-1", "cp-apiserver", "cp-store"]
        assert 'data-pod="default/web-1" data-state="Pending"' in html
        assert 'class="cp-component acting" data-component="store"' in html
    test()


def test_an_element_changed_within_250_ms_of_its_last_push_waits_for_the_windows_end(nodes):
    @scenario
    async def test(the_feed, layer, fake):
        await the_feed.subscribe("page", CLUSTER, "", await db(store.current_revision)())
        await db(pod)("web-1", "node-1")
        await the_feed.step()  # leading edge: out at once
        [(_, html)] = layer.take()
        assert ids(html) == ["node-node-1", "cp-apiserver", "cp-store"]
        fake.now += 0.1
        await db(pod)("web-2", "node-1")
        await the_feed.step()
        assert layer.take() == [] and the_feed.window_left() == pytest.approx(0.15)
        fake.now += 0.1
        await db(pod)("web-3", "node-1")
        await the_feed.step()
        assert layer.take() == []
        fake.now += 0.05  # the window ends: both changes in one message, the card rendered once
        await the_feed.step()
        [(_, html)] = layer.take()
        assert ids(html) == ["node-node-1", "cp-apiserver", "cp-store"]
        assert "default/web-2" in html and "default/web-3" in html
    test()


def test_a_quiet_element_goes_at_once_however_busy_the_others(nodes):
    @scenario
    async def test(the_feed, layer, fake):
        await the_feed.subscribe("page", CLUSTER, "", await db(store.current_revision)())
        await db(pod)("web-1", "node-1")
        await the_feed.step()
        layer.take()
        fake.now += 0.1
        await db(pod)("web-2", "node-2")  # node-2's card was not sent lately
        await the_feed.step()
        [(_, html)] = layer.take()
        assert ids(html) == ["node-node-2"]  # the control plane, just sent, waits
        fake.now += 0.15
        await the_feed.step()
        [(_, html)] = layer.take()
        assert ids(html) == ["cp-apiserver", "cp-store"]
    test()


def test_a_batch_splits_into_what_may_go_and_what_waits():
    batch = dirty.Batch(nodes={"a", "b"}, lane=True, acting={controlplane.STORE},
                        quiet={controlplane.APISERVER}, events={"uid": {}}, clock="clock")
    recent = {"node:a", "lane", "cp:apiserver", "clock"}
    now, held = batch.split(lambda key: key not in recent)
    assert (now.nodes, now.lane, now.acting, now.quiet, list(now.events), now.clock) == (
        {"b"}, False, {controlplane.STORE}, set(), ["uid"], None)
    assert (held.nodes, held.lane, held.quiet, held.events, held.clock) == (
        {"a"}, True, {controlplane.APISERVER}, {}, "clock")
    assert held.elements() == recent
    grid = dirty.Batch(grid=True, nodes={"a"})
    now, held = grid.split(lambda key: key != "grid")
    assert not now and held.grid and held.nodes == {"a"}  # the cards wait with their grid
    full = dirty.Batch(full=True, nodes={"a"})
    assert full.split(lambda key: False) == (full, dirty.Batch())


def test_each_namespace_filter_gets_its_own_rendering_once(nodes):
    @scenario
    async def test(the_feed, layer, fake):
        await db(namespace)("team-a")
        revision = await db(store.current_revision)()
        for channel, ns in (("all-1", ""), ("all-2", ""), ("team", "team-a")):
            await the_feed.subscribe(channel, CLUSTER, ns, revision)
        await the_feed.subscribe("events", EVENTS, "", revision)
        await db(pod)("mine", "node-1", namespace="team-a")
        await the_feed.step()
        sent = dict(layer.take())
        assert set(sent) == {feed.group_name(CLUSTER, ""), feed.group_name(CLUSTER, "team-a")}
        assert "team-a/mine" in sent[feed.group_name(CLUSTER, "team-a")]
        web = await db(pod)("web", "node-1")
        await the_feed.step()  # inside the window: nothing yet
        assert layer.take() == []
        await db(event)(web, "BackOff", "Back-off restarting", event_type="Warning")
        fake.now += 1
        await the_feed.step()
        sent = dict(layer.take())
        team = sent[feed.group_name(CLUSTER, "team-a")]
        assert 'data-pod="default/web"' not in team and "Back-off" not in team  # not its own
        assert 'data-pod="default/web"' in sent[feed.group_name(CLUSTER, "")]
        events_only = sent[feed.group_name(EVENTS, "")]
        assert events_only.strip().startswith('<ol hx-swap-oob="afterbegin:#event-stream">')
        assert "Back-off restarting" in events_only and "node-card" not in events_only
    test()


def test_a_pod_bound_leaves_the_lane_and_joins_its_node(nodes):
    @scenario
    async def test(the_feed, layer, _):
        waiting = await db(pod)("web")
        await the_feed.subscribe("page", CLUSTER, "", await db(store.current_revision)())
        assert the_feed.lane == {("default", "web")}
        await db(binding.bind)("default", "web", "node-2")
        await the_feed.step()
        [(_, html)] = layer.take()
        assert ids(html)[:2] == ["node-node-2", "unscheduled"]
        lane = html[html.index('id="unscheduled"'):]
        assert "default/web" not in lane[:lane.index("</section>")]
        assert waiting["metadata"]["name"] == "web" and the_feed.lane == set()
    test()


def test_a_stopped_kubelet_and_a_new_node_are_seen(nodes):
    @scenario
    async def test(the_feed, layer, fake):
        await the_feed.subscribe("page", CLUSTER, "", await db(store.current_revision)())
        await the_feed.step()
        await db(operations.stop_kubelet)("node-2")  # no API write: found by looking
        fake.now += feed.KUBELET_CHECK_SECONDS
        await the_feed.step()
        [(_, html)] = layer.take()
        assert ids(html) == ["node-node-2"] and ">Start kubelet</button>" in html
        fake.now += 1
        await db(node)("node-3")
        await the_feed.step()
        [(_, html)] = layer.take()
        assert ids(html)[0] == "node-grid" and 'id="node-node-3"' in html
    test()


def test_the_clock_pushed_when_it_changes(nodes):
    @scenario
    async def test(the_feed, layer, _):
        await the_feed.subscribe("page", CLUSTER, "", await db(store.current_revision)())
        await db(clock.resume)()
        await the_feed.step()
        [(_, html)] = layer.take()
        assert ids(html) == ["clock"] and 'data-paused="false"' in html
    test()


def test_the_api_servers_rate_is_refreshed_quietly_as_it_decays(nodes):
    @scenario
    async def test(the_feed, layer, fake):
        await the_feed.subscribe("page", CLUSTER, "", await db(store.current_revision)())
        await db(pod)("web-1", "node-1")
        await the_feed.step()
        layer.take()
        fake.now += feed.RATE_REFRESH_SECONDS
        await the_feed.step()
        [(_, html)] = layer.take()
        assert ids(html) == ["cp-apiserver"] and "acting" not in html
        fake.now += controlplane.RATE_WINDOW_SECONDS + 2 * feed.RATE_REFRESH_SECONDS
        await the_feed.step()
        assert layer.take() == []  # long quiet: nothing more to refresh
    test()


def test_a_feed_behind_the_compacted_log_resyncs_every_page(nodes, settings):
    @scenario
    async def test(the_feed, layer, _):
        await the_feed.subscribe("page", CLUSTER, "", await db(store.current_revision)())
        await the_feed.subscribe("events", EVENTS, "", the_feed.revision)
        await db(pod)("web-1", "node-1")
        await db(pod)("web-2", "node-1")
        settings.KUBESIM_EVENT_LOG_MAX_COUNT = 1
        await db(store.compact)()
        assert the_feed.revision < await db(store.compacted_revision)()
        await the_feed.step()
        sent = dict(layer.take())
        assert ids(sent[feed.group_name(CLUSTER, "")])[:3] == [
            "control-plane", "unscheduled", "node-grid"]
        assert ids(sent[feed.group_name(EVENTS, "")]) == ["event-stream"]
        assert the_feed.revision == await db(store.current_revision)()
        assert await db(WatchEvent.objects.count)() == 1
    test()


def test_a_ready_pod_shows_ready_in_the_pushed_card(nodes):
    @scenario
    async def test(the_feed, layer, fake):
        await the_feed.subscribe("page", CLUSTER, "", await db(store.current_revision)())
        web = await db(pod)("web-1", "node-1")
        await the_feed.step()
        layer.take()
        fake.now += 1
        await db(set_status)(web, READY)
        await the_feed.step()
        [(_, html)] = layer.take()
        assert 'data-pod="default/web-1" data-state="Ready"' in html
    test()


def test_after_an_error_every_page_starts_over_from_the_state_now(nodes):
    @scenario
    async def test(the_feed, layer, _):
        await the_feed.subscribe("page", CLUSTER, "", await db(store.current_revision)())
        await the_feed.subscribe("team", CLUSTER, "team-a", the_feed.revision)
        await db(pod)("web-1", "node-1")
        the_feed.lost = True  # what the task's loop sets when a turn failed
        await the_feed.step()
        sent = dict(layer.take())
        assert set(sent) == {feed.group_name(CLUSTER, ""), feed.group_name(CLUSTER, "team-a")}
        assert all(ids(html)[:3] == ["control-plane", "unscheduled", "node-grid"]
                   for html in sent.values())
        assert not the_feed.lost and the_feed.revision == await db(store.current_revision)()
    test()
