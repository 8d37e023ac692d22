"""`kubectl describe` for Services, Namespaces and Secrets, and kubectl's generic describer
(every field of the object, labelled in words) for the other kinds."""
import base64
import binascii
import re

from cluster import kinds, printers, store
from cluster.printers.fields import get

from . import common
from .parts import NONE, Badge, Field, Fields, Lines, go_text

ENDPOINT_SLICE = kinds.BY_KIND[("discovery.k8s.io", "EndpointSlice")]
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MAX_ENDPOINTS = 3  # formatEndpointSlices shows this many, then "+ N more..."
NAMESPACE_CONDITION_COLUMNS = ("type", "status", "lastTransitionTime", "reason", "message")


def describe_service(svc, now):
    spec, meta = svc.get("spec") or {}, svc["metadata"]
    fields = common.metadata(svc) + [
        Field("Selector", printers.format_labels(spec.get("selector"))),
        Field("Type", spec.get("type", ""))]
    if spec.get("ipFamilyPolicy"):
        fields.append(Field("IP Family Policy", spec["ipFamilyPolicy"]))
    fields += [Field("IP Families", ",".join(spec.get("ipFamilies") or ()) or NONE),
               Field("IP", spec.get("clusterIP", "")),
               Field("IPs", ",".join(spec.get("clusterIPs") or ()) or NONE)]
    if spec.get("externalIPs"):
        fields.append(Field("External IPs", ",".join(spec["externalIPs"])))
    if spec.get("externalName"):
        fields.append(Field("External Name", spec["externalName"]))
    slices = store.list_objects(ENDPOINT_SLICE, meta["namespace"],
                                label_selector=f"{SERVICE_NAME_LABEL}={meta['name']}").items
    for port in spec.get("ports") or ():
        fields += _port(port, slices)
    fields.append(Field("Session Affinity", spec.get("sessionAffinity", "")))
    for label, key in (("External Traffic Policy", "externalTrafficPolicy"),
                       ("Internal Traffic Policy", "internalTrafficPolicy")):
        if spec.get(key):
            fields.append(Field(label, spec[key]))
    return fields + common.controlled_by(svc) + common.dependents(svc, now) + [
        common.events(svc, now)]


def _port(port, slices):
    name, protocol = port.get("name") or "<unset>", port.get("protocol", "TCP")
    fields = [Field("Port", f"{name}  {port.get('port')}/{protocol}"),
              Field("TargetPort", f"{port.get('targetPort', port.get('port'))}/{protocol}")]
    if port.get("nodePort"):
        fields.append(Field("NodePort", f"{name}  {port['nodePort']}/{protocol}"))
    return fields + [Field("Endpoints", endpoints_text(slices, port.get("name") or ""))]


def endpoints_text(slices, port_name):
    """formatEndpointSlices: the ready endpoints of one port, `ip:port`, three at most."""
    if not slices:
        return NONE
    found = []
    for endpoint_slice in slices:
        ports = [p for p in endpoint_slice.get("ports") or () if (p.get("name") or "") == port_name]
        for endpoint in endpoint_slice.get("endpoints") or ():
            if (endpoint.get("conditions") or {}).get("ready") is False:
                continue
            address = (endpoint.get("addresses") or [""])[0]
            if not endpoint_slice.get("ports"):
                found.append(address)
            found += [f"{address}:{p.get('port')}" for p in ports]
    text = ",".join(found[:MAX_ENDPOINTS])
    more = len(found) - MAX_ENDPOINTS
    return f"{text} + {more} more..." if more > 0 else text


def describe_namespace(ns, now):
    phase = get(ns, "status.phase", "")
    fields = [common.name(ns), common.labels(ns["metadata"].get("labels")),
              common.annotations(ns["metadata"].get("annotations")),
              Field("Status", Badge(phase))]
    fields += common.conditions(ns, NAMESPACE_CONDITION_COLUMNS)
    return fields + common.dependents(ns, now) + [common.events(ns, now)]


def describe_secret(secret, now):
    """The keys of a Secret's data and their sizes, never its values."""
    fields = common.metadata(secret) + common.controlled_by(secret)
    fields.append(Field("Type", secret.get("type", "")))
    data = secret.get("data") or {}
    fields.append(Field("Data", Fields(Field(key, f"{_size(value)} bytes")
                                       for key, value in sorted(data.items())) or NONE))
    return fields + common.dependents(secret, now) + [common.events(secret, now)]


def _size(value):
    try:
        return len(base64.b64decode(value or "", validate=True))
    except (binascii.Error, TypeError, ValueError):
        return len(str(value))


# genericDescriber: everything but these, which the description has shown already.
SKIPPED = {".metadata.managedFields", ".metadata.name", ".metadata.namespace",
           ".metadata.labels", ".metadata.annotations"}


def describe_generic(obj, now):
    fields = [common.name(obj), common.namespace(obj), common.labels(get(obj, "metadata.labels")),
              common.annotations(get(obj, "metadata.annotations"))]
    fields += common.controlled_by(obj) + content_fields(obj)
    return fields + common.dependents(obj, now) + [common.events(obj, now)]


def content_fields(content, path=""):
    """printUnstructuredContent: each field by its smart label, maps and lists nested."""
    fields = []
    for key in sorted(content):
        where, value = f"{path}.{key}", content[key]
        if where in SKIPPED:
            continue
        if isinstance(value, dict):
            fields.append(Field(smart_label(key), Fields(content_fields(value, where))))
        elif isinstance(value, list):
            fields.append(Field(smart_label(key), _items(value, where)))
        else:
            fields.append(Field(smart_label(key), go_text(value)))
    return fields


def _items(values, path):
    if all(isinstance(v, dict) for v in values) and values:
        return Fields(Field("-", Fields(content_fields(v, path))) for v in values)
    return Lines(go_text(v) for v in values) or NONE


# fatih/camelcase's split: runs of lower case, upper case (the last capital starting a word),
# digits, anything else.
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z][a-z]+|[a-z]+|[A-Z]+|[0-9]+|[^A-Za-z0-9]+")
_ACRONYMS = ("API", "URL", "UID", "GUID")


def smart_label(field):
    """smartLabelFor: `apiVersion` → `API Version`, `podCIDR` → `Pod CIDR`; a key with other
    characters than letters and `-` as it is."""
    if not field or any(not (c.isalpha() or c == "-") for c in field):
        return field
    parts, merged, i = _CAMEL.findall(field), [], 0
    while i < len(parts):
        part = parts[i]
        if (i + 1 < len(parts) and len(part) >= 2 and part.isupper()
                and parts[i + 1][:1].isupper()):
            merged.append(part + parts[i + 1])
            i += 2
            continue
        merged.append(part)
        i += 1
    words = []
    for part in merged:
        if part.upper() in _ACRONYMS:
            part = part.upper()
        elif part.islower():
            part = part.title()
        words.append(part)
    return " ".join(words)
