"""Reading an API object (a dict as the API serves it) for its printer: fields that may be
missing at any level, timestamps, quantities and conditions."""
import functools
from datetime import UTC, datetime

from ..quantity import parse_quantity


def get(obj, path, default=None):
    """The field at a dotted `path` ("status.phase"), or `default` where any part is missing."""
    for key in _keys(path):
        if not isinstance(obj, dict):
            return default
        obj = obj.get(key)
        if obj is None:
            return default
    return obj


@functools.cache  # printers read the same few paths of every object of a long list
def _keys(path):
    return path.split(".")


def name(obj):
    return get(obj, "metadata.name", "")


def number(value, default=0):
    """An optional integer field: Go's zero value (or the API default) when it is unset."""
    return default if value is None else value


def parse_time(value):
    """A timestamp (RFC 3339 string or datetime) as a datetime; None when unset or unreadable."""
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            return None
    return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value


def later(a, b):
    """The later of two optional datetimes."""
    if a is None:
        return b
    return a if b is None or a >= b else b


def quantity(value, missing="0"):
    """A quantity in its canonical form, as resource.Quantity's String() writes it."""
    if value is None:
        return missing
    try:
        return str(parse_quantity(value))
    except ValueError:
        return str(value)


def condition_true(conditions, condition_type):
    """Whether the first condition of the type is True (isPodInitializedConditionTrue)."""
    found = next((c for c in conditions if c.get("type") == condition_type), None)
    return found is not None and found.get("status") == "True"
