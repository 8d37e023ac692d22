"""HorizontalPodAutoscalers: the TARGETS column, formatHPAMetrics."""
from .definitions import AGE, NAME, column
from .fields import name, number, quantity
from .format import age

HORIZONTAL_POD_AUTOSCALER_COLUMNS = (
    NAME,
    column("Reference", "scaleTargetRef points to the target resource to scale, and is used to "
                        "the pods for which metrics should be collected, as well as to actually "
                        "change the replica count."),
    column("Targets", "metrics contains the specifications for which to use to calculate the "
                      "desired replica count."),
    column("MinPods", "minReplicas is the lower limit for the number of replicas to which the "
                      "autoscaler can scale down."),
    column("MaxPods", "maxReplicas is the upper limit for the number of replicas to which the "
                      "autoscaler can scale up."),
    column("Replicas", "currentReplicas is current number of replicas of pods managed by this "
                       "autoscaler, as last seen by the autoscaler."),
    AGE,
)

_METRIC_SOURCES = {"External": "external", "Pods": "pods", "Object": "object",
                   "Resource": "resource", "ContainerResource": "containerResource"}


def _hpa_quantity(value):
    return "<nil>" if value is None else quantity(value)  # a nil *Quantity prints <nil>


def hpa_metric(spec, status):
    """One metric of formatHPAMetrics: `cpu: 40%/80%`, `2/500m (avg)`, `<unknown>/10`..."""
    field = _METRIC_SOURCES.get(spec.get("type"))
    if field is None:
        return "<unknown type>"
    source, observed = spec.get(field) or {}, (status or {}).get(field)
    target, current = source.get("target") or {}, (observed or {}).get("current") or {}
    if field == "pods":
        value = "<unknown>" if observed is None else _hpa_quantity(current.get("averageValue"))
        return f"{value}/{_hpa_quantity(target.get('averageValue'))}"
    if field in ("external", "object"):
        return _value_metric(target, observed, current)
    return _resource_metric(source.get("name", ""), target, observed, current)


def _value_metric(target, observed, current):
    """An External or Object metric: an average per pod, or a value."""
    if target.get("averageValue") is not None:
        average = current.get("averageValue")
        value = "<unknown>" if observed is None or average is None else quantity(average)
        return f"{value}/{quantity(target['averageValue'])} (avg)"
    value = "<unknown>" if observed is None else _hpa_quantity(current.get("value"))
    return f"{value}/{_hpa_quantity(target.get('value'))}"


def _resource_metric(resource, target, observed, current):
    """A Resource or ContainerResource metric: an average value, or a utilization."""
    if target.get("averageValue") is not None:
        value = "<unknown>" if observed is None else _hpa_quantity(current.get("averageValue"))
        return f"{resource}: {value}/{quantity(target['averageValue'])}"
    utilization, wanted = current.get("averageUtilization"), target.get("averageUtilization")
    value = "<unknown>" if observed is None or utilization is None else f"{utilization}%"
    return f"{resource}: {value}/" + ("<auto>" if wanted is None else f"{wanted}%")


def _targets(specs, statuses):
    if not specs:
        return "<none>"
    shown = [hpa_metric(spec, statuses[i] if i < len(statuses) else None)
             for i, spec in enumerate(specs)]
    if len(shown) > 2:
        return f"{', '.join(shown[:2])} + {len(shown) - 2} more..."
    return ", ".join(shown)


def hpa_cells(obj, now, wide):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    target = spec.get("scaleTargetRef") or {}
    minimum = spec.get("minReplicas")
    return [
        name(obj), f"{target.get('kind', '')}/{target.get('name', '')}",
        _targets(spec.get("metrics") or (), status.get("currentMetrics") or ()),
        "<unset>" if minimum is None else str(minimum), number(spec.get("maxReplicas")),
        number(status.get("currentReplicas")), age(obj, now),
    ]
