"""kubectl get's output: tables with each kind's columns, ages, and -o yaml / json.

The columns are those of kube-apiserver's table printers (pkg/printers/internalversion) for the
kinds people list most; other kinds get NAME and AGE, as a resource without printer columns does.
"""
import json
import re
from collections.abc import Callable
from typing import NamedTuple

import yaml

from cluster import selectors
from cluster.timestamps import now as current_time
from cluster.timestamps import parse as parse_timestamp


class Column(NamedTuple):
    header: str
    value: Callable  # (object, now) -> str
    wide: bool = False  # shown with -o wide only


def table(kind, objects, *, wide=False, namespace_column=False, now=None):
    """The lines kubectl prints, header first."""
    now = now or current_time()
    columns = [c for c in COLUMNS.get(kind.kind, _DEFAULT) if wide or not c.wide]
    if namespace_column:
        columns.insert(0, Column("NAMESPACE", lambda o, now: o["metadata"].get("namespace", "")))
    rows = [[c.header for c in columns]]
    rows += [[str(c.value(obj, now)) for c in columns] for obj in objects]
    return _aligned(rows)


def _aligned(rows):
    """As kubectl's tabwriter: each column but the last at least 6 wide and 3 past its widest."""
    widths = [max(6, *(len(row[i]) + 3 for row in rows)) for i in range(len(rows[0]) - 1)]
    return ["".join(cell.ljust(w) for cell, w in zip(row, widths)) + row[-1] for row in rows]


def age(timestamp, now):
    """apimachinery's HumanDuration of the time since `timestamp`: `45s`, `5m`, `2d3h`, `3y`."""
    if not timestamp:
        return "<unknown>"
    seconds = int((now - parse_timestamp(timestamp)).total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 10:
        return _units(minutes, "m", seconds % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return _units(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return _units(days, "d", hours % 24, "h")
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        return _units(days // 365, "y", days % 365, "d")
    return f"{days // 365}y"


def _units(big, big_unit, small, small_unit):
    return f"{big}{big_unit}{small}{small_unit}" if small else f"{big}{big_unit}"


# --- -o yaml, -o json -------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """YAML as kubectl writes it (go-yaml v2): multi-line strings as `|` blocks, and strings that
    would read back as something else double-quoted, `y` and `n` included."""

    def choose_scalar_style(self):
        style = super().choose_scalar_style()
        return '"' if style == "'" else style


def _represent_str(dumper, text):
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"),
                              list("yYnN"))


def to_yaml(obj):
    return yaml.dump(obj, Dumper=_Dumper, default_flow_style=False, allow_unicode=True, sort_keys=True)


_GO_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                                  "\u2028": "\\u2028", "\u2029": "\\u2029"})


def to_json(obj):
    """As kubectl's JSON printer: Go's MarshalIndent with four spaces, keys sorted."""
    return json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False).translate(_GO_JSON_ESCAPES) + "\n"


def as_list(objects):
    """What kubectl prints for several objects with -o yaml or json."""
    return {"apiVersion": "v1", "items": objects, "kind": "List", "metadata": {"resourceVersion": ""}}


# --- columns ----------------------------------------------------------------------------------

def _get(obj, path, default=None):
    for key in path.split("."):
        obj = obj.get(key) if isinstance(obj, dict) else None
    return default if obj is None else obj


def _field(path, default="<none>", wide=False, header=None):
    return Column(header or path.rsplit(".", 1)[-1].upper(), lambda o, now: _get(o, path, default), wide)


def _count(*paths):
    return lambda o, now: sum(len(_get(o, p, ())) for p in paths)


NAME = Column("NAME", lambda o, now: o["metadata"]["name"])
AGE = Column("AGE", lambda o, now: age(o["metadata"].get("creationTimestamp"), now))
_DEFAULT = (NAME, AGE)


def _containers(obj):
    return _get(obj, "spec.template.spec.containers", ())


def _template_columns():
    return (
        Column("CONTAINERS", lambda o, now: ",".join(c.get("name", "") for c in _containers(o)), True),
        Column("IMAGES", lambda o, now: ",".join(c.get("image", "") for c in _containers(o)), True),
        Column("SELECTOR", lambda o, now: selectors.format_label_selector(_get(o, "spec.selector", {}))
               or "<none>", True),
    )


def _pod_state(pod, now):
    """(ready, status, restarts) as printPod works them out from the container statuses."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    reason = status.get("reason") or status.get("phase") or ""
    if any(c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated"
           for c in status.get("conditions") or ()):
        reason = "SchedulingGated"
    init = _init_reason(spec, status)
    ready = restarts = 0
    last_restart = None
    if init:
        reason = init
    else:
        running = False
        for c in reversed(status.get("containerStatuses") or ()):
            restarts += c.get("restartCount", 0)
            finished = _get(c, "lastState.terminated.finishedAt")
            last_restart = max(filter(None, (last_restart, finished)), default=None)
            state = c.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated:
                reason = terminated.get("reason") or (
                    f"Signal:{terminated['signal']}" if terminated.get("signal")
                    else f"ExitCode:{terminated.get('exitCode', 0)}")
            elif c.get("ready") and state.get("running") is not None:
                running, ready = True, ready + 1
        if reason == "Completed" and running:
            ready_condition = any(c.get("type") == "Ready" and c.get("status") == "True"
                                  for c in status.get("conditions") or ())
            reason = "Running" if ready_condition else "NotReady"
    if pod["metadata"].get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif status.get("phase") not in ("Succeeded", "Failed"):
            reason = "Terminating"
    shown = f"{restarts} ({age(last_restart, now)} ago)" if restarts and last_restart else str(restarts)
    return f"{ready}/{len(spec.get('containers') or ())}", reason, shown


def _init_reason(spec, status):
    """`Init:1/2`, `Init:CrashLoopBackOff`...: the first init container not done yet, if any."""
    total = len(spec.get("initContainers") or ())
    for i, c in enumerate(status.get("initContainerStatuses") or ()):
        state = c.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated and terminated.get("exitCode") == 0:
            continue
        if terminated:
            return "Init:" + (terminated.get("reason") or (
                f"Signal:{terminated['signal']}" if terminated.get("signal")
                else f"ExitCode:{terminated.get('exitCode')}"))
        if waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            return "Init:" + waiting["reason"]
        return f"Init:{i}/{total}"
    return None


def _readiness_gates(pod, now):
    gates = _get(pod, "spec.readinessGates", ())
    if not gates:
        return "<none>"
    true = {c.get("type") for c in _get(pod, "status.conditions", ()) if c.get("status") == "True"}
    return f"{sum(g.get('conditionType') in true for g in gates)}/{len(gates)}"


def _node_status(node, now):
    ready = next((c for c in _get(node, "status.conditions", ()) if c.get("type") == "Ready"), None)
    status = ["Unknown" if ready is None else "Ready" if ready.get("status") == "True" else "NotReady"]
    if _get(node, "spec.unschedulable"):
        status.append("SchedulingDisabled")
    return ",".join(status)


def _node_roles(node, now):
    labels = node["metadata"].get("labels") or {}
    roles = {key.split("/", 1)[1] for key in labels
             if key.startswith("node-role.kubernetes.io/") and key != "node-role.kubernetes.io/"}
    if labels.get("kubernetes.io/role"):
        roles.add(labels["kubernetes.io/role"])
    return ",".join(sorted(roles)) or "<none>"


def _node_address(kind):
    return lambda node, now: next((a.get("address") for a in _get(node, "status.addresses", ())
                                   if a.get("type") == kind), "<none>")


def _service_external_ip(svc, now):
    spec = svc.get("spec") or {}
    external = spec.get("externalIPs") or []
    kind = spec.get("type", "ClusterIP")
    if kind == "ExternalName":
        return spec.get("externalName", "<none>")
    if kind == "LoadBalancer":
        ingress = [i.get("ip") or i.get("hostname") for i in _get(svc, "status.loadBalancer.ingress", ())]
        return ",".join(filter(None, ingress + external)) or "<pending>"
    return ",".join(external) or "<none>"


def _service_ports(svc, now):
    ports = [f"{p.get('port')}:{p['nodePort']}/{p.get('protocol', 'TCP')}" if p.get("nodePort")
             else f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in _get(svc, "spec.ports", ())]
    return ",".join(ports) or "<none>"


def _labels(mapping):
    return ",".join(f"{k}={v}" for k, v in sorted(mapping.items())) or "<none>"


def _event_object(event, now):
    involved = event.get("involvedObject") or {}
    kind = involved.get("kind", "").lower()
    return f"{kind}/{involved['name']}" if involved.get("name") else kind


def _event_last_seen(event, now):
    return age(event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp"), now)


COLUMNS = {
    "Pod": (
        NAME,
        Column("READY", lambda o, now: _pod_state(o, now)[0]),
        Column("STATUS", lambda o, now: _pod_state(o, now)[1]),
        Column("RESTARTS", lambda o, now: _pod_state(o, now)[2]),
        AGE,
        _field("status.podIP", wide=True, header="IP"),
        _field("spec.nodeName", wide=True, header="NODE"),
        _field("status.nominatedNodeName", wide=True, header="NOMINATED NODE"),
        Column("READINESS GATES", _readiness_gates, True),
    ),
    "Node": (
        NAME,
        Column("STATUS", _node_status),
        Column("ROLES", _node_roles),
        AGE,
        _field("status.nodeInfo.kubeletVersion", "", header="VERSION"),
        Column("INTERNAL-IP", _node_address("InternalIP"), True),
        Column("EXTERNAL-IP", _node_address("ExternalIP"), True),
        _field("status.nodeInfo.osImage", "<unknown>", True, "OS-IMAGE"),
        _field("status.nodeInfo.kernelVersion", "<unknown>", True, "KERNEL-VERSION"),
        _field("status.nodeInfo.containerRuntimeVersion", "<unknown>", True, "CONTAINER-RUNTIME"),
    ),
    "Deployment": (
        NAME,
        Column("READY", lambda o, now: f"{_get(o, 'status.readyReplicas', 0)}/{_get(o, 'spec.replicas', 1)}"),
        _field("status.updatedReplicas", 0, header="UP-TO-DATE"),
        _field("status.availableReplicas", 0, header="AVAILABLE"),
        AGE,
        *_template_columns(),
    ),
    "ReplicaSet": (
        NAME,
        _field("spec.replicas", 1, header="DESIRED"),
        _field("status.replicas", 0, header="CURRENT"),
        _field("status.readyReplicas", 0, header="READY"),
        AGE,
        *_template_columns(),
    ),
    "Service": (
        NAME,
        _field("spec.type", "ClusterIP", header="TYPE"),
        _field("spec.clusterIP", header="CLUSTER-IP"),
        Column("EXTERNAL-IP", _service_external_ip),
        Column("PORT(S)", _service_ports),
        AGE,
        Column("SELECTOR", lambda o, now: _labels(_get(o, "spec.selector", {})), True),
    ),
    "Namespace": (NAME, _field("status.phase", "", header="STATUS"), AGE),
    "ConfigMap": (NAME, Column("DATA", _count("data", "binaryData")), AGE),
    "Secret": (NAME, _field("type", "", header="TYPE"), Column("DATA", _count("data")), AGE),
    "Event": (
        Column("LAST SEEN", _event_last_seen),
        _field("type", "", header="TYPE"),
        _field("reason", "", header="REASON"),
        Column("OBJECT", _event_object),
        _field("message", "", header="MESSAGE"),
    ),
}
