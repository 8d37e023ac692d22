"""NodeName: a pod that names its node (spec.nodeName) fits only there."""
from ..framework import SKIP, UNSCHEDULABLE_AND_UNRESOLVABLE, Status

NAME = "NodeName"
ERR_REASON = "node(s) didn't match the requested node name"
_REJECTED = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON, plugin=NAME)


class NodeName:
    name = NAME

    def pre_filter(self, state, pod, snapshot):
        return None if pod.pod["spec"].get("nodeName") else SKIP

    def filter(self, state, pod, node):
        return None if pod.pod["spec"]["nodeName"] == node.name else _REJECTED
