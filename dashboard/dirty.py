"""Which fragments of the cluster view a batch of changes makes stale.

A change to a Node makes its card stale (the whole grid when a node comes or goes); a change to a
Pod makes its node's card stale (its chip, and the requested-resources bars), and the unscheduled
lane when the pod is, or just was, in it. A pod's nodeName only ever goes from "" to a node, so
the lane index (which pods are in the lane) is all the memory this needs. New and changed Events
go to the top of the event stream and light up the control-plane component that recorded them.
Every write is the API server's and the store's doing.
"""
from dataclasses import dataclass, field

from cluster.models import Pod, WatchEvent

from . import controlplane


@dataclass
class Batch:
    """Stale fragments waiting to be rendered and pushed."""
    nodes: set = field(default_factory=set)  # node names whose card is stale
    grid: bool = False  # a node came or went: the whole grid
    lane: bool = False
    acting: set = field(default_factory=set)  # control-plane components that acted
    quiet: set = field(default_factory=set)  # components to refresh without lighting up
    events: dict = field(default_factory=dict)  # uid → the Event as last written, oldest first
    clock: object = None  # the cluster.clock.Clock, when it changed (speed, pause, step)
    full: bool = False  # everything (the feed lost track: a resync of every page)

    def __bool__(self):
        return bool(self.nodes or self.grid or self.lane or self.acting or self.quiet
                    or self.events or self.clock is not None or self.full)

    def split(self, due):
        """(what may go now, what must wait): `due(key)` says whether an element may be sent,
        keys being "grid", "node:NAME", "lane", "cp:COMPONENT", "events" and "clock". A stale
        grid takes the stale cards with it, sent or held; a full resync always goes."""
        if self.full:
            return self, Batch()
        now, held = Batch(), Batch()
        if self.grid:
            target = now if due("grid") else held
            target.grid, target.nodes = True, set(self.nodes)
        else:
            for name in self.nodes:
                (now if due(f"node:{name}") else held).nodes.add(name)
        if self.lane:
            (now if due("lane") else held).lane = True
        for attr in ("acting", "quiet"):
            for component in getattr(self, attr):
                getattr(now if due(f"cp:{component}") else held, attr).add(component)
        if self.events:
            (now if due("events") else held).events = dict(self.events)
        if self.clock is not None:
            (now if due("clock") else held).clock = self.clock
        held.quiet -= held.acting
        return now, held

    def elements(self):
        """The elements this batch changes (the keys `split` asks about)."""
        keys = {f"node:{name}" for name in self.nodes} | {f"cp:{c}" for c in self.components}
        for key, stale in (("grid", self.grid), ("lane", self.lane), ("events", self.events),
                           ("clock", self.clock is not None)):
            if stale:
                keys.add(key)
        return keys

    @property
    def components(self):
        """The control-plane components to render, in the box's order."""
        stale = self.acting | self.quiet
        return [c for c in controlplane.COMPONENTS if c in stale]


def lane_index():
    """The pods now in the unscheduled lane, as (namespace, name)."""
    return set(Pod.objects.unscheduled().values_list("namespace", "name"))


def note(batch, lane, event_type, obj):
    """Mark what one change from the change log makes stale; keeps `lane` current."""
    batch.acting |= {controlplane.APISERVER, controlplane.STORE}
    if obj.get("apiVersion") != "v1":
        return
    kind = obj.get("kind")
    if kind == "Node":
        if event_type == WatchEvent.MODIFIED:
            batch.nodes.add(obj["metadata"]["name"])
        else:
            batch.grid = True
    elif kind == "Pod":
        _note_pod(batch, lane, event_type, obj)
    elif kind == "Event" and event_type != WatchEvent.DELETED:
        uid = obj["metadata"].get("uid", "")
        batch.events.pop(uid, None)  # keep the dict in write order: a repeat moves to the end
        batch.events[uid] = obj
        component = controlplane.component_of(obj)
        if component:
            batch.acting.add(component)


def _note_pod(batch, lane, event_type, pod):
    meta = pod["metadata"]
    key = (meta.get("namespace", ""), meta["name"])
    node = (pod.get("spec") or {}).get("nodeName")
    was_in_lane = key in lane
    if node or event_type == WatchEvent.DELETED:
        lane.discard(key)
    else:
        lane.add(key)
    if node:
        batch.nodes.add(node)
    if was_in_lane or not node:
        batch.lane = True
