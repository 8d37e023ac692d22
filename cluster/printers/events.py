"""Events, as `kubectl get events` lists them: when last and first seen, and how often."""
from .definitions import NAME_DOC, Column, column, wide_column
from .fields import name, parse_time
from .format import since

EVENT_COLUMNS = (
    column("Last Seen", "The time at which the most recent occurrence of this event was "
                        "recorded."),
    column("Type", "Type of this event (Normal, Warning), new types could be added in the "
                   "future"),
    column("Reason", "This should be a short, machine understandable string that gives the "
                     "reason for the transition into the object's current status."),
    column("Object", "The object that this event is about."),
    wide_column("Subobject", "If referring to a piece of an object instead of an entire object, "
                             "this string should contain a valid JSON/Go field access "
                             "statement, such as desiredState.manifest.containers[2]."),
    wide_column("Source", "The component reporting this event. Should be a short machine "
                          "understandable string."),
    column("Message", "A human-readable description of the status of this operation."),
    wide_column("First Seen", "The time at which the event was first recorded. (Time of server "
                              "receipt is in TypeMeta.)"),
    wide_column("Count", "The number of times this event has occurred."),
    # An event's name says little: kubectl shows it last, and only wide.
    Column("Name", format="name", description=NAME_DOC, priority=1),
)


def _source(event):
    """formatEventSource: `component, host`, from source or the reporting fields."""
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    instance = source.get("host") or event.get("reportingInstance") or ""
    return f"{component}, {instance}" if instance else component


def _times(event, now):
    """(last seen, first seen, count), from the series of a repeated event if it has one."""
    if parse_time(event.get("firstTimestamp")) is not None:
        first = since(event["firstTimestamp"], now)
    else:
        first = since(event.get("eventTime"), now)
    last = since(event["lastTimestamp"], now) if parse_time(event.get("lastTimestamp")) else first
    count = event.get("count") or 0
    series = event.get("series")
    if series is not None:
        return since(series.get("lastObservedTime"), now), first, series.get("count", 0)
    return last, first, count or 1  # a singleton event of the new API has no count


def event_cells(event, now, wide):
    involved = event.get("involvedObject") or {}
    kind = (involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    last, first, count = _times(event, now)
    return [
        last, event.get("type", ""), event.get("reason", ""), target,
        involved.get("fieldPath", ""), _source(event),
        (event.get("message") or "").strip(), first, count, name(event),
    ]
