"""Services, config maps, secrets and claims (pkg/apis/core/validation)."""
import base64
import ipaddress

from .. import quantity
from . import containers, field, meta, names

SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
SESSION_AFFINITIES = ("ClientIP", "None")
ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
VOLUME_MODES = ("Block", "Filesystem")
MAX_SECRET_SIZE = 1024 * 1024
IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set"
PVC_SPEC_IMMUTABLE = ("spec is immutable after creation except resources.requests and "
                      "volumeAttributesClassName for bound claims")
# Data keys each Secret type must have.
_SECRET_KEYS = {"kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
                "kubernetes.io/dockercfg": (".dockercfg",),
                "kubernetes.io/ssh-auth": ("ssh-privatekey",),
                "kubernetes.io/tls": ("tls.crt", "tls.key")}


def validate_metadata(obj, namespaced, name_errors=names.subdomain_name_errors):
    return meta.validate_object_meta(obj["metadata"], "metadata", name_errors, namespaced)


# --- Service ----------------------------------------------------------------------------------

def validate_service(obj):
    spec = obj.get("spec") or {}
    causes = validate_metadata(obj, True, names.dns1035_name_errors)
    ports, kind = spec.get("ports") or [], spec.get("type") or ""
    headless = spec.get("clusterIP") == "None"
    if not ports and not headless and kind != "ExternalName":
        causes.append(field.required("spec.ports"))
    if kind in ("LoadBalancer", "NodePort") and headless:
        causes.append(field.invalid("spec.clusterIP", "None",
                                    f"may not be set to 'None' for {kind} services"))
    if kind == "ExternalName":
        causes += _validate_external_name(spec)
    names_seen = set()
    for i, port in enumerate(ports):
        causes += _validate_service_port(port, len(ports) > 1, names_seen, f"spec.ports[{i}]")
    causes += meta.validate_labels(spec.get("selector"), "spec.selector")
    causes += field.supported_value("spec.sessionAffinity", spec.get("sessionAffinity"),
                                    SESSION_AFFINITIES)
    causes += field.supported_value("spec.type", kind, SERVICE_TYPES)
    if kind == "ClusterIP":
        causes += [field.forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is "
                                                                 "'ClusterIP'")
                   for i, port in enumerate(ports) if port.get("nodePort")]
    causes += _duplicate_ports(ports)
    return causes + _validate_cluster_ips(spec)


def _validate_external_name(spec):
    causes = [field.forbidden(f"spec.{key}", "may not be set for ExternalName services")
              for key in ("clusterIPs", "ipFamilies", "ipFamilyPolicy") if spec.get(key)]
    cname = (spec.get("externalName") or "").removesuffix(".")
    if not cname:
        return causes + [field.required("spec.externalName")]
    return causes + [field.invalid("spec.externalName", cname, m)
                     for m in names.dns1123_subdomain_errors(cname)]


def _validate_service_port(port, name_required, names_seen, path):
    causes, name = [], port.get("name") or ""
    if name_required and not name:
        causes.append(field.required(f"{path}.name"))
    elif name:
        causes += [field.invalid(f"{path}.name", name, m) for m in names.dns1123_label_errors(name)]
        if name in names_seen:
            causes.append(field.duplicate(f"{path}.name", name))
        names_seen.add(name)
    number = port.get("port") or 0
    causes += [field.invalid(f"{path}.port", number, m) for m in names.port_number_errors(number)]
    causes += field.supported_value(f"{path}.protocol", port.get("protocol"),
                                    containers.PROTOCOLS)
    return causes + containers.validate_port_num_or_name(port.get("targetPort"), f"{path}.targetPort")


def _duplicate_ports(ports):
    causes, node_ports, service_ports = [], set(), set()
    for i, port in enumerate(ports):
        protocol, node_port = port.get("protocol") or "", port.get("nodePort")
        if node_port:
            if (protocol, node_port) in node_ports:
                causes.append(field.duplicate(f"spec.ports[{i}].nodePort", node_port))
            node_ports.add((protocol, node_port))
    for i, port in enumerate(ports):
        key = (port.get("protocol") or "", port.get("port") or 0)
        if key in service_ports:
            causes.append(field.duplicate(f"spec.ports[{i}]", field.GoValue(
                f'core.ServicePort{{Name:"", Protocol:{field.go_quote(key[0])}, '
                f"AppProtocol:(*string)(nil), Port:{key[1]}, TargetPort:"
                f'intstr.IntOrString{{Type:0, IntVal:0, StrVal:""}}, NodePort:0}}')))
        service_ports.add(key)
    return causes


def _validate_cluster_ips(spec):
    causes, ips = [], spec.get("clusterIPs") or []
    if ips and ips[0] != spec.get("clusterIP"):
        causes.append(field.invalid("spec.clusterIPs", ips, "first value must match `clusterIP`"))
    for i, ip in enumerate(ips):
        if ip != "None" and not _is_ip(ip):
            causes.append(field.invalid(f"spec.clusterIPs[{i}]", ip, "must be a valid IP address, "
                                                                     "(e.g. 10.9.8.7 or 2001:db8::ffff)"))
    return causes


def _is_ip(text):
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def validate_service_update(new, old):
    spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    if "ExternalName" in (spec.get("type"), old_spec.get("type")):
        return []
    new_ips, old_ips = spec.get("clusterIPs") or [], old_spec.get("clusterIPs") or []
    if old_ips == ["None"] and new_ips == ["None"]:
        return []
    if old_ips and not new_ips:
        return [field.invalid("spec.clusterIPs[0]", new_ips, "primary clusterIP can not be unset")]
    return [field.invalid(f"spec.clusterIPs[{i}]", new_ips, "may not change once set")
            for i, ip in enumerate(old_ips) if i < len(new_ips) and ip != new_ips[i]]


# --- ConfigMap and Secret ---------------------------------------------------------------------

def validate_config_map(obj):
    causes = validate_metadata(obj, True)
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    causes += _validate_keys(data, "data", binary, "binaryData")
    causes += _validate_keys(binary, "binaryData", data, "data")
    size = sum(len(v.encode()) for v in data.values() if v) + sum(
        len(base64.b64decode(v)) for v in binary.values() if v)
    if size > MAX_SECRET_SIZE:
        causes.append(field.too_long("[]", MAX_SECRET_SIZE))
    return causes


def _validate_keys(data, path, other, other_path):
    causes = []
    for key in data:
        causes += [field.invalid(f"{path}[{key}]", key, m) for m in names.config_map_key_errors(key)]
        if key in other:
            causes.append(field.invalid(f"{path}[{key}]", key,
                                        f"duplicate of key present in {other_path}"))
    return causes


def validate_secret(obj):
    causes, data = validate_metadata(obj, True), obj.get("data") or {}
    for key in data:
        causes += [field.invalid(f"data[{key}]", key, m) for m in names.config_map_key_errors(key)]
    secret_type = obj.get("type") or "Opaque"
    if secret_type == "kubernetes.io/service-account-token":
        account_key = "kubernetes.io/service-account.name"
        if not ((obj["metadata"].get("annotations") or {}).get(account_key)):
            causes.append(field.required(f"metadata.annotations[{account_key}]"))
    elif secret_type == "kubernetes.io/basic-auth" and not {"username", "password"} & set(data):
        causes += [field.required("data[username]"), field.required("data[password]")]
    causes += [field.required(f"data[{key}]") for key in _SECRET_KEYS.get(secret_type, ())
               if key not in data]
    if sum(len(base64.b64decode(v)) for v in data.values() if v) > MAX_SECRET_SIZE:
        causes.append(field.too_long("data", MAX_SECRET_SIZE))
    return causes


def validate_immutable_data(new, old, keys):
    """A ConfigMap or Secret marked immutable keeps its data, and stays immutable."""
    if not old.get("immutable"):
        return []
    causes = [] if new.get("immutable") else [field.forbidden("immutable", IMMUTABLE_WHEN_SET)]
    return causes + [field.forbidden(key, IMMUTABLE_WHEN_SET) for key in keys
                     if (new.get(key) or {}) != (old.get(key) or {})]


def validate_secret_update(new, old):
    causes = []
    if (new.get("type") or "Opaque") != (old.get("type") or "Opaque"):
        causes.append(field.immutable("type", new.get("type")))
    return causes + validate_immutable_data(new, old, ("data",))


# --- PersistentVolumeClaim --------------------------------------------------------------------

def validate_pvc(obj):
    return validate_metadata(obj, True) + validate_pvc_spec(obj.get("spec") or {}, "spec")


def validate_pvc_spec(spec, path):
    modes, causes = spec.get("accessModes") or [], []
    if not modes:
        causes.append(field.required(f"{path}.accessModes", "at least 1 access mode is required"))
    causes += meta.validate_label_selector(spec.get("selector"), f"{path}.selector")
    causes += [field.not_supported(f"{path}.accessModes", mode, ACCESS_MODES)
               for mode in modes if mode not in ACCESS_MODES]
    if "ReadWriteOncePod" in modes and len(set(modes)) > 1:
        causes.append(field.forbidden(f"{path}.accessModes",
                                      "may not use ReadWriteOncePod with other access modes"))
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    if storage is None:
        causes.append(field.required(f"{path}.resources[storage]"))
    elif quantity.parse_quantity(storage).value <= 0:
        causes.append(field.invalid(f"{path}.resources[storage]",
                                    quantity.format_quantity(storage), "must be greater than zero"))
    class_name = spec.get("storageClassName")
    if class_name:
        causes += [field.invalid(f"{path}.storageClassName", class_name, m)
                   for m in names.subdomain_name_errors(class_name)]
    mode = spec.get("volumeMode")
    if mode is not None and mode not in VOLUME_MODES:
        causes.append(field.not_supported(f"{path}.volumeMode", mode, VOLUME_MODES))
    return causes


def validate_pvc_update(new, old):
    spec, old_spec = dict(new.get("spec") or {}), dict(old.get("spec") or {})
    if not old_spec.get("volumeName"):  # the binder sets it, once
        old_spec["volumeName"] = spec.get("volumeName")
    bound = (new.get("status") or {}).get("phase") == "Bound"
    for s in (spec, old_spec):  # a bound claim may be resized
        if bound:
            s["resources"] = {**(s.get("resources") or {}), "requests": None}
        s.pop("volumeAttributesClassName", None)
    causes = [] if _significant(spec) == _significant(old_spec) else [
        field.forbidden("spec", PVC_SPEC_IMMUTABLE)]
    new_size, old_size = (_storage(new), _storage(old))
    if new_size is not None and old_size is not None and new_size < old_size:
        causes.append(field.forbidden("spec.resources.requests.storage",
                                      "field can not be less than previous value"))
    return causes


def _significant(spec):
    return {k: v for k, v in spec.items() if v is not None}


def _storage(claim):
    storage = (((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}).get(
        "storage")
    return None if storage is None else quantity.parse_quantity(storage).value
