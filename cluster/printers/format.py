"""Cells as apimachinery and kubectl write them: durations, ages, labels and selectors, and
any cell value as text."""
from datetime import timedelta

from .fields import get, parse_time


def cell_text(value):
    """A cell as kubectl's table printer writes it: Go's %v, a string cut at its first line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        cut = min((i for i in map(value.find, "\f\n\r") if i >= 0), default=-1)
        return value if cut < 0 else value[:cut] + "..."
    return str(value)


def human_duration(duration):
    """apimachinery's duration.HumanDuration of a timedelta or seconds: `45s`, `5m`, `2d3h`.

    A duration slightly negative (clock skew up to 2 s) is `0s`; beyond that `<invalid>`."""
    seconds = duration.total_seconds() if isinstance(duration, timedelta) else duration
    whole = int(seconds)  # truncates toward zero, as Go's int(d.Seconds())
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes, hours = whole // 60, whole // 3600
    days = hours // 24
    if minutes < 10:
        return _two_units(minutes, "m", whole % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return _two_units(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return _two_units(days, "d", hours % 24, "h")
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        return _two_units(days // 365, "y", days % 365, "d")
    return f"{days // 365}y"


def _two_units(big, big_unit, small, small_unit):
    return f"{big}{big_unit}{small}{small_unit}" if small else f"{big}{big_unit}"


def since(moment, now):
    """translateTimestampSince: how long before `now` the timestamp was; `<unknown>` if unset."""
    moment = parse_time(moment)
    return "<unknown>" if moment is None else human_duration(now - moment)


def age(obj, now):
    """The AGE column: the time since the object's creationTimestamp."""
    return since(get(obj, "metadata.creationTimestamp"), now)


def format_labels(mapping):
    """labels.FormatLabels: `a=1,b=2`, sorted, or `<none>`."""
    return ",".join(f"{k}={v}" for k, v in sorted((mapping or {}).items())) or "<none>"


def selector_string(selector):
    """metav1.LabelSelectorAsSelector(selector).String(): `app=web,tier in (a,b)`, its
    requirements sorted by key; "" for a missing or empty selector, None if it is invalid."""
    if not selector:
        return ""
    requirements = [(k, f"{k}={v}") for k, v in (selector.get("matchLabels") or {}).items()]
    for expr in selector.get("matchExpressions") or ():
        key, op, values = expr.get("key", ""), expr.get("operator"), expr.get("values") or []
        if op in ("In", "NotIn") and values:
            requirements.append((key, f"{key} {op.lower()} ({','.join(sorted(values))})"))
        elif op in ("Exists", "DoesNotExist") and not values:
            requirements.append((key, key if op == "Exists" else "!" + key))
        else:
            return None
    return ",".join(text for _, text in sorted(requirements, key=lambda r: r[0]))


def format_label_selector(selector):
    """metav1.FormatLabelSelector: the selector's string, `<none>` if empty, `<error>`."""
    text = selector_string(selector)
    return "<error>" if text is None else text or "<none>"


def container_cells(containers):
    """layoutContainerCells: the containers' names, and their images, comma-separated."""
    containers = containers or ()
    return (",".join(c.get("name", "") for c in containers),
            ",".join(c.get("image", "") for c in containers))
