"""TaintToleration: a node's NoSchedule and NoExecute taints keep out pods that do not tolerate
them; its PreferNoSchedule taints lower its score, one step per taint not tolerated."""
from ..framework import MAX_NODE_SCORE, UNSCHEDULABLE_AND_UNRESOLVABLE, Status
from .helper import default_normalize_score, tolerates, tolerations_of, untolerated_taint

NAME = "TaintToleration"
# Since 1.35 the message names no taint: keys and values may be sensitive (upstream #134740).
ERR_REASON_UNTOLERATED = "node(s) had untolerated taint(s)"
_REJECTED = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_UNTOLERATED, plugin=NAME)


class TaintToleration:
    name = NAME

    def filter(self, state, pod, node):
        if node.no_schedule_taints and untolerated_taint(node.no_schedule_taints,
                                                         tolerations_of(pod)) is not None:
            return _REJECTED
        return None

    def pre_score(self, state, pod, nodes, snapshot):
        # Tolerations without an effect tolerate every effect, PreferNoSchedule included.
        state[NAME] = [t for t in tolerations_of(pod)
                       if t.get("effect") in (None, "", "PreferNoSchedule")]

    def score(self, state, pod, node):
        if not node.prefer_no_schedule_taints:
            return 0
        tolerations = state[NAME]
        return sum(1 for taint in node.prefer_no_schedule_taints
                   if not any(tolerates(t, taint) for t in tolerations))

    def normalize_score(self, state, pod, nodes, scores):
        default_normalize_score(MAX_NODE_SCORE, True, scores)
