"""NodeMetrics and PodMetrics (metrics.k8s.io), as metrics-server prints them: NAME, a column
per resource the first item uses (cpu, memory), and WINDOW (addNodeMetricsToTable)."""
from ..quantity import Quantity, parse_quantity
from .definitions import Column
from .fields import name

GROUP = "metrics.k8s.io"

NAME = Column("Name", format="name", description="Name of the resource")
WINDOW = Column("Window", format="duration")


def usage(item):
    """The item's usage by resource: a node's own, a pod's summed over its containers."""
    if "usage" in item:
        return {resource: parse_quantity(q) for resource, q in item["usage"].items()}
    total = {}
    for container in item.get("containers") or ():
        for resource, q in (container.get("usage") or {}).items():
            q = parse_quantity(q)
            before = total.get(resource)
            total[resource] = q if before is None else Quantity(before.value + q.value,
                                                                before.format)
    return total


def resources(items):
    """The resource columns' names, from the first item; None when there is none, and then the
    Table has no columns at all (as metrics-server's)."""
    return sorted(usage(items[0])) if items else None


def columns(names):
    return [NAME, *(Column(n, format="quantity") for n in names), WINDOW]


def cells(item, names):
    used = usage(item)
    return [name(item), *(str(used.get(n, Quantity(0))) for n in names), item.get("window", "")]
