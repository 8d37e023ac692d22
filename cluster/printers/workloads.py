"""Deployments, ReplicaSets, DaemonSets and StatefulSets: replica counts and the template."""
from .definitions import AGE, CONTAINERS, IMAGES, NAME, column, wide_column
from .fields import get, name, number
from .format import age, container_cells, format_label_selector, format_labels, selector_string

READY_DOC = "Number of the pod with ready state"
DEPLOYMENT_COLUMNS = (
    NAME,
    column("Ready", READY_DOC),
    column("Up-to-date", "Total number of non-terminated pods targeted by this deployment "
                         "that have the desired template spec."),
    column("Available", "Total number of available pods (ready for at least minReadySeconds) "
                        "targeted by this deployment."),
    AGE, CONTAINERS, IMAGES,
    wide_column("Selector", "Label selector for pods."),
)
REPLICA_SET_COLUMNS = (
    NAME,
    column("Desired", "Replicas is the number of desired replicas.", "integer"),
    column("Current", "Replicas is the most recently observed number of replicas.", "integer"),
    column("Ready", "The number of ready replicas for this replica set.", "integer"),
    AGE, CONTAINERS, IMAGES,
    wide_column("Selector", "Selector is a label query over pods that should match the replica "
                            "count."),
)
DAEMON_SET_COLUMNS = (
    NAME,
    column("Desired", "The total number of nodes that should be running the daemon pod "
                      "(including nodes correctly running the daemon pod).", "integer"),
    column("Current", "The number of nodes that are running at least 1 daemon pod and are "
                      "supposed to run the daemon pod.", "integer"),
    column("Ready", "The number of nodes that should be running the daemon pod and have one or "
                    "more of the daemon pod running and ready.", "integer"),
    column("Up-to-date", "The total number of nodes that are running updated daemon pod",
           "integer"),
    column("Available", "The number of nodes that should be running the daemon pod and have "
                        "one or more of the daemon pod running and available (ready for at "
                        "least spec.minReadySeconds)", "integer"),
    column("Node Selector", "NodeSelector is a selector which must be true for the pod to fit "
                            "on a node."),
    AGE, CONTAINERS, IMAGES,
    wide_column("Selector", "A label query over pods that are managed by the daemon set."),
)
STATEFUL_SET_COLUMNS = (
    NAME,
    column("Ready", READY_DOC),
    AGE, CONTAINERS, IMAGES,
)


def template_cells(obj):
    """The CONTAINERS and IMAGES cells of a workload's pod template."""
    return container_cells(get(obj, "spec.template.spec.containers"))


def deployment_cells(obj, now, wide):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    selector = selector_string(spec.get("selector"))
    return [
        name(obj),
        f"{number(status.get('readyReplicas'))}/{number(spec.get('replicas'), 1)}",
        number(status.get("updatedReplicas")), number(status.get("availableReplicas")),
        age(obj, now), *template_cells(obj), "<invalid>" if selector is None else selector,
    ]


def replica_set_cells(obj, now, wide):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [
        name(obj), number(spec.get("replicas"), 1), number(status.get("replicas")),
        number(status.get("readyReplicas")), age(obj, now),
        *template_cells(obj), format_label_selector(spec.get("selector")),
    ]


def daemon_set_cells(obj, now, wide):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    counts = ("desiredNumberScheduled", "currentNumberScheduled", "numberReady",
              "updatedNumberScheduled", "numberAvailable")
    return [
        name(obj), *(number(status.get(c)) for c in counts),
        format_labels(get(obj, "spec.template.spec.nodeSelector")), age(obj, now),
        *template_cells(obj), format_label_selector(spec.get("selector")),
    ]


def stateful_set_cells(obj, now, wide):
    ready, desired = get(obj, "status.readyReplicas", 0), get(obj, "spec.replicas", 1)
    return [name(obj), f"{ready}/{desired}", age(obj, now), *template_cells(obj)]
