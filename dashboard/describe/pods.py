"""`kubectl describe pod`, and the parts of it that workloads share: containers, the pod
template, volumes and tolerations."""
from cluster.printers.fields import get, parse_time
from cluster.printers.format import human_duration, since
from dashboard import podstate

from . import common
from .parts import (
    NONE,
    UNSET,
    Badge,
    Field,
    Fields,
    Lines,
    go_text,
    or_none,
    resource_fields,
    rfc1123z,
)


def describe_pod(pod, now):
    meta, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    fields = [common.name(pod), common.namespace(pod)]
    if spec.get("priority") is not None:
        fields.append(Field("Priority", str(spec["priority"])))
    if spec.get("priorityClassName"):
        fields.append(Field("Priority Class Name", spec["priorityClassName"]))
    if spec.get("serviceAccountName"):
        fields.append(Field("Service Account", spec["serviceAccountName"]))
    fields.append(_node(spec, status))
    if status.get("startTime"):
        fields.append(Field("Start Time", rfc1123z(status["startTime"])))
    fields += [common.labels(meta.get("labels")), common.annotations(meta.get("annotations"))]
    fields += _status(pod, now)
    fields += [Field("IP", status.get("podIP", "")), _ips(status)]
    fields += common.controlled_by(pod)
    if status.get("nominatedNodeName"):
        fields.append(Field("NominatedNodeName", status["nominatedNodeName"]))
    if spec.get("initContainers"):
        fields.append(containers("Init Containers", spec["initContainers"],
                                 status.get("initContainerStatuses") or ()))
    fields.append(containers("Containers", spec.get("containers") or (),
                             status.get("containerStatuses") or ()))
    fields += common.conditions(pod, ("type", "status"))
    fields += [volumes(spec.get("volumes")), Field("QoS Class", qos_class(pod)),
               common.labels(spec.get("nodeSelector"), "Node-Selectors"),
               tolerations(spec.get("tolerations"))]
    return fields + common.dependents(pod, now) + [common.events(pod, now)]


def _node(spec, status):
    node = spec.get("nodeName")
    if not node:
        return Field("Node", NONE)
    return Field("Node", common.ref_link("Node", "", node, f"{node}/{status.get('hostIP', '')}"))


def _status(pod, now):
    """Status (a badge in the pod's lifecycle state), and while deleting its grace period."""
    meta, status = pod["metadata"], pod.get("status") or {}
    css = podstate.CSS[podstate.chip_state(pod)]
    phase = status.get("phase", "")
    if meta.get("deletionTimestamp") and phase not in ("Failed", "Succeeded"):
        fields = [Field("Status", Badge(f"Terminating ({_terminating(meta, now)})", css)),
                  Field("Termination Grace Period",
                        f"{meta.get('deletionGracePeriodSeconds', 0)}s")]
    else:
        fields = [Field("Status", Badge(phase, css))]
    for key in ("reason", "message"):
        if status.get(key):
            fields.append(Field(key.capitalize(), status[key]))
    return fields


def _terminating(meta, now):
    """kubectl's `lasts 2m` once the grace period is over; while it runs, kubectl would say
    `lasts <invalid>` (the deletion time is ahead): say when the grace period ends instead."""
    ends = parse_time(meta["deletionTimestamp"])
    if ends is not None and ends > now:
        return f"grace period ends in {human_duration(ends - now)}"
    return f"lasts {since(meta['deletionTimestamp'], now)}"


def _ips(status):
    ips = status.get("podIPs") or ()
    if not ips:
        return Field("IPs", NONE)
    return Field("IPs", Fields(Field("IP", ip.get("ip", "")) for ip in ips))


def containers(label, specs, statuses=None):
    """The containers with, for a pod, their state from `statuses` (describeContainers)."""
    by_name = {s.get("name"): s for s in statuses or ()}
    if not specs:
        return Field(label, NONE)
    return Field(label, Fields(
        Field(c.get("name", ""), Fields(_container(c, by_name.get(c.get("name"))))) for c in specs))


def _container(spec, status):
    """One container: what its spec asks for and, when the pod reports on it, its state."""
    fields = []
    if status is not None:
        fields.append(Field("Container ID", status.get("containerID", "")))
    fields.append(Field("Image", spec.get("image", "")))
    if status is not None:
        fields.append(Field("Image ID", status.get("imageID", "")))
    fields += _ports(spec.get("ports") or ())
    for key, label in (("command", "Command"), ("args", "Args")):
        if spec.get(key):
            fields.append(Field(label, Lines(line for part in spec[key]
                                             for line in str(part).split("\n"))))
    if status is not None:
        fields += _state("State", status.get("state") or {})
        if (status.get("lastState") or {}).get("terminated"):
            fields += _state("Last State", status["lastState"])
        fields += [Field("Ready", "True" if status.get("ready") else "False"),
                   Field("Restart Count", str(status.get("restartCount", 0)))]
    fields += _resources(spec.get("resources") or {})
    fields += _probes(spec)
    fields += _env(spec)
    fields.append(_mounts(spec.get("volumeMounts") or ()))
    return fields


def _ports(ports):
    """Port: 80/TCP (Ports: with several), Host Port: 0/TCP."""
    container = ", ".join(f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in ports)
    host = ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
    return [Field("Ports" if "," in container else "Port", or_none(container)),
            Field("Host Ports" if "," in host else "Host Port", or_none(host))]


def _state(label, state):
    """describeStatus: the state's word as a badge, then its details."""
    if "running" in state:
        return [Field(label, Badge("Running", "state-ok")),
                Field("Started", rfc1123z(state["running"].get("startedAt")))]
    if "terminated" in state:
        done = state["terminated"]
        css = "state-idle" if done.get("exitCode") == 0 else "state-bad"
        fields = [Field(label, Badge("Terminated", css))]
        fields += [Field(key.capitalize(), done[key]) for key in ("reason", "message")
                   if done.get(key)]
        fields.append(Field("Exit Code", str(done.get("exitCode", 0))))
        if done.get("signal"):
            fields.append(Field("Signal", str(done["signal"])))
        return fields + [Field("Started", rfc1123z(done.get("startedAt"))),
                         Field("Finished", rfc1123z(done.get("finishedAt")))]
    reason = (state.get("waiting") or {}).get("reason", "")
    fields = [Field(label, Badge("Waiting", podstate.CSS.get(_waiting_state(reason),
                                                             "state-warn")))]
    return fields + ([Field("Reason", reason)] if reason else [])


def _waiting_state(reason):
    return podstate.state_of({"spec": {"nodeName": "-"}, "status": {}}, reason)


def _resources(resources):
    fields = []
    for key, label in (("limits", "Limits"), ("requests", "Requests")):
        if resources.get(key):
            fields.append(Field(label, resource_fields(resources[key])))
    return fields


def _probes(spec):
    return [Field(label, describe_probe(spec[key]))
            for key, label in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"),
                               ("startupProbe", "Startup")) if spec.get(key)]


def describe_probe(probe):
    """DescribeProbe: `http-get http://:80/ delay=0s timeout=1s period=10s #success=1
    #failure=3`."""
    attrs = (f"delay={probe.get('initialDelaySeconds', 0)}s "
             f"timeout={probe.get('timeoutSeconds', 1)}s period={probe.get('periodSeconds', 10)}s "
             f"#success={probe.get('successThreshold', 1)} "
             f"#failure={probe.get('failureThreshold', 3)}")
    if probe.get("exec"):
        return f"exec [{' '.join(probe['exec'].get('command') or ())}] {attrs}"
    if probe.get("httpGet"):
        http = probe["httpGet"]
        scheme = str(http.get("scheme", "HTTP")).lower()
        host = http.get("host", "")
        port = f":{http['port']}" if http.get("port") not in (None, "") else ""
        return f"http-get {scheme}://{host}{port}{http.get('path', '')} {attrs}"
    if probe.get("tcpSocket"):
        tcp = probe["tcpSocket"]
        return f"tcp-socket {tcp.get('host', '')}:{tcp.get('port', '')} {attrs}"
    if probe.get("grpc"):
        grpc = probe["grpc"]
        return f"grpc <pod>:{grpc.get('port')} {grpc.get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _env(spec):
    fields = []
    if spec.get("envFrom"):
        fields.append(Field("Environment Variables from", Lines(map(_env_from, spec["envFrom"]))))
    env = spec.get("env") or ()
    fields.append(Field("Environment", Fields(map(_env_var, env)) if env else NONE))
    return fields


def _env_from(source):
    ref, kind = ((source["configMapRef"], "ConfigMap") if source.get("configMapRef")
                 else (source.get("secretRef") or {}, "Secret"))
    prefix = f" with prefix '{source['prefix']}'" if source.get("prefix") else ""
    return f"{ref.get('name', '')}  {kind}{prefix}  Optional: {_optional(ref)}"


def _env_var(var):
    source = var.get("valueFrom")
    if not source:
        return Field(var.get("name", ""), str(var.get("value", "")))
    if source.get("fieldRef"):
        ref = source["fieldRef"]
        value = f"({ref.get('apiVersion', 'v1')}:{ref.get('fieldPath', '')})"
    elif source.get("resourceFieldRef"):
        value = f"({source['resourceFieldRef'].get('resource', '')})"
    elif source.get("secretKeyRef"):
        ref = source["secretKeyRef"]
        value = (f"<set to the key '{ref.get('key', '')}' in secret '{ref.get('name', '')}'>  "
                 f"Optional: {_optional(ref)}")
    else:
        ref = source.get("configMapKeyRef") or {}
        value = (f"<set to the key '{ref.get('key', '')}' of config map '{ref.get('name', '')}'>"
                 f"  Optional: {_optional(ref)}")
    return Field(var.get("name", ""), value)


def _optional(ref):
    return "true" if ref.get("optional") else "false"


def _mounts(mounts):
    if not mounts:
        return Field("Mounts", NONE)
    lines = []
    for m in sorted(mounts, key=lambda m: m.get("mountPath", "")):
        flags = ["ro" if m.get("readOnly") else "rw"]
        if m.get("subPath"):
            flags.append(f'path="{m["subPath"]}"')
        lines.append(f"{m.get('mountPath', '')} from {m.get('name', '')} ({','.join(flags)})")
    return Field("Mounts", Lines(lines))


# The volume sources kubectl describes, with its words for each.
VOLUME_TYPES = {
    "emptyDir": ("EmptyDir (a temporary directory that shares a pod's lifetime)",
                 (("Medium", "medium", ""), ("SizeLimit", "sizeLimit", UNSET))),
    "hostPath": ("HostPath (bare host directory volume)",
                 (("Path", "path", ""), ("HostPathType", "type", NONE))),
    "configMap": ("ConfigMap (a volume populated by a ConfigMap)",
                  (("Name", "name", ""), ("Optional", "optional", False))),
    "secret": ("Secret (a volume populated by a Secret)",
               (("SecretName", "secretName", ""), ("Optional", "optional", False))),
    "persistentVolumeClaim": (
        "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
        (("ClaimName", "claimName", ""), ("ReadOnly", "readOnly", False))),
    "projected": ("Projected (a volume that contains injected data from multiple sources)", ()),
    "downwardAPI": ("DownwardAPI (a volume populated by information about the pod)", ()),
}


def volumes(found):
    if not found:
        return Field("Volumes", NONE)
    return Field("Volumes", Fields(Field(v.get("name", ""), Fields(_volume(v))) for v in found))


def _volume(volume):
    source = next((key for key in VOLUME_TYPES if key in volume), None)
    if source is None:
        return [Field("Type", "<unknown>")]
    words, keys = VOLUME_TYPES[source]
    values = volume[source] or {}
    if source == "projected":
        return [Field("Type", words), *_projected_sources(values.get("sources") or ())]
    return [Field("Type", words)] + [Field(label, go_text(values.get(key, default)))
                                     for label, key, default in keys]


def _projected_sources(sources):
    """printProjectedVolumeSource: a line or two per source (kube-api-access has three)."""
    for source in sources:
        if "secret" in source:
            yield Field("SecretName", source["secret"].get("name", ""))
            yield Field("SecretOptionalName", go_text(source["secret"].get("optional")))
        elif "downwardAPI" in source:
            yield Field("DownwardAPI", "true")
        elif "configMap" in source:
            yield Field("ConfigMapName", source["configMap"].get("name", ""))
            yield Field("ConfigMapOptional", go_text(source["configMap"].get("optional")))
        elif "serviceAccountToken" in source:
            yield Field("TokenExpirationSeconds",
                        str(source["serviceAccountToken"].get("expirationSeconds", 3600)))


def tolerations(found, label="Tolerations"):
    """printPodTolerationsMultiline: `key=value:effect op=Exists for 300s`."""
    return Field(label, Lines(map(toleration_text, found or ())) or NONE)


def toleration_text(t):
    text = t.get("key", "")
    if t.get("value"):
        text += f"={t['value']}"
    if t.get("effect"):
        text += f":{t['effect']}"
    if t.get("operator") == "Exists" and not t.get("value"):
        text += " op=Exists" if t.get("key") or t.get("effect") else "op=Exists"
    if t.get("tolerationSeconds") is not None:
        text += f" for {t['tolerationSeconds']}s"
    return text


def qos_class(pod):
    """The pod's QoS class: as its status says, else worked out from its containers."""
    if get(pod, "status.qosClass"):
        return pod["status"]["qosClass"]
    resources = [c.get("resources") or {} for c in get(pod, "spec.containers") or ()]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all((r.get("limits") or {}).get(name) and
                     (r.get("requests") or {}).get(name, r["limits"][name]) == r["limits"][name]
                     for r in resources for name in ("cpu", "memory"))
    return "Guaranteed" if guaranteed else "Burstable"


def pod_template(template):
    """DescribePodTemplate: the template's labels, containers and scheduling constraints."""
    meta, spec = (template or {}).get("metadata") or {}, (template or {}).get("spec") or {}
    fields = [common.labels(meta.get("labels"))]
    if meta.get("annotations"):
        fields.append(common.annotations(meta["annotations"]))
    if spec.get("serviceAccountName"):
        fields.append(Field("Service Account", spec["serviceAccountName"]))
    if spec.get("initContainers"):
        fields.append(containers("Init Containers", spec["initContainers"]))
    fields += [containers("Containers", spec.get("containers") or ()), volumes(spec.get("volumes"))]
    if spec.get("priorityClassName"):
        fields.append(Field("Priority Class Name", spec["priorityClassName"]))
    fields += [common.labels(spec.get("nodeSelector"), "Node-Selectors"),
               tolerations(spec.get("tolerations"))]
    return Field("Pod Template", Fields(fields))

