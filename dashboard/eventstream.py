"""The live event stream: Events newest first, as `kubectl get events --sort-by` would show the
last written ones, each linking to the object it is about. Warnings say so in words."""
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from cluster import kinds, timestamps
from cluster.models import Event

HOME_LIMIT = 20  # the panel on the cluster view
PAGE_LIMIT = 200  # the events page
CLUSTER_SCOPE = "_"


@dataclass
class EventRow:
    uid: str
    type: str  # Normal or Warning
    warning: bool
    reason: str
    message: str
    target: str  # kind/name as kubectl's OBJECT column: pod/web-1
    url: str  # the involved object's describe page, "" when the dashboard has none
    source: str
    count: int
    time: str  # HH:MM:SS on the cluster's clock
    timestamp: str  # RFC 3339, for <time datetime>


def latest(limit, namespace=None):
    """The last `limit` Events written (in one namespace or all), newest first."""
    query = Event.objects.in_namespace(namespace).order_by("-resource_version")[:limit]
    return [row(e) for e in query.objects()]


def in_filter(event, namespace):
    return not namespace or event["metadata"].get("namespace") == namespace


def row(event):
    involved = event.get("involvedObject") or {}
    when = event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp")
    moment = _parse(when)
    series = event.get("series") or {}
    return EventRow(
        uid=event["metadata"].get("uid", ""), type=event.get("type") or "Normal",
        warning=event.get("type") == "Warning", reason=event.get("reason") or "",
        message=(event.get("message") or "").strip(),
        target=f"{(involved.get('kind') or '').lower()}/{involved.get('name', '')}",
        url=_involved_url(involved), source=_source(event),
        count=series.get("count") or event.get("count") or 1,
        time=moment.strftime("%H:%M:%S") if moment else "", timestamp=when or "")


def _source(event):
    """kubectl's SOURCE: `component, host`."""
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    host = source.get("host") or event.get("reportingInstance") or ""
    return f"{component}, {host}" if host else component


def _parse(value):
    try:
        return timestamps.parse(value)
    except (TypeError, ValueError):
        return None


def _involved_url(involved):
    try:
        kind = kinds.lookup(involved.get("kind") or "")
        namespace = (involved.get("namespace") or "default") if kind.namespaced else CLUSTER_SCOPE
        return reverse("dashboard:describe", args=(kind.plural, namespace, involved["name"]))
    except (kinds.UnknownKind, KeyError, NoReverseMatch):
        return ""
