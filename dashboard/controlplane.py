"""The control-plane box: what the API server, the store, the scheduler and the controller
manager did last, read from the change log and the Events they record.

Every write is the API server's (a create, update or delete of some object) and the store's (a new
revision). The scheduler and the controllers say what they do in Events, as upstream's do:
`default-scheduler` Scheduled / FailedScheduling, `replicaset-controller` SuccessfulCreate, ...
"""
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from cluster import kinds
from cluster.models import Event, WatchEvent

APISERVER, STORE, SCHEDULER, CONTROLLERS = "apiserver", "store", "scheduler", "controller-manager"
COMPONENTS = (APISERVER, STORE, SCHEDULER, CONTROLLERS)
TITLES = {APISERVER: "API server", STORE: "Cluster store", SCHEDULER: "Scheduler",
          CONTROLLERS: "Controller manager"}
RATE_WINDOW_SECONDS = 5  # the API server's writes per second, averaged over this long
VERBS = {WatchEvent.ADDED: "create", WatchEvent.MODIFIED: "update", WatchEvent.DELETED: "delete"}


@dataclass
class Component:
    key: str
    title: str
    action: str  # the last thing it did, "" when nothing yet
    detail: str = ""
    acting: bool = False  # it acted since the last update sent: the box lights up briefly


def component_of(event):
    """Which box an Event's reporter belongs in (None: a kubelet, or anything else)."""
    source = event.get("source") or {}
    name = source.get("component") or event.get("reportingComponent") or ""
    if name.endswith("-scheduler"):
        return SCHEDULER
    if name.endswith("-controller"):
        return CONTROLLERS
    return None


def components(keys=COMPONENTS, acting=()):
    """The components named by `keys`, read now; those in `acting` marked as acting."""
    build = {APISERVER: _apiserver, STORE: _store, SCHEDULER: _scheduler,
             CONTROLLERS: _controllers}
    last = _last_write() if {APISERVER, STORE} & set(keys) else None
    return [build[key](key in acting, last) for key in keys]


def _last_write():
    return (WatchEvent.objects.order_by("-revision")
            .values_list("revision", "type", "group", "kind", "namespace", "name").first())


def write_rate():
    since = timezone.now() - timedelta(seconds=RATE_WINDOW_SECONDS)
    return WatchEvent.objects.filter(created__gte=since).count() / RATE_WINDOW_SECONDS


def _apiserver(acting, last):
    rate = write_rate()
    action = ""
    if last:
        _, event_type, group, kind, namespace, name = last
        action = f"{VERBS.get(event_type, event_type.lower())} {_resource(group, kind)} " \
                 f"{namespace + '/' if namespace else ''}{name}"
    return Component(APISERVER, TITLES[APISERVER], action, f"{rate:g} writes/s", acting)


def _store(acting, last):
    return Component(STORE, TITLES[STORE], f"revision {last[0]}" if last else "",
                     "etcd's role: every write, in order", acting)


def _scheduler(acting, _):
    event = _latest_event(body__source__component__endswith="-scheduler")
    return _from_event(SCHEDULER, event, acting)


def _controllers(acting, _):
    event = _latest_event(body__source__component__endswith="-controller")
    component = ((event or {}).get("source") or {}).get("component", "")
    return _from_event(CONTROLLERS, event, acting, prefix=f"{component}: " if component else "")


def _latest_event(**lookup):
    found = Event.objects.filter(**lookup).order_by("-resource_version")[:1].objects()
    return found[0] if found else None


def _from_event(key, event, acting, prefix=""):
    if event is None:
        return Component(key, TITLES[key], "", "", acting)
    action = f"{prefix}{event.get('reason', '')}: {event.get('message', '')}"
    return Component(key, TITLES[key], action, event.get("type", ""), acting)


def _resource(group, kind):
    try:
        return kinds.BY_KIND[(group, kind)].plural
    except KeyError:
        return kind.lower()
