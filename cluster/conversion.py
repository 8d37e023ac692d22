"""Versions a kind is served in besides the one it is stored in, converted both ways as
kube-apiserver's conversion functions do.

One today: HorizontalPodAutoscaler is stored as autoscaling/v2 and served as autoscaling/v1 too,
which `kubectl autoscale` creates (pkg/apis/autoscaling/v1/conversion.go). v1 holds one CPU
utilization target; what it cannot hold (other metrics, behavior, conditions, current metrics)
travels in the autoscaling.alpha.kubernetes.io annotations, as upstream keeps it, so that a v1
round trip loses nothing.
"""
import copy
import json

_ANNOTATION = "autoscaling.alpha.kubernetes.io/"
METRICS, CURRENT_METRICS = _ANNOTATION + "metrics", _ANNOTATION + "current-metrics"
CONDITIONS, BEHAVIOR = _ANNOTATION + "conditions", _ANNOTATION + "behavior"


def to_storage(obj):
    """The object in its kind's stored version (itself when it already is)."""
    converter = _CONVERTERS.get((obj.get("apiVersion"), obj.get("kind")))
    return converter[1](copy.deepcopy(obj)) if converter else obj


def to_version(obj, api_version):
    """A stored object as `api_version` shows it (itself when that is the stored version)."""
    if obj.get("apiVersion") == api_version:
        return obj
    converter = _CONVERTERS.get((api_version, obj.get("kind")))
    return converter[0](copy.deepcopy(obj)) if converter else obj


def converted(body, api_version):
    """An API answer's objects as `api_version` shows them: the object, or a list's items (and
    the list), or a Table's row objects."""
    kind = body.get("kind") or ""
    if kind == "Table":
        for row in body.get("rows") or ():
            if isinstance(row.get("object"), dict):
                row["object"] = to_version(row["object"], api_version)
    elif kind.endswith("List") and isinstance(body.get("items"), list):
        if (api_version, kind.removesuffix("List")) in _CONVERTERS:
            body["apiVersion"] = api_version
        body["items"] = [to_version(item, api_version) for item in body["items"]]
    else:
        body = to_version(body, api_version)
    return body


# --- autoscaling/v2 ⇄ autoscaling/v1 HorizontalPodAutoscaler ----------------------------------

def _is_cpu_utilization(metric):
    resource = metric.get("resource") or {}
    return (metric.get("type") == "Resource" and resource.get("name") == "cpu"
            and (resource.get("target") or {}).get("type") == "Utilization")


def _hpa_to_v1(hpa):
    hpa["apiVersion"] = "autoscaling/v1"
    spec, status = hpa.get("spec") or {}, hpa.get("status")
    annotations = {}
    metrics = spec.pop("metrics", None) or []
    cpu = next((m for m in metrics if _is_cpu_utilization(m)), None)
    if cpu is not None:
        spec["targetCPUUtilizationPercentage"] = cpu["resource"]["target"]["averageUtilization"]
    others = [m for m in metrics if m is not cpu]
    if others:
        annotations[METRICS] = json.dumps(others)
    if spec.get("behavior") is not None:
        annotations[BEHAVIOR] = json.dumps(spec.pop("behavior"))
    if isinstance(status, dict):
        current = status.pop("currentMetrics", None) or []
        used = next((m for m in current if m.get("type") == "Resource"
                     and (m.get("resource") or {}).get("name") == "cpu"), None)
        utilization = ((used or {}).get("resource") or {}).get("current", {}).get(
            "averageUtilization")
        if utilization is not None:
            status["currentCPUUtilizationPercentage"] = utilization
        if current:
            annotations[CURRENT_METRICS] = json.dumps(current)
        if status.get("conditions"):
            annotations[CONDITIONS] = json.dumps(status.pop("conditions"))
    if annotations:
        hpa["metadata"]["annotations"] = {**(hpa["metadata"].get("annotations") or {}),
                                          **annotations}
    return hpa


def _hpa_from_v1(hpa):
    hpa["apiVersion"] = "autoscaling/v2"
    meta = hpa.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    spec = hpa.get("spec")
    if isinstance(spec, dict):
        target = spec.pop("targetCPUUtilizationPercentage", None)
        metrics = [{"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": target}}}] if target is not None else []
        metrics += _loads(annotations.pop(METRICS, None)) or []
        if metrics:
            spec["metrics"] = metrics
        behavior = _loads(annotations.pop(BEHAVIOR, None))
        if behavior is not None:
            spec["behavior"] = behavior
    status = hpa.get("status")
    current = _loads(annotations.pop(CURRENT_METRICS, None))
    conditions = _loads(annotations.pop(CONDITIONS, None))
    if isinstance(status, dict):
        status.pop("currentCPUUtilizationPercentage", None)
        if current:
            status["currentMetrics"] = current
        if conditions:
            status["conditions"] = conditions
    if "annotations" in meta:
        meta["annotations"] = annotations
        if not annotations:
            del meta["annotations"]
    return hpa


def _loads(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None  # not ours to keep: dropped, as upstream drops an annotation it cannot read


# (apiVersion, kind) of a served version → (from storage, to storage).
# Each is also among its Kind's other_versions (cluster.kinds).
_CONVERTERS = {("autoscaling/v1", "HorizontalPodAutoscaler"): (_hpa_to_v1, _hpa_from_v1)}
