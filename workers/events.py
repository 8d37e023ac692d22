"""Events, as client-go's record.EventRecorder writes them for `kubectl describe` and the dashboard.

Repeats of one event (same object, component, type, reason and message) are aggregated into one
Event object whose count and lastTimestamp grow, as upstream's EventCorrelator does. Its name is
derived from what it is about, so that two workers recording the same event update one object.
"""
import hashlib

from cluster import kinds, store, timestamps
from cluster.errors import AlreadyExists, Conflict, NotFound

EVENT = kinds.lookup("events")
NORMAL, WARNING = "Normal", "Warning"


def involved_object(obj, field_path=None):
    meta = obj["metadata"]
    ref = {"kind": obj["kind"], "namespace": meta.get("namespace", ""), "name": meta["name"],
           "uid": meta.get("uid", ""), "apiVersion": obj["apiVersion"],
           "resourceVersion": meta.get("resourceVersion", "")}
    if field_path:
        ref["fieldPath"] = field_path
    return {k: v for k, v in ref.items() if v != ""}


def _name(ref, component, event_type, reason, message):
    digest = hashlib.sha256("\0".join((ref.get("uid", ref["name"]), component, event_type, reason,
                                       message, ref.get("fieldPath", ""))).encode())
    return f"{ref['name']}.{digest.hexdigest()[:16]}"


def record(obj, event_type, reason, message, *, component, host=None, field_path=None):
    """Record an event about `obj` (a dict as the API returns it); returns the Event."""
    ref = involved_object(obj, field_path)
    namespace = ref.get("namespace") or "default"  # events about cluster objects go to default
    name = _name(ref, component, event_type, reason, message)
    now = timestamps.timestamp(timestamps.now())
    for _ in range(store.UPDATE_RETRIES):
        try:  # most events are new: try that first
            return store.create(_event(namespace, name, ref, event_type, reason, message,
                                       component, host, now))
        except AlreadyExists:
            pass
        try:
            return _bump(namespace, name, now)
        except NotFound:
            continue  # deleted between the two: create it again
    raise Conflict.stale(EVENT, name)


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
    result = store.list_objects(EVENT, meta.get("namespace") or "default",
                                field_selector=f"involvedObject.uid={meta['uid']}")
    return sorted(result.items, key=lambda e: (e.get("lastTimestamp") or "",
                                               int(e["metadata"]["resourceVersion"])))
