"""What `kubectl describe` shows of an object, as data for the describe page's templates.

`describe(obj, now)` returns the object's fields in kubectl's order and words: its kind's own
describer (pods, workloads, nodes, services, namespaces, secrets), or kubectl's generic one that
prints every field. Every description links the object's owner (Controlled By) and what it
controls (Dependents, Pods), and ends with its events. Times are relative to `now`, the
cluster's simulated clock.

The modules: `parts` (fields, links, badges, tables), `common` (metadata, owners, events),
`pods`, `workloads`, `nodes` and `other` (services, namespaces, secrets, the generic describer).
"""
from . import nodes, other, pods, workloads

DESCRIBERS = {
    "Pod": pods.describe_pod,
    "Deployment": workloads.describe_deployment,
    "ReplicaSet": workloads.describe_replica_set,
    "StatefulSet": workloads.describe_stateful_set,
    "DaemonSet": workloads.describe_daemon_set,
    "Job": workloads.describe_job,
    "Node": nodes.describe_node,
    "Service": other.describe_service,
    "Namespace": other.describe_namespace,
    "Secret": other.describe_secret,
}


def describe(obj, now):
    """The fields of `obj` (an API dict) as `kubectl describe` shows them."""
    return DESCRIBERS.get(obj["kind"], other.describe_generic)(obj, now)
