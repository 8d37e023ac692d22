"""The columns `kubectl get` shows: kube-apiserver's table printers (pkg/printers/internalversion).

For each kind, its column definitions as a meta.k8s.io/v1 Table carries them, and the cells of one
object's row. Like the API server, which always prints wide for a Table request and lets kubectl
drop the priority-1 columns unless -o wide, `cells` includes the wide cells unless told otherwise.
Times are relative to `now`, read from the cluster's simulated clock (`cluster.clock.now()`).

The cell values keep upstream's types (ints, bools, strings); `cell_text` writes one as kubectl
does. The descriptions of columns upstream takes from the API's field docs are their first
sentences here.

The modules: `registry` maps each kind to its printer; `definitions`, `fields` and `format`
hold what the printers share; `pods` (with `podsummary`), `workloads`, `batch`, `autoscaling`,
`networking`, `config`, `storage`, `events` and `cluster` (nodes, namespaces, leases) hold the
printers of their kinds; `metrics` prints metrics.k8s.io's usage as metrics-server does.
cluster.api.tables serves them as meta.k8s.io Tables to `kubectl get`.
"""
from .cluster import node_roles, node_status
from .definitions import Column
from .format import (
    age,
    cell_text,
    format_label_selector,
    format_labels,
    human_duration,
    selector_string,
    since,
)
from .pods import pod_ready, pod_restarts, pod_status
from .registry import cells, columns, row_conditions
from .storage import access_modes

__all__ = [
    "Column", "access_modes", "age", "cell_text", "cells", "columns", "format_label_selector",
    "format_labels", "human_duration", "node_roles", "node_status", "pod_ready", "pod_restarts",
    "pod_status", "row_conditions", "selector_string", "since",
]
