"""The events a kubelet records about its own Node, only on transitions, as upstream's:
"Starting kubelet." when it starts, "Node X status is now: NodeReady" (and the other condition
reasons) when a condition it posts changes status, NodeSchedulable / NodeNotSchedulable when
spec.unschedulable changes (a cordon or uncordon). An idle node records nothing.

The kubelet's nodeRef carries the node's name as its uid, so these events outlive a re-created
Node of the same name, as upstream's do.
"""
from cluster.errors import Forbidden
from workers import events
from workers.models import Kubelet

COMPONENT = "kubelet"
# The reason recorded when a condition turns to a status (the kubelet's nodestatus setters).
CONDITION_REASONS = {
    ("MemoryPressure", "False"): "NodeHasSufficientMemory",
    ("MemoryPressure", "True"): "NodeHasInsufficientMemory",
    ("DiskPressure", "False"): "NodeHasNoDiskPressure",
    ("DiskPressure", "True"): "NodeHasDiskPressure",
    ("PIDPressure", "False"): "NodeHasSufficientPID",
    ("PIDPressure", "True"): "NodeHasInsufficientPID",
    ("Ready", "True"): "NodeReady",
    ("Ready", "False"): "NodeNotReady",
}


def record(node_name, reason, message=None):
    """An event about the node from its kubelet; the message defaults to the status form."""
    message = message or f"Node {node_name} status is now: {reason}"
    try:
        events.record(events.node_reference(node_name), events.NORMAL, reason, message,
                      component=COMPONENT, host=node_name)
    except Forbidden:
        pass  # the default namespace is being deleted: the recorder drops what the API refuses


def on_start(node, started, last_unschedulable):
    """What a kubelet records as it (re)starts, and on a cordon or uncordon since it last
    looked; remembers both so that the next sync records nothing."""
    name = node["metadata"]["name"]
    if not started:
        last_unschedulable = False  # lastNodeUnschedulable starts false in a new kubelet
        record(name, "Starting", "Starting kubelet.")
        record(name, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")
        _registration_conditions(node)
    unschedulable = bool((node.get("spec") or {}).get("unschedulable"))
    if unschedulable != last_unschedulable:
        record(name, "NodeNotSchedulable" if unschedulable else "NodeSchedulable")
    if not started or unschedulable != last_unschedulable:
        Kubelet.objects.filter(node_name=name).update(started=True, unschedulable=unschedulable)


def _registration_conditions(node):
    """A starting kubelet runs its status setters on the blank Node it registers (initialNode),
    so it records its pressure conditions even when the stored node already has them; those
    the node lacks are recorded as they are posted (on_conditions)."""
    name = node["metadata"]["name"]
    for condition in (node.get("status") or {}).get("conditions") or ():
        if condition["type"] != "Ready" and condition.get("status") == "False":
            reason = CONDITION_REASONS.get((condition["type"], "False"))
            if reason:
                record(name, reason)


def on_conditions(node_name, before, after):
    """Record each condition whose status changed (or that is new) between two status posts."""
    old = {c["type"]: c.get("status") for c in before or ()}
    for condition in after:
        status = condition["status"]
        reason = CONDITION_REASONS.get((condition["type"], status))
        if reason and old.get(condition["type"]) != status:
            record(node_name, reason)
