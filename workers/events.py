"""Events, as client-go's record.EventRecorder writes them for `kubectl describe` and the dashboard.

Repeats of one event (same object, component, type, reason and message) are aggregated into one
Event object whose count and lastTimestamp grow, as upstream's EventCorrelator does.

An event is named as client-go names it, `<object name>.<hex nanoseconds>`, so that the events
about one object list in the order they happened: `kubectl describe` sorts them by their
lastTimestamp, whole seconds, and leaves the ones of the same second (Pulled, Created, Started)
in list order, which is name order. A repeat finds the event it repeats in this process's cache
(upstream's correlator keeps one too) or, recorded by another celery worker, among the events
named after the object.
"""
import threading
from collections import OrderedDict

from django.conf import settings

from cluster import kinds, store, timestamps
from cluster.errors import AlreadyExists, Conflict, NotFound

EVENT = kinds.lookup("events")
NORMAL, WARNING = "Normal", "Warning"
CACHE_SIZE = 4096  # upstream's maxLruCacheEntries
_names = OrderedDict()  # what an event is about (its key) -> the name of its Event
_lock = threading.Lock()
_last_nanos = 0


def node_reference(name, uid=None):
    """What a Node's events refer to. The kubelet's nodeRef carries the node's NAME as its uid
    and no apiVersion; the node controller's carries the real uid (`kubectl describe node`
    looks for both). Neither carries a resourceVersion."""
    if uid is None:
        return {"kind": "Node", "metadata": {"name": name, "uid": name}}
    return {"kind": "Node", "apiVersion": "v1", "metadata": {"name": name, "uid": uid}}


def involved_object(obj, field_path=None):
    meta = obj["metadata"]
    ref = {"kind": obj["kind"], "namespace": meta.get("namespace", ""), "name": meta["name"],
           "uid": meta.get("uid", ""), "apiVersion": obj.get("apiVersion", ""),
           "resourceVersion": meta.get("resourceVersion", "")}
    if field_path:
        ref["fieldPath"] = field_path
    return {k: v for k, v in ref.items() if v != ""}


def _key(ref, component, event_type, reason, message):
    return (ref.get("uid", ref["name"]), ref.get("fieldPath", ""), component, event_type, reason,
            message)


def _key_of(event):
    ref = event.get("involvedObject") or {}
    return _key(ref, (event.get("source") or {}).get("component", ""), event.get("type"),
                event.get("reason"), event.get("message"))


def _new_name(ref, moment):
    """client-go's `<name>.<UnixNano in hex>`, of simulated time; strictly increasing within a
    process, so that events recorded in one pass (one simulated instant) keep their order."""
    global _last_nanos
    nanos = int(moment.timestamp()) * 10**9 + moment.microsecond * 1000
    with _lock:
        _last_nanos = max(nanos, _last_nanos + 1)
        return f"{ref['name']}.{_last_nanos:x}"


def _remember(key, name):
    with _lock:
        _names[key] = name
        _names.move_to_end(key)
        while len(_names) > CACHE_SIZE:
            _names.popitem(last=False)


def _existing(namespace, ref, key):
    """The name of the Event `key` already has: cached, or found among the object's events when
    other processes record events too (celery workers). A single process trusts its cache, as
    upstream's correlator does: past CACHE_SIZE keys, a repeat starts a new Event."""
    with _lock:
        name = _names.get(key)
    if name or settings.KUBESIM_CONTROL_PLANE != "celery":
        return name
    for event in store.list_prefixed(EVENT, namespace, f"{ref['name']}."):
        if _key_of(event) == key:
            return event["metadata"]["name"]
    return None


def record(obj, event_type, reason, message, *, component, host=None, field_path=None):
    """Record an event about `obj` (a dict as the API returns it); returns the Event."""
    ref = involved_object(obj, field_path)
    namespace = ref.get("namespace") or "default"  # events about cluster objects go to default
    key = _key(ref, component, event_type, reason, message)
    moment = timestamps.now()
    now = timestamps.timestamp(moment)
    for _ in range(store.UPDATE_RETRIES):
        name = _existing(namespace, ref, key)
        if name:
            try:
                return _bump(namespace, name, now)
            except NotFound:
                with _lock:
                    _names.pop(key, None)  # deleted since: record it anew
        name = _new_name(ref, moment)
        try:
            event = store.create(_event(namespace, name, ref, event_type, reason, message,
                                        component, host, now))
        except AlreadyExists:
            continue  # another worker took this name: take the next one
        _remember(key, name)
        return event
    raise Conflict.stale(EVENT, ref["name"])


def _bump(namespace, name, now):
    def count(event):
        event["count"] = event.get("count", 1) + 1
        event["lastTimestamp"] = now

    return store.guaranteed_update(EVENT, namespace, name, count)


def _event(namespace, name, ref, event_type, reason, message, component, host, now):
    source = {"component": component, **({"host": host} if host else {})}
    return {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": ref, "reason": reason, "message": message, "type": event_type,
        "source": source, "firstTimestamp": now, "lastTimestamp": now, "count": 1,
        "reportingComponent": component, "reportingInstance": host or "",
    }


def for_object(obj):
    """The events about one object, oldest first (what `kubectl describe` lists)."""
    meta = obj["metadata"]
    uids = [meta["uid"]]
    if obj.get("kind") == "Node":
        uids.append(meta["name"])  # the kubelet's nodeRef, as `kubectl describe node` also asks
    items = [event for uid in uids for event in store.list_objects(
        EVENT, meta.get("namespace") or "default", field_selector=f"involvedObject.uid={uid}").items]
    return sorted(items, key=lambda e: (e.get("lastTimestamp") or "",
                                               int(e["metadata"]["resourceVersion"])))
