"""NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate it."""
from ..framework import UNSCHEDULABLE_AND_UNRESOLVABLE, Status
from .helper import tolerates, tolerations_of

NAME = "NodeUnschedulable"
ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
# Tolerating this taint is tolerating spec.unschedulable, whether or not the node carries it.
_UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
_REJECTED = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_UNSCHEDULABLE, plugin=NAME)


class NodeUnschedulable:
    name = NAME

    def filter(self, state, pod, node):
        if node.unschedulable and not any(tolerates(t, _UNSCHEDULABLE_TAINT)
                                          for t in tolerations_of(pod)):
            return _REJECTED
        return None
