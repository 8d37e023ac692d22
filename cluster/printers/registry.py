"""Which printer each kind has: its columns, and the function that gives one object's cells.

A cells function takes (obj, now, wide) and returns a value per column, wide ones included;
`cells` drops those kubectl shows with -o wide only."""
from typing import NamedTuple

from .. import kinds as kinds_registry
from . import autoscaling, batch, cluster, config, events, networking, pods, storage, workloads
from .definitions import AGE, NAME
from .fields import name
from .format import age


class Printer(NamedTuple):
    columns: tuple
    cells: object  # (obj, now, wide) -> [cell, ...]


def _default_cells(obj, now, wide):
    return [name(obj), age(obj, now)]


# A kind without a printer of its own gets NAME and AGE, as upstream's default table does.
DEFAULT = Printer((NAME, AGE), _default_cells)
PRINTERS = {
    "Pod": Printer(pods.POD_COLUMNS, pods.pod_cells),
    "Deployment": Printer(workloads.DEPLOYMENT_COLUMNS, workloads.deployment_cells),
    "ReplicaSet": Printer(workloads.REPLICA_SET_COLUMNS, workloads.replica_set_cells),
    "DaemonSet": Printer(workloads.DAEMON_SET_COLUMNS, workloads.daemon_set_cells),
    "StatefulSet": Printer(workloads.STATEFUL_SET_COLUMNS, workloads.stateful_set_cells),
    "Job": Printer(batch.JOB_COLUMNS, batch.job_cells),
    "CronJob": Printer(batch.CRON_JOB_COLUMNS, batch.cron_job_cells),
    "HorizontalPodAutoscaler": Printer(autoscaling.HORIZONTAL_POD_AUTOSCALER_COLUMNS,
                                       autoscaling.hpa_cells),
    "Service": Printer(networking.SERVICE_COLUMNS, networking.service_cells),
    "Endpoints": Printer(networking.ENDPOINTS_COLUMNS, networking.endpoints_cells),
    "EndpointSlice": Printer(networking.ENDPOINT_SLICE_COLUMNS, networking.endpoint_slice_cells),
    "Node": Printer(cluster.NODE_COLUMNS, cluster.node_cells),
    "Event": Printer(events.EVENT_COLUMNS, events.event_cells),
    "Namespace": Printer(cluster.NAMESPACE_COLUMNS, cluster.namespace_cells),
    "Secret": Printer(config.SECRET_COLUMNS, config.secret_cells),
    "ServiceAccount": Printer(config.SERVICE_ACCOUNT_COLUMNS, config.service_account_cells),
    "ConfigMap": Printer(config.CONFIG_MAP_COLUMNS, config.config_map_cells),
    "PersistentVolume": Printer(storage.PERSISTENT_VOLUME_COLUMNS,
                                storage.persistent_volume_cells),
    "PersistentVolumeClaim": Printer(storage.PERSISTENT_VOLUME_CLAIM_COLUMNS,
                                     storage.persistent_volume_claim_cells),
    "StorageClass": Printer(storage.STORAGE_CLASS_COLUMNS, storage.storage_class_cells),
    "Lease": Printer(cluster.LEASE_COLUMNS, cluster.lease_cells),
}


def kind_name(kind):
    """"Pod" for a cluster.kinds.Kind or a kind name."""
    return kind.kind if isinstance(kind, kinds_registry.Kind) else kind


def printer(kind):
    return PRINTERS.get(kind_name(kind), DEFAULT)


def columns(kind, *, wide=True):
    """The columns of `kind` (a cluster.kinds.Kind or a kind name such as "Pod")."""
    return [c for c in printer(kind).columns if wide or not c.wide]


def cells(kind, obj, now, *, wide=True):
    """One value per column of `columns(kind, wide=wide)` for the object `obj` (an API dict)."""
    definitions, print_row = printer(kind)
    row = print_row(obj, now, wide)
    return [cell for cell, column in zip(row, definitions, strict=True) if wide or not column.wide]


def row_conditions(kind, obj):
    """A Table row's conditions: a pod that ran to completion is marked Completed."""
    return pods.pod_row_conditions(obj) if kind_name(kind) == "Pod" else []
