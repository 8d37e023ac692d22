"""The object lists of the troubleshooting pages: `kubectl get <kind>` as a table, in one
namespace or across all of them (`-A`, with a NAMESPACE column), optionally wide (`-o wide`).

Columns and cells are the API server's table printers' (cluster.printers); the NAME cell links
to the object's describe page and the STATUS cell carries its state class.
"""
from dataclasses import dataclass, field

from cluster import kinds, printers, store
from cluster.models import Namespace
from dashboard import podstate
from dashboard.describe.common import object_url, ref_url
from dashboard.templatetags.objects import status_class

# The kind index, grouped as the Kubernetes docs group the API's resources.
KIND_GROUPS = (
    ("Workloads", ("pods", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs",
                   "cronjobs", "horizontalpodautoscalers")),
    ("Networking", ("services", "endpoints", "endpointslices")),
    ("Config and storage", ("configmaps", "secrets", "serviceaccounts", "persistentvolumeclaims",
                            "persistentvolumes", "storageclasses")),
    ("Cluster", ("nodes", "namespaces", "events", "leases")),
)
BY_PLURAL = {k.plural: k for k in kinds.KINDS}
NAMESPACE_COLUMN = printers.Column("Namespace", description="The object's namespace.")


@dataclass
class Cell:
    text: str
    url: str = ""
    css: str = ""  # a state class, for a STATUS cell


@dataclass
class Listing:
    kind: kinds.Kind
    columns: list  # cluster.printers.Column
    rows: list  # lists of Cell, one per column
    namespace: str  # "" for all namespaces (or a cluster-scoped kind)
    wide: bool
    namespaces: list = field(default_factory=list)  # for the filter


def kind_for(resource):
    """The Kind a URL's resource segment names: a plural (`pods`); None for anything else."""
    return BY_PLURAL.get(resource)


def kind_index():
    """[(group title, [Kind, ...]), ...]: every kind the cluster serves, once."""
    return [(title, [BY_PLURAL[p] for p in plurals]) for title, plurals in KIND_GROUPS]


def listing(kind, namespace, now, *, wide=False):
    """The objects of `kind` (in `namespace`, or all for "") as `kubectl get` shows them."""
    scope = namespace if kind.namespaced else ""
    objects = store.list_objects(kind, scope or None).items
    columns = printers.columns(kind, wide=wide)
    all_namespaces = kind.namespaced and not scope
    rows = [_row(kind, columns, obj, now, wide, all_namespaces) for obj in objects]
    if all_namespaces:
        columns = [NAMESPACE_COLUMN, *columns]
    names = list(Namespace.objects.order_by("name").values_list("name", flat=True))
    return Listing(kind, columns, rows, scope, wide, names)


def _row(kind, columns, obj, now, wide, all_namespaces):
    cells = []
    for column, value in zip(columns, printers.cells(kind, obj, now, wide=wide), strict=True):
        text = printers.cell_text(value)
        if column.format == "name":
            cells.append(Cell(text, object_url(obj)))
        elif column.name == "Status" or (kind.kind == "Event" and column.name == "Type"):
            cells.append(Cell(text, css=_status_css(kind, obj, text)))
        elif kind.kind == "Event" and column.name == "Object":
            cells.append(Cell(text, _involved_url(obj)))
        else:
            cells.append(Cell(text))
    if all_namespaces:
        cells.insert(0, Cell(obj["metadata"].get("namespace", "")))
    return cells


def _involved_url(event):
    involved = event.get("involvedObject") or {}
    if not involved.get("kind") or not involved.get("name"):
        return ""
    return ref_url(involved["kind"], involved.get("namespace"), involved["name"])


def _status_css(kind, obj, text):
    """A pod's lifecycle state (Running but not ready is not Ready); any other kind's word."""
    if kind.kind == "Pod":
        return podstate.CSS[podstate.state_of(obj, text)]
    return status_class(text)
