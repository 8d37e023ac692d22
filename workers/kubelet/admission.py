"""Pod admission: does a new pod fit on the node beside the pods already admitted?

The kubelet runs the scheduler's resource check again when a pod arrives (the
PredicateAdmitHandler), since a pod can be bound by hand or the node can have shrunk. A pod that
does not fit is rejected: phase Failed, reason OutOfcpu / OutOfmemory / OutOfpods.
"""
from cluster.quantity import int_value, millicores

from . import messages

# In the order upstream's Fits checks them; cpu in millicores, the others in units.
RESOURCES = (("cpu", millicores), ("memory", int_value), ("ephemeral-storage", int_value))


def requests(pod):
    """What the pod requests: its containers' sum, or its largest init container if larger."""
    spec = pod["spec"]
    total = _sum(spec["containers"])
    for init in spec.get("initContainers") or ():
        one = _sum([init])
        total = {name: max(total[name], one[name]) for name in total}
    return total


def _sum(containers):
    total = {name: 0 for name, _ in RESOURCES}
    for container in containers:
        values = (container.get("resources") or {}).get("requests") or {}
        for name, unit in RESOURCES:
            if name in values:
                total[name] += unit(values[name])
    return total


def allocatable(node):
    values = (node.get("status") or {}).get("allocatable") or {}
    result = {name: unit(values[name]) for name, unit in RESOURCES if name in values}
    result["pods"] = int_value(values.get("pods", "110"))
    return result


class Admission:
    """The node's admitted pods' requests so far, and the check for one more."""

    def __init__(self, node):
        self.allocatable = allocatable(node)
        self.used = {name: 0 for name, _ in RESOURCES}
        self.pods = 0

    def add(self, pod_requests):
        self.pods += 1
        for name in self.used:
            self.used[name] += pod_requests[name]

    def reject_reason(self, pod_requests):
        """(reason, message) if the pod does not fit, else None."""
        if self.pods + 1 > self.allocatable["pods"]:
            return "OutOfpods", messages.insufficient("pods", 1, self.pods,
                                                      self.allocatable["pods"])
        for name, _ in RESOURCES:
            wanted, capacity = pod_requests[name], self.allocatable.get(name)
            if wanted > 0 and capacity is not None and wanted > capacity - self.used[name]:
                return f"OutOf{name}", messages.insufficient(name, wanted, self.used[name],
                                                             capacity)
        return None
