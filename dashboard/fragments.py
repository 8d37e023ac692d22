"""The cluster view's fragments, rendered for the full page and for websocket pushes alike.

The page includes the same templates the feed renders alone with `oob=True`, which adds
hx-swap-oob="true": htmx's ws extension swaps each top-level element of a message into the
element of the same id. Everything here is synchronous (database and templates); the feed calls
it from its own thread.
"""
from django.template.loader import render_to_string

from cluster import clock as cluster_clock
from cluster import store
from cluster.models import Namespace

from . import clusterview, controlplane, eventstream

CLUSTER, EVENTS = "cluster", "events"  # the two live pages: the cluster view, the event list
VIEWS = (CLUSTER, EVENTS)
LIMITS = {CLUSTER: eventstream.HOME_LIMIT, EVENTS: eventstream.PAGE_LIMIT}

T_GRID = "dashboard/cluster/node_grid.html"
T_CARD = "dashboard/cluster/node_card.html"
T_LANE = "dashboard/cluster/lane.html"
T_CONTROL_PLANE = "dashboard/cluster/control_plane.html"
T_COMPONENT = "dashboard/cluster/component.html"
T_STREAM = "dashboard/events/stream.html"
T_PREPEND = "dashboard/events/prepend.html"
T_CLOCK = "dashboard/actions/clock.html"


def page_context(view, namespace):
    """Everything a live page shows, read now; `revision` first, so the rest is at least that
    new (the websocket compares it with what it has pushed since)."""
    revision = store.current_revision()
    context = {"revision": revision, "namespace": namespace, "namespaces": _namespaces(),
               "events": eventstream.latest(LIMITS[view], namespace), "limit": LIMITS[view]}
    if view == CLUSTER:
        snapshot = clusterview.read()
        context.update(cards=clusterview.node_cards(snapshot, namespace),
                       lane=clusterview.lane(snapshot, namespace),
                       components=controlplane.components(), clock=cluster_clock.current())
    return context


def resync(view, namespace):
    """The whole live region of a page, out of band: what a (re)connecting client missed."""
    context = {**page_context(view, namespace), "oob": True}
    templates = (T_CONTROL_PLANE, T_LANE, T_GRID, T_STREAM, T_CLOCK) if view == CLUSTER else (
        T_STREAM,)
    return "".join(render_to_string(t, context) for t in templates)


def batch_messages(batch, targets):
    """{(view, namespace): HTML} of the stale fragments, each rendered once per target."""
    if batch.full:
        return {target: resync(*target) for target in targets}
    shared = _shared(batch) if any(view == CLUSTER for view, _ in targets) else ""
    snapshot = None
    if batch.grid or batch.nodes or batch.lane:
        snapshot = clusterview.read(None if batch.grid else batch.nodes, with_lane=batch.lane)
    messages = {}
    for view, namespace in targets:
        parts = [_events(batch, view, namespace)]
        if view == CLUSTER:
            parts = [_cluster(batch, snapshot, namespace), shared, *parts]
        messages[(view, namespace)] = "".join(parts)
    return messages


def _shared(batch):
    """What every namespace filter sees alike: the control plane and the clock."""
    html = "".join(render_to_string(T_COMPONENT, {"component": c, "oob": True})
                   for c in controlplane.components(batch.components, batch.acting))
    if batch.clock is not None:
        html += render_to_string(T_CLOCK, {"clock": batch.clock, "oob": True})
    return html


def _cluster(batch, snapshot, namespace):
    if snapshot is None:
        return ""
    html = ""
    if batch.grid:
        html += render_to_string(T_GRID, {"cards": clusterview.node_cards(snapshot, namespace),
                                          "oob": True})
    else:
        html += "".join(render_to_string(T_CARD, {"card": card, "oob": True})
                        for card in clusterview.node_cards(snapshot, namespace))
    if batch.lane:
        html += render_to_string(T_LANE, {"lane": clusterview.lane(snapshot, namespace),
                                          "oob": True})
    return html


def _events(batch, view, namespace):
    rows = [eventstream.row(e) for e in reversed(batch.events.values())
            if eventstream.in_filter(e, namespace)][:LIMITS[view]]
    return render_to_string(T_PREPEND, {"events": rows}) if rows else ""


def _namespaces():
    return sorted(Namespace.objects.values_list("name", flat=True))
