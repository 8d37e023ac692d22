"""What every description shares: metadata, the owner and the dependents, conditions and the
object's events, as kubectl describe prints them."""
from django.urls import reverse

from cluster import kinds, printers
from cluster.models import ApiObject
from cluster.printers.fields import get
from dashboard import podstate
from workers import events as event_records

from .parts import NONE, Badge, Field, Lines, Link, Table, mapping_lines, rfc1123z

CLUSTER_SCOPE = "_"  # the namespace segment of a cluster-scoped object's URL
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"  # kubectl never shows it
MAX_ANNOTATION = 140  # kubectl's maxAnnotationLen


def ref_url(kind_name, namespace, name):
    """The describe page of an object by reference; "" for a kind the cluster does not serve."""
    try:
        kind = kinds.lookup(kind_name)
    except kinds.UnknownKind:
        return ""
    scope = (namespace or "default") if kind.namespaced else CLUSTER_SCOPE
    return reverse("dashboard:describe", args=(kind.plural, scope, name))


def object_url(obj):
    meta = obj["metadata"]
    return ref_url(obj["kind"], meta.get("namespace", ""), meta["name"])


def ref_link(kind_name, namespace, name, text=None):
    """`Kind/name`, linked to its page when there is one."""
    text = text or f"{kind_name}/{name}"
    url = ref_url(kind_name, namespace, name)
    return Link(text, url) if url else text


def name(obj):
    return Field("Name", obj["metadata"]["name"])


def namespace(obj):
    return Field("Namespace", obj["metadata"].get("namespace", ""))


def created(obj):
    return Field("CreationTimestamp", rfc1123z(obj["metadata"].get("creationTimestamp")))


def labels(mapping, label="Labels"):
    return Field(label, mapping_lines(mapping))


def annotations(mapping, label="Annotations"):
    """printAnnotationsMultiline: `key: value`, without last-applied-configuration, long values
    cut as kubectl cuts them."""
    shown = {k: v for k, v in (mapping or {}).items() if k != LAST_APPLIED}
    lines = Lines(f"{k}: {_shorten(str(v).rstrip(chr(10)))}" for k, v in sorted(shown.items()))
    return Field(label, lines or NONE)


def _shorten(text):
    return text if len(text) <= MAX_ANNOTATION else text[:MAX_ANNOTATION] + "..."


def metadata(obj):
    """Name, Namespace (for namespaced kinds), Labels, Annotations."""
    fields = [name(obj)]
    if obj["metadata"].get("namespace"):
        fields.append(namespace(obj))
    return fields + [labels(obj["metadata"].get("labels")),
                     annotations(obj["metadata"].get("annotations"))]


def controller_ref(obj):
    return next((ref for ref in obj["metadata"].get("ownerReferences") or ()
                 if ref.get("controller")), None)


def controlled_by(obj):
    """`Controlled By: ReplicaSet/web-5d8f` linked to the owner; [] when nothing controls it."""
    ref = controller_ref(obj)
    if ref is None:
        return []
    return [Field("Controlled By",
                  ref_link(ref.get("kind", ""), obj["metadata"].get("namespace"), ref["name"]))]


def dependents(obj, now):
    """The objects whose controller is this one: pods as a table like `kubectl get pods`,
    anything else as links. [] when there are none."""
    owned = ApiObject.objects.owned_by(obj["metadata"]["uid"]).order_by("kind", "name").objects()
    pods = [o for o in owned if o["kind"] == "Pod"]
    others = [o for o in owned if o["kind"] != "Pod"]
    fields = []
    if others:
        fields.append(Field("Dependents", Lines(
            Link(f"{o['kind']}/{o['metadata']['name']}", object_url(o)) for o in others)))
    if pods:
        fields.append(Field("Pods", pod_table(pods, now)))
    return fields


def pod_table(pods, now, *, with_node=True):
    """Pods as `kubectl get pods -o wide` lists them, each linked to its page."""
    headers = ["Name", "Ready", "Status", "Restarts", "Age"] + (["Node"] if with_node else [])
    rows = []
    for pod in pods:
        status = printers.pod_status(pod)
        row = [Link(pod["metadata"]["name"], object_url(pod)), printers.pod_ready(pod),
               Badge(status, podstate.CSS[podstate.state_of(pod, status)]),
               printers.pod_restarts(pod, now), printers.age(pod, now)]
        if with_node:
            node = get(pod, "spec.nodeName")
            row.append(ref_link("Node", "", node, node) if node else NONE)
        rows.append(row)
    return Table(headers, rows, f"({len(pods)} in total)")


def conditions(obj, columns=("type", "status", "reason"), label="Conditions"):
    """The status conditions as a table of the given fields ([] when there are none); times in
    RFC 1123 as kubectl prints them."""
    found = get(obj, "status.conditions") or []
    if not found:
        return []
    headers = [column[0].upper() + column[1:] for column in columns]
    rows = [[rfc1123z(c.get(column)) if column.endswith("Time") else str(c.get(column) or "")
             for column in columns] for c in found]
    return [Field(label, Table(headers, rows))]


def events(obj, now):
    """The object's events, oldest first: Type, Reason, Age, From, Message (DescribeEvents)."""
    found = event_records.for_object(obj)
    if not found:
        return Field("Events", NONE)
    rows = [[Badge(e.get("type") or "", "state-warn" if e.get("type") == "Warning"
                   else "state-idle"),
             e.get("reason") or "", event_age(e, now), event_source(e),
             (e.get("message") or "").strip()] for e in found]
    return Field("Events", Table(["Type", "Reason", "Age", "From", "Message"], rows))


def event_age(event, now):
    """`5m`, or `2m (x4 over 9m)` for a repeated event."""
    first = printers.since(event.get("eventTime") or event.get("firstTimestamp"), now)
    series = event.get("series")
    if series:
        last = printers.since(series.get("lastObservedTime"), now)
        return f"{last} (x{series.get('count', 0)} over {first})"
    if (event.get("count") or 1) > 1:
        last = printers.since(event.get("lastTimestamp"), now)
        return f"{last} (x{event['count']} over {first})"
    return first


def event_source(event):
    return ((event.get("source") or {}).get("component") or event.get("reportingComponent")
            or "")


def rfc1123_or(value, missing=NONE):
    return rfc1123z(value) or missing
