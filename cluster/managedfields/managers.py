"""metadata.managedFields entries, decoded into sets of paths by manager and back.

A manager is known by its name, operation and subresource, and for Update also by apiVersion
(BuildManagerIdentifier): an applier stays one manager whatever version it applies with.
"""
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ..errors import BadRequest
from ..validation import field
from . import fieldpath

APPLY, UPDATE = "Apply", "Update"
MAX_UPDATE_MANAGERS = 10  # DefaultMaxUpdateManagers
ANCIENT_CHANGES = "ancient-changes"


@dataclass(frozen=True)
class Entry:
    manager: str
    operation: str
    api_version: str
    fields: frozenset
    subresource: str = ""
    time: str | None = None

    @property
    def key(self):
        version = self.api_version if self.operation == UPDATE else ""
        return (self.manager, self.operation, self.subresource, version)

    def with_fields(self, fields):
        return replace(self, fields=frozenset(fields))

    def described(self):
        """How conflict messages name the manager (printManager)."""
        text = _go_quote(self.manager)
        if self.subresource:
            text += f" with subresource {_go_quote(self.subresource)}"
        if self.operation == UPDATE:
            text += f" using {self.api_version}"
        return text


def _go_quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def decode(entries):
    """{key: Entry} of a managedFields list; BadRequest when it does not decode."""
    if not isinstance(entries, list):
        raise BadRequest("managedFields must be a list")
    managed = {}
    for raw in entries:
        entry = _entry(raw)
        if entry.key in managed:
            raise BadRequest(f"duplicate manager {entry.manager}")
        managed[entry.key] = entry
    return managed


def _entry(raw):
    if not isinstance(raw, dict):
        raise BadRequest("managedFields entries must be objects")
    if raw.get("fieldsType", "FieldsV1") not in ("FieldsV1", ""):
        raise BadRequest(f"invalid fieldsType {raw.get('fieldsType')}")
    fields = fieldpath.decode(raw.get("fieldsV1") or {})
    return Entry(str(raw.get("manager") or ""), str(raw.get("operation") or ""),
                 str(raw.get("apiVersion") or ""), frozenset(fields),
                 str(raw.get("subresource") or ""), _rfc3339(raw.get("time")))


def _rfc3339(value):
    """A time as metav1.Time writes it (clients may send "+00:00" or fractions)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        raise BadRequest(f"invalid managedFields time {value!r}") from None
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def encode(managed):
    """The managedFields list, in upstream's order: appliers first, then by time and name."""
    entries = sorted((e for e in managed.values() if e.fields), key=_order)
    return [_encoded(e) for e in entries]


def _order(e):
    return (e.operation, e.time or "", e.manager, e.api_version, e.subresource)


def _encoded(e):
    out = {"manager": e.manager, "operation": e.operation, "apiVersion": e.api_version}
    if e.time:
        out["time"] = e.time
    out["fieldsType"] = "FieldsV1"
    out["fieldsV1"] = fieldpath.encode(e.fields)
    if e.subresource:
        out["subresource"] = e.subresource
    return out


def capped(managed, limit=MAX_UPDATE_MANAGERS):
    """At most `limit` Update entries: the oldest merge, per apiVersion, into "ancient-changes"
    (capManagersManager), so that many one-off writers do not grow the object without end."""
    updaters = sorted((e for e in managed.values() if e.operation == UPDATE),
                      key=lambda e: (e.time or "", e.key))
    count, out, first = len(updaters), dict(managed), {}
    for entry in updaters:
        if count <= limit:
            break
        if entry.api_version not in first:
            first[entry.api_version] = entry.key
            continue
        bucket = Entry(ANCIENT_CHANGES, UPDATE, entry.api_version, frozenset())
        older = out.pop(bucket.key, None) or out.pop(first[entry.api_version])
        del out[entry.key]
        out[bucket.key] = replace(bucket, fields=older.fields | entry.fields, time=entry.time)
        count -= 1
    return out


def problems(managed):
    """ValidateManagedFields' causes for entries a client wrote (decoding accepts any operation
    and manager; validation of the object then refuses them)."""
    causes = []
    for i, entry in enumerate(encode(managed)):
        path = f"metadata.managedFields[{i}]"
        if entry["operation"] not in (APPLY, UPDATE):
            causes.append(field.invalid(f"{path}.operation", entry["operation"],
                                        "must be `Apply` or `Update`"))
        if len(entry["manager"].encode()) > 128:
            causes.append(field.too_long(f"{path}.manager", 128))
        if len(entry.get("subresource", "")) > 256:
            causes.append(field.too_long(f"{path}.subresource", 256))
    return causes
