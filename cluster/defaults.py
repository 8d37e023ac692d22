"""Defaulting, as kube-apiserver fills in what a manifest leaves out (pkg/apis/*/v1/defaults.go,
plus what the admission plugins every cluster runs add to a Pod), so objects read back as a real
cluster's do.

Defaulting runs before validation, so it must leave a value of the wrong type alone for validation
to report; and it runs again on every update, so applying it twice must equal applying it once.
"""
import base64
import copy
import ipaddress
import random

from . import quantity
from .errors import Invalid
from .kinds import BY_KIND
from .models import ApiObject
from .validation import field

SERVICE_CLUSTER_IP_RANGE = ipaddress.ip_network("10.96.0.0/12")
NODE_PORT_RANGE = range(30000, 32768)
# The low addresses are left for Services that ask for a fixed one (10.96.0.10 for DNS...).
_STATIC_IPS = 256
_DEFAULT_TOLERATION_SECONDS = 300
_NOT_READY_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
_VOLUME_FILE_MODE = 0o644  # 420, how configMap, secret, projected and downwardAPI volumes show it
_PROBE_DEFAULTS = (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                   ("failureThreshold", 3))


def apply(kind, obj):
    """Fill in defaults in place."""
    _drop_nulls(obj)
    defaulter = _DEFAULTERS.get(kind.kind)
    if defaulter:
        defaulter(obj)


# --- helpers: every one leaves a value of the wrong type as it is --------------------------------

def _drop_nulls(value):
    """Go decodes null as a field's zero value, which it then omits: drop null fields. A null
    item of a list of objects decodes as an empty one."""
    if isinstance(value, dict):
        for key in [k for k, v in value.items() if v is None]:
            del value[key]
        for item in value.values():
            _drop_nulls(item)
    elif isinstance(value, list):
        value[:] = [{} if item is None else item for item in value]
        for item in value:
            _drop_nulls(item)


def _child(parent, key):
    """The object at parent[key], created empty if unset (as Go's zero value struct); None if
    parent or the value is not an object."""
    if not isinstance(parent, dict):
        return None
    if key not in parent:
        parent[key] = {}
    return parent[key] if isinstance(parent[key], dict) else None


def _existing(parent, key):
    """The object at parent[key] if there is one."""
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else None


def _items(parent, *keys):
    """The objects in the lists at parent[key] for each key."""
    for key in keys:
        items = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(items, list):
            yield from (item for item in items if isinstance(item, dict))


def _default(obj, key, value):
    if obj.get(key) is None or (isinstance(value, str) and obj[key] == ""):
        obj[key] = value


def _default_nonzero(obj, key, value):
    """For fields whose zero value means unset (a probe's periodSeconds: 0 is 10)."""
    if _unset(obj.get(key)):
        obj[key] = value


def _unset(value):
    return value is None or value == "" or (type(value) is int and value == 0)


def _status_counts(obj, *fields):
    """Status counters Go writes even at zero (no omitempty): a new ReplicaSet reads back with
    status.replicas 0, as clients that require the field (the Python client's models) expect."""
    status = _child(obj, "status")
    if status is not None:
        for name in fields:
            _default(status, name, 0)


# --- pods -------------------------------------------------------------------------------------

def _pod(obj):
    spec = _child(obj, "spec")
    if spec is None:
        return
    _pod_spec(spec)
    for container in _items(spec, "containers", "initContainers"):
        _requests_from_limits(_existing(container, "resources"))
    _default(spec, "enableServiceLinks", True)
    if spec.get("hostNetwork") is True:
        for port in _items_of_containers(spec, "ports"):
            _default_nonzero(port, "hostPort", port.get("containerPort"))
    _admission(spec)
    status = _existing(obj, "status")
    if status is not None:
        _default(status, "qosClass", _qos_class(spec))


def _admission(spec):
    """What the ServiceAccount, Priority and DefaultTolerationSeconds admission plugins add."""
    _default(spec, "serviceAccountName", "default")
    _service_account_alias(spec)
    _default(spec, "priority", 0)
    _default(spec, "preemptionPolicy", "PreemptLowerPriority")
    tolerations = spec.setdefault("tolerations", [])
    if not isinstance(tolerations, list):
        return
    for key in _NOT_READY_TAINTS:
        if not any(isinstance(t, dict) and t.get("key") in (key, None, "")
                   and t.get("effect") in ("NoExecute", None, "") for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                                "tolerationSeconds": _DEFAULT_TOLERATION_SECONDS})


def _service_account_alias(spec):
    """v1's serviceAccount is the deprecated name of serviceAccountName: they read back alike."""
    name = spec.get("serviceAccountName") or spec.get("serviceAccount")
    if isinstance(name, str) and name:
        spec["serviceAccountName"] = spec["serviceAccount"] = name


def _pod_template(template):
    _pod_spec(_child(template, "spec"))


def _pod_spec(spec):
    if spec is None:
        return
    _default(spec, "dnsPolicy", "ClusterFirst")
    _default(spec, "restartPolicy", "Always")
    _default(spec, "securityContext", {})
    _default(spec, "terminationGracePeriodSeconds", 30)
    _default(spec, "schedulerName", "default-scheduler")
    _service_account_alias(spec)
    for container in _items(spec, "containers", "initContainers", "ephemeralContainers"):
        _container(container)
    for volume in _items(spec, "volumes"):
        _volume(volume)


def _items_of_containers(spec, key):
    for container in _items(spec, "containers", "initContainers"):
        yield from _items(container, key)


def _container(container):
    image = container.get("image")
    if isinstance(image, str):
        _default(container, "imagePullPolicy", _pull_policy(image))
    _default(container, "terminationMessagePath", "/dev/termination-log")
    _default(container, "terminationMessagePolicy", "File")
    for port in _items(container, "ports"):
        _default(port, "protocol", "TCP")
    resources = _child(container, "resources")
    if resources is not None:
        _canonical_quantities(_existing(resources, "limits"))
        _canonical_quantities(_existing(resources, "requests"))
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(_existing(container, key))
    lifecycle = _existing(container, "lifecycle")
    for key in ("postStart", "preStop"):
        _http_get(_existing(_existing(lifecycle, key), "httpGet"))
    for var in _items(container, "env"):
        source = _existing(var, "valueFrom")
        if _existing(source, "fieldRef") is not None:
            _default(source["fieldRef"], "apiVersion", "v1")
        if _existing(source, "resourceFieldRef") is not None:
            _default(source["resourceFieldRef"], "divisor", "0")


def _pull_policy(image):
    """Always for `:latest` or no tag (docker's default tag is latest), else IfNotPresent."""
    name, _, digest = image.partition("@")
    tag = name.rsplit("/", 1)[-1].partition(":")[2]
    if image and not tag and not digest:
        tag = "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def _probe(probe):
    if probe is None:
        return
    for key, value in _PROBE_DEFAULTS:
        _default_nonzero(probe, key, value)
    _http_get(_existing(probe, "httpGet"))


def _http_get(action):
    if action is not None:
        _default(action, "path", "/")
        _default(action, "scheme", "HTTP")


def _volume(volume):
    # A volume with no source is an emptyDir.
    if not any(isinstance(v, dict) for k, v in volume.items() if k != "name"):
        volume["emptyDir"] = {}
    for key in ("configMap", "secret", "projected", "downwardAPI"):
        if _existing(volume, key) is not None:
            _default(volume[key], "defaultMode", _VOLUME_FILE_MODE)
    if _existing(volume, "hostPath") is not None:
        _default(volume["hostPath"], "type", "")
    empty_dir = _existing(volume, "emptyDir")
    if empty_dir is not None and "sizeLimit" in empty_dir:
        empty_dir["sizeLimit"] = _canonical(empty_dir["sizeLimit"])


def _requests_from_limits(resources):
    """A Pod's container that sets only a limit requests that much."""
    limits, requests = _existing(resources, "limits"), _child(resources, "requests")
    if limits and requests is not None:
        for name, value in limits.items():
            requests.setdefault(name, value)
    if requests == {}:  # nothing was limited: no requests either
        del resources["requests"]


def _qos_class(spec):
    """Guaranteed if every container's CPU and memory requests equal set limits; BestEffort if
    none requests or limits any; Burstable otherwise."""
    guaranteed, best_effort = True, True
    for container in _items(spec, "containers", "initContainers"):
        resources = _existing(container, "resources") or {}
        limits = _existing(resources, "limits") or {}
        requests = _existing(resources, "requests") or {}
        for name in ("cpu", "memory"):
            best_effort = best_effort and name not in limits and name not in requests
            guaranteed = guaranteed and name in limits and _same(requests.get(name), limits[name])
    return "BestEffort" if best_effort else "Guaranteed" if guaranteed else "Burstable"


def _same(a, b):
    try:
        return quantity.parse_quantity(a).value == quantity.parse_quantity(b).value
    except ValueError:
        return False


def _canonical_quantities(values):
    for name, value in (values or {}).items():
        values[name] = _canonical(value)


def _canonical(value):
    """A quantity as the API server writes it back ("0.5" → "500m"); a malformed one unchanged."""
    try:
        return quantity.format_quantity(value)
    except ValueError:
        return value


# --- workloads --------------------------------------------------------------------------------

def _deployment(obj):
    spec = _child(obj, "spec")
    if spec is None:
        return
    _default(spec, "replicas", 1)
    strategy = _child(spec, "strategy")
    if strategy is not None:
        _default(strategy, "type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = _child(strategy, "rollingUpdate")
            if rolling is not None:
                _default(rolling, "maxUnavailable", "25%")
                _default(rolling, "maxSurge", "25%")
    _default(spec, "revisionHistoryLimit", 10)
    _default(spec, "progressDeadlineSeconds", 600)
    _pod_template(_child(spec, "template"))


def _replica_set(obj):
    _status_counts(obj, "replicas")
    spec = _child(obj, "spec")
    if spec is not None:
        _default(spec, "replicas", 1)
        _pod_template(_child(spec, "template"))


def _daemon_set(obj):
    _status_counts(obj, "currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled",
                   "numberReady")
    spec = _child(obj, "spec")
    if spec is None:
        return
    strategy = _child(spec, "updateStrategy")
    if strategy is not None:
        _default(strategy, "type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = _child(strategy, "rollingUpdate")
            if rolling is not None:
                _default(rolling, "maxUnavailable", 1)
                _default(rolling, "maxSurge", 0)
    _default(spec, "revisionHistoryLimit", 10)
    _pod_template(_child(spec, "template"))


def _stateful_set(obj):
    _status_counts(obj, "replicas", "availableReplicas")
    spec = _child(obj, "spec")
    if spec is None:
        return
    _default(spec, "podManagementPolicy", "OrderedReady")
    strategy = _child(spec, "updateStrategy")
    if strategy is not None and not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        strategy.setdefault("rollingUpdate", {})
    rolling = _existing(strategy, "rollingUpdate")
    if rolling is not None and strategy["type"] == "RollingUpdate":
        _default(rolling, "partition", 0)
    retention = _child(spec, "persistentVolumeClaimRetentionPolicy")
    if retention is not None:
        _default(retention, "whenDeleted", "Retain")
        _default(retention, "whenScaled", "Retain")
    _default(spec, "replicas", 1)
    _default(spec, "revisionHistoryLimit", 10)
    _pod_template(_child(spec, "template"))
    for claim in _items(spec, "volumeClaimTemplates"):
        _default(claim, "apiVersion", "v1")
        _default(claim, "kind", "PersistentVolumeClaim")
        _claim_spec(_child(claim, "spec"))
        status = _child(claim, "status")
        if status is not None:
            _default(status, "phase", "Pending")


def _job(obj):
    spec = _child(obj, "spec")
    if spec is None:
        return
    _job_spec(spec)
    labels = (_existing(_existing(spec, "template"), "metadata") or {}).get("labels")
    metadata = _child(obj, "metadata")
    if isinstance(labels, dict) and labels and metadata is not None and not metadata.get("labels"):
        metadata["labels"] = dict(labels)


def _job_spec(spec):
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    _default(spec, "parallelism", 1)
    _default(spec, "backoffLimit", 2 ** 31 - 1 if spec.get("backoffLimitPerIndex") is not None
             else 6)
    _default(spec, "completionMode", "NonIndexed")
    _default(spec, "suspend", False)
    _default(spec, "podReplacementPolicy",
             "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed")
    _pod_template(_child(spec, "template"))


def _cron_job(obj):
    spec = _child(obj, "spec")
    if spec is None:
        return
    _default(spec, "concurrencyPolicy", "Allow")
    _default(spec, "suspend", False)
    _default(spec, "successfulJobsHistoryLimit", 3)
    _default(spec, "failedJobsHistoryLimit", 1)
    # The job template gets pod defaults only: the Job's own are set when a Job is made from it.
    _pod_template(_child(_child(_child(spec, "jobTemplate"), "spec"), "template"))


# --- storage, config --------------------------------------------------------------------------

def _claim_spec(spec):
    if spec is None:
        return
    _default(spec, "volumeMode", "Filesystem")
    resources = _existing(spec, "resources")
    for key in ("requests", "limits"):
        _canonical_quantities(_existing(resources, key))


def _persistent_volume_claim(obj):
    _claim_spec(_child(obj, "spec"))
    status = _existing(obj, "status")
    if status is not None:
        _default(status, "phase", "Pending")


def _persistent_volume(obj):
    spec = _child(obj, "spec")
    if spec is not None:
        _default(spec, "persistentVolumeReclaimPolicy", "Retain")
        _default(spec, "volumeMode", "Filesystem")
        _canonical_quantities(_existing(spec, "capacity"))
    status = _existing(obj, "status")
    if status is not None:
        _default(status, "phase", "Pending")


def _secret(obj):
    _default(obj, "type", "Opaque")
    string_data = obj.get("stringData")
    data = _child(obj, "data")
    # stringData is write-only: the API server merges it into data, where it wins.
    if isinstance(string_data, dict) and data is not None and all(
            isinstance(v, str) for v in string_data.values()):
        data.update({k: base64.b64encode(v.encode()).decode() for k, v in string_data.items()})
        del obj["stringData"]
    if data == {}:  # Go omits an empty map
        del obj["data"]


def _storage_class(obj):
    _default(obj, "reclaimPolicy", "Delete")
    _default(obj, "volumeBindingMode", "Immediate")


def _endpoints(obj):
    for subset in _items(obj, "subsets"):
        for port in _items(subset, "ports"):
            _default(port, "protocol", "TCP")


def _endpoint_slice(obj):
    for port in _items(obj, "ports"):
        _default(port, "protocol", "TCP")


# --- services ---------------------------------------------------------------------------------

def _service(obj):
    spec = _child(obj, "spec")
    if spec is None:
        return
    _default(spec, "type", "ClusterIP")
    _default(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        client_ip = _child(_child(spec, "sessionAffinityConfig"), "clientIP")
        if client_ip is not None:
            _default(client_ip, "timeoutSeconds", 10800)
    for port in _items(spec, "ports"):
        _default(port, "protocol", "TCP")
        if _unset(port.get("targetPort")):
            port["targetPort"] = port.get("port")
    kind = spec["type"]
    if kind in ("NodePort", "LoadBalancer") or (kind == "ClusterIP" and spec.get("externalIPs")):
        _default(spec, "externalTrafficPolicy", "Cluster")
    if kind in ("ClusterIP", "NodePort", "LoadBalancer"):
        _default(spec, "internalTrafficPolicy", "Cluster")
        _allocate(obj, spec)
    if kind == "LoadBalancer":
        _default(spec, "allocateLoadBalancerNodePorts", True)


def _allocate(obj, spec):
    """The registry's part: a cluster IP, and node ports for NodePort and LoadBalancer Services,
    each unique among Services. An update that leaves them out keeps the ones it had."""
    meta = obj.get("metadata") or {}
    others = (ApiObject.objects.filter(group="", kind="Service")
              .exclude(namespace=meta.get("namespace", ""), name=meta.get("name", "")))
    current = ApiObject.objects.filter(group="", kind="Service", namespace=meta.get(
        "namespace", ""), name=meta.get("name", "")).values_list("spec", flat=True).first() or {}
    other_specs = [s or {} for s in others.values_list("spec", flat=True)]
    if current.get("type") != "ExternalName":
        _default(spec, "clusterIP", current.get("clusterIP") or "")
        if not spec.get("clusterIPs") and current.get("clusterIPs"):
            spec["clusterIPs"] = current["clusterIPs"]
    _allocate_cluster_ip(obj, spec, {ip for s in other_specs for ip in s.get("clusterIPs") or ()})
    if spec["type"] in ("NodePort", "LoadBalancer"):
        used = {p.get("nodePort") for s in other_specs for p in s.get("ports") or ()}
        _allocate_node_ports(obj, spec, current, used)


def _allocate_cluster_ip(obj, spec, used):
    ip = spec.get("clusterIP") or (spec.get("clusterIPs") or [""])[0]
    if not isinstance(ip, str):
        return
    if not ip:
        ip = _free_ip(used)
    elif ip != "None" and _parse_ip(ip) is not None:
        _check_ip(obj, spec, ip, used)
    spec["clusterIP"] = ip
    _default(spec, "clusterIPs", [ip])
    _default(spec, "ipFamilies", ["IPv4"])
    _default(spec, "ipFamilyPolicy", "SingleStack")


def _free_ip(used):
    network = SERVICE_CLUSTER_IP_RANGE
    while True:
        ip = str(network[random.randrange(_STATIC_IPS, network.num_addresses - 1)])
        if ip not in used:
            return ip


def _parse_ip(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _check_ip(obj, spec, ip, used):
    if _parse_ip(ip) not in SERVICE_CLUSTER_IP_RANGE:
        why = (f"the provided IP ({ip}) is not in the valid range. The range of valid IPs is "
               f"{SERVICE_CLUSTER_IP_RANGE}")
    elif ip in used:
        why = "provided IP is already allocated"
    else:
        return
    ips = spec.get("clusterIPs") or [ip]
    _invalid(obj, field.invalid("spec.clusterIPs", ips, f"failed to allocate IP {ip}: {why}"))


def _allocate_node_ports(obj, spec, current, used):
    ports = list(_items(spec, "ports"))
    previous = {p.get("name"): p["nodePort"] for p in current.get("ports") or ()
                if p.get("nodePort")}
    taken = used | {p["nodePort"] for p in ports if p.get("nodePort")}
    for i, port in enumerate(ports):
        kept = previous.get(port.get("name"))
        if not port.get("nodePort") and kept and kept not in taken:
            port["nodePort"] = kept
            taken.add(kept)
        if not port.get("nodePort"):
            port["nodePort"] = _free_port(taken)
            taken.add(port["nodePort"])
        elif isinstance(port["nodePort"], int):
            _check_node_port(obj, port["nodePort"], used, f"spec.ports[{i}].nodePort")


def _free_port(taken):
    while True:
        port = random.choice(NODE_PORT_RANGE)
        if port not in taken:
            return port


def _check_node_port(obj, port, used, path):
    if port not in NODE_PORT_RANGE:
        _invalid(obj, field.invalid(path, port, "provided port is not in the valid range. The "
                                                "range of valid ports is 30000-32767"))
    if port in used:
        _invalid(obj, field.invalid(path, port, "provided port is already allocated"))


def _invalid(obj, cause):
    """The registry allocates before validation, and reports a failure as a field error."""
    raise Invalid(BY_KIND[("", "Service")], (obj.get("metadata") or {}).get("name", ""), [cause])


# autoscaling/v2's defaults: the metric of an HPA that names none, and a behavior's rules.
HPA_DEFAULT_METRIC = {"type": "Resource", "resource": {
    "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}
HPA_SCALE_RULES = {
    "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15}]},
    "scaleDown": {"stabilizationWindowSeconds": 300, "selectPolicy": "Max", "policies": [
        {"type": "Percent", "value": 100, "periodSeconds": 15}]},
}


def _horizontal_pod_autoscaler(obj):
    """SetDefaults_HorizontalPodAutoscaler: one replica at least, CPU at 80% when no metric is
    given, and a behavior that is given completed rule by rule."""
    _status_counts(obj, "desiredReplicas")
    spec = _child(obj, "spec")
    if spec is None:
        return
    _default(spec, "minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [copy.deepcopy(HPA_DEFAULT_METRIC)]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        for direction, defaults in HPA_SCALE_RULES.items():
            rules = _child(behavior, direction)
            for key, value in (defaults.items() if rules is not None else ()):
                _default(rules, key, copy.deepcopy(value))


_DEFAULTERS = {
    "Pod": _pod,
    "Deployment": _deployment,
    "ReplicaSet": _replica_set,
    "DaemonSet": _daemon_set,
    "StatefulSet": _stateful_set,
    "HorizontalPodAutoscaler": _horizontal_pod_autoscaler,
    "Job": _job,
    "CronJob": _cron_job,
    "Service": _service,
    "Secret": _secret,
    "PersistentVolumeClaim": _persistent_volume_claim,
    "PersistentVolume": _persistent_volume,
    "StorageClass": _storage_class,
    "Endpoints": _endpoints,
    "EndpointSlice": _endpoint_slice,
}
