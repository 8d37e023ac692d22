"""NodeAffinity: the pod's nodeSelector and required node affinity filter nodes; its preferred
terms add their weights to the nodes they match."""
from ..framework import MAX_NODE_SCORE, SKIP, UNSCHEDULABLE_AND_UNRESOLVABLE, Status
from .helper import RequiredNodeAffinity, default_normalize_score, term_matches

NAME = "NodeAffinity"
ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
_REJECTED = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_POD, plugin=NAME)


class NodeAffinity:
    name = NAME

    def pre_filter(self, state, pod, snapshot):
        required = RequiredNodeAffinity(pod)
        if required.empty():
            return SKIP
        state[NAME] = required
        return None

    def filter(self, state, pod, node):
        return None if state[NAME].match(node) else _REJECTED

    def pre_score(self, state, pod, nodes, snapshot):
        node_affinity = (pod.pod["spec"].get("affinity") or {}).get("nodeAffinity") or {}
        preferred = node_affinity.get("preferredDuringSchedulingIgnoredDuringExecution")
        if not preferred:
            return SKIP
        state[f"PreScore{NAME}"] = preferred
        return None

    def score(self, state, pod, node):
        return sum(term.get("weight", 0) for term in state[f"PreScore{NAME}"]
                   if term_matches(term.get("preference") or {}, node))

    def normalize_score(self, state, pod, nodes, scores):
        default_normalize_score(MAX_NODE_SCORE, False, scores)
