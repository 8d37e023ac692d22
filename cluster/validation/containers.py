"""Containers of a pod spec: names, images, ports, env, mounts, resources, probes
(validateContainerCommon and friends in pkg/apis/core/validation)."""
from .. import quantity
from . import field, names

PROTOCOLS = ("SCTP", "TCP", "UDP")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
_CONTAINER_RESOURCES = {"cpu", "memory", "ephemeral-storage"}
_STANDARD_RESOURCES = _CONTAINER_RESOURCES | {"pods", "services", "storage", "configmaps", "secrets",
                                              "persistentvolumeclaims", "resourcequotas",
                                              "replicationcontrollers"}
_NOT_FOR_INIT = "may not be set for init containers without restartPolicy=Always"


def validate_containers(containers, volumes, path):
    if not containers:
        return [field.required(path)]
    causes, seen = [], set()
    for i, ctr in enumerate(containers):
        at = f"{path}[{i}]"
        causes += _validate_common(ctr, volumes, at)
        name = ctr.get("name") or ""
        if name in seen:
            causes.append(field.duplicate(f"{at}.name", name))
        seen.add(name)
        causes += _validate_probe(ctr.get("livenessProbe"), f"{at}.livenessProbe", single_success=True)
        causes += _validate_probe(ctr.get("readinessProbe"), f"{at}.readinessProbe")
        causes += _validate_probe(ctr.get("startupProbe"), f"{at}.startupProbe", single_success=True)
    return causes


def validate_init_containers(init_containers, containers, volumes, path):
    causes, seen = [], {c.get("name") or "" for c in containers or ()}
    for i, ctr in enumerate(init_containers or ()):
        at = f"{path}[{i}]"
        causes += _validate_common(ctr, volumes, at)
        name = ctr.get("name") or ""
        if name in seen:
            causes.append(field.duplicate(f"{at}.name", name))
        elif name:
            seen.add(name)
        if ctr.get("restartPolicy") == "Always":  # a sidecar: probed like a regular container
            causes += _validate_probe(ctr.get("livenessProbe"), f"{at}.livenessProbe", True)
            causes += _validate_probe(ctr.get("readinessProbe"), f"{at}.readinessProbe")
            causes += _validate_probe(ctr.get("startupProbe"), f"{at}.startupProbe", True)
        else:
            causes += [field.forbidden(f"{at}.{key}", _NOT_FOR_INIT)
                       for key in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")
                       if ctr.get(key) is not None]
    return causes


def _validate_common(ctr, volumes, path):
    causes, name = [], ctr.get("name")
    if not name:
        causes.append(field.required(f"{path}.name"))
    else:
        causes += [field.invalid(f"{path}.name", name, m) for m in names.dns1123_label_errors(name)]
    if not ctr.get("image"):
        causes.append(field.required(f"{path}.image"))
    causes += field.supported_value(f"{path}.terminationMessagePolicy",
                                    ctr.get("terminationMessagePolicy"), TERMINATION_MESSAGE_POLICIES)
    causes += _validate_ports(ctr.get("ports") or (), f"{path}.ports")
    causes += _validate_env(ctr.get("env") or (), f"{path}.env")
    causes += _validate_mounts(ctr.get("volumeMounts") or (), volumes, f"{path}.volumeMounts")
    causes += field.supported_value(f"{path}.imagePullPolicy", ctr.get("imagePullPolicy"),
                                    PULL_POLICIES)
    causes += validate_resources(ctr.get("resources") or {}, f"{path}.resources")
    return causes


def _validate_ports(ports, path):
    causes, seen = [], set()
    for i, port in enumerate(ports):
        at, name = f"{path}[{i}]", port.get("name")
        if name:
            errors = names.port_name_errors(name)
            causes += [field.invalid(f"{at}.name", name, m) for m in errors]
            if not errors and name in seen:
                causes.append(field.duplicate(f"{at}.name", name))
            seen.add(name)
        if not port.get("containerPort"):
            causes.append(field.required(f"{at}.containerPort"))
        else:
            causes += _port_number(port["containerPort"], f"{at}.containerPort")
        if port.get("hostPort"):
            causes += _port_number(port["hostPort"], f"{at}.hostPort")
        causes += field.supported_value(f"{at}.protocol", port.get("protocol"), PROTOCOLS)
    return causes


def _port_number(port, path):
    return [field.invalid(path, port, m) for m in names.port_number_errors(port)]


def validate_port_num_or_name(port, path):
    """ValidatePortNumOrName, for an IntOrString port (targetPort, a probe's port)."""
    if isinstance(port, str):
        return [field.invalid(path, port, m) for m in names.port_name_errors(port)]
    return _port_number(port or 0, path)


def _validate_env(env, path):
    causes = []
    for i, var in enumerate(env):
        at, name = f"{path}[{i}]", var.get("name")
        if not name:
            causes.append(field.required(f"{at}.name"))
        else:
            causes += [field.invalid(f"{at}.name", name, m) for m in names.env_var_name_errors(name)]
        source = var.get("valueFrom")
        if source and var.get("value"):
            causes.append(field.invalid(f"{at}.valueFrom", "",
                                        "may not be specified when `value` is not empty"))
        for ref in ("configMapKeyRef", "secretKeyRef"):
            selector = (source or {}).get(ref)
            if selector is not None:
                causes += _validate_key_selector(selector, f"{at}.valueFrom.{ref}")
    return causes


def _validate_key_selector(selector, path):
    causes = [] if selector.get("name") else [field.required(f"{path}.name")]
    key = selector.get("key")
    if not key:
        return causes + [field.required(f"{path}.key")]
    return causes + [field.invalid(f"{path}.key", key, m) for m in names.config_map_key_errors(key)]


def _validate_mounts(mounts, volumes, path):
    causes, mount_paths = [], set()
    for i, mount in enumerate(mounts):
        at, name, mount_path = f"{path}[{i}]", mount.get("name") or "", mount.get("mountPath") or ""
        if not name:
            causes.append(field.required(f"{at}.name"))
        if name not in volumes:
            causes.append(field.not_found(f"{at}.name", name))
        if not mount_path:
            causes.append(field.required(f"{at}.mountPath"))
        if mount_path in mount_paths:
            causes.append(field.invalid(f"{at}.mountPath", mount_path, "must be unique"))
        mount_paths.add(mount_path)
    return causes


# --- resources --------------------------------------------------------------------------------

def validate_resources(resources, path):
    causes, limits = [], resources.get("limits") or {}
    for name, value in limits.items():
        causes += _validate_resource(name, value, f"{path}.limits[{name}]")
    for name, value in (resources.get("requests") or {}).items():
        causes += _validate_resource(name, value, f"{path}.requests[{name}]")
        causes += _request_within_limit(name, value, limits, path)
    return causes


def _validate_resource(name, value, path):
    causes = [field.invalid(path, name, m) for m in names.label_key_errors(name)]
    if causes:
        return causes
    if "/" not in name:
        if name not in _STANDARD_RESOURCES and not name.startswith("hugepages-"):
            causes.append(field.invalid(path, name, "must be a standard resource type or fully "
                                                    "qualified"))
        if name not in _CONTAINER_RESOURCES and not name.startswith("hugepages-"):
            causes.append(field.invalid(path, name, "must be a standard resource for containers"))
    elif not _is_native(name) and not _is_extended(name):
        causes.append(field.invalid(path, name, "doesn't follow extended resource name standard"))
    q = quantity.parse_quantity(value)
    if q.value < 0:
        causes.append(field.invalid(path, str(q), "must be greater than or equal to 0"))
    return causes


def _request_within_limit(name, request, limits, path):
    request = quantity.parse_quantity(request)
    if name not in limits:
        if _overcommit_allowed(name):
            return []
        return [field.required(f"{path}.limits", "Limit must be set for non overcommitable "
                                                 "resources")]
    limit = quantity.parse_quantity(limits[name])
    if request.value != limit.value and not _overcommit_allowed(name):
        return [field.invalid(f"{path}.requests", str(request),
                              f"must be equal to {name} limit of {limit}")]
    if request.value > limit.value:
        return [field.invalid(f"{path}.requests", str(request),
                              f"must be less than or equal to {name} limit of {limit}")]
    return []


def _is_native(name):
    return "/" not in name or "kubernetes.io/" in name


def _is_extended(name):
    return not names.label_key_errors(f"requests.{name}")


def _overcommit_allowed(name):
    return _is_native(name) and not name.startswith("hugepages-")


# --- probes -----------------------------------------------------------------------------------

def _validate_probe(probe, path, single_success=False):
    if probe is None:
        return []
    causes = _validate_handler(probe, path)
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                "failureThreshold"):
        causes += field.nonnegative(f"{path}.{key}", probe.get(key))
    if single_success and probe.get("successThreshold", 1) != 1:
        causes.append(field.invalid(f"{path}.successThreshold", probe["successThreshold"],
                                    "must be 1"))
    return causes


def _validate_handler(probe, path):
    causes, handlers = [], 0
    for kind in ("exec", "httpGet", "tcpSocket", "grpc"):
        action = probe.get(kind)
        if action is None:
            continue
        if handlers:
            causes.append(field.forbidden(f"{path}.{kind}", "may not specify more than 1 handler "
                                                            "type"))
            continue
        handlers += 1
        causes += _validate_action(kind, action, f"{path}.{kind}")
    if not handlers:
        causes.append(field.required(path, "must specify a handler type"))
    return causes


def _validate_action(kind, action, path):
    if kind == "exec":
        return [] if action.get("command") else [field.required(f"{path}.command")]
    if kind == "grpc":
        return _port_number(action.get("port") or 0, f"{path}.port")
    port = validate_port_num_or_name(action.get("port"), f"{path}.port")
    if kind == "tcpSocket":
        return port
    causes = ([] if action.get("path") else [field.required(f"{path}.path")]) + port
    scheme = action.get("scheme") or ""
    if scheme not in ("HTTP", "HTTPS"):
        causes.append(field.not_supported(f"{path}.scheme", scheme, ("HTTP", "HTTPS")))
    return causes
