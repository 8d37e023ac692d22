"""NodeResourcesBalancedAllocation: favours nodes whose cpu and memory use the pod makes more even.

Scores run from 50 to 100: 75 when the pod leaves the node's balance as it was, towards 100 when
it evens it out, towards 50 when it skews it (upstream since 1.36, #135573)."""
from ..framework import MAX_NODE_SCORE, SKIP

NAME = "NodeResourcesBalancedAllocation"


def balanced_resource_score(cpu, allocatable_cpu, memory, allocatable_memory):
    """(1 - the standard deviation of the used fractions) × 100. With two resources the standard
    deviation is half their difference; with one (the node lacks the other) it is 0."""
    if not (allocatable_cpu and allocatable_memory):
        return MAX_NODE_SCORE
    std = abs(min(cpu / allocatable_cpu, 1.0) - min(memory / allocatable_memory, 1.0)) / 2
    return int((1 - std) * MAX_NODE_SCORE)


class BalancedAllocation:
    name = NAME

    def pre_score(self, state, pod, nodes, snapshot):
        # A pod that requests nothing changes no balance; scoring it would only pile such pods
        # onto the same node (upstream #129138).
        if not (pod.requests.milli_cpu or pod.requests.memory):
            return SKIP
        return None

    def score(self, state, pod, node):
        """Actual requests here, not the non-zero defaults NodeResourcesFit scores with."""
        cpu, memory = node.requested.milli_cpu, node.requested.memory
        allocatable_cpu, allocatable_memory = node.allocatable.milli_cpu, node.allocatable.memory
        with_pod = balanced_resource_score(cpu + pod.requests.milli_cpu, allocatable_cpu,
                                           memory + pod.requests.memory, allocatable_memory)
        without_pod = balanced_resource_score(cpu, allocatable_cpu, memory, allocatable_memory)
        return MAX_NODE_SCORE // 2 + (MAX_NODE_SCORE // 2 + with_pod - without_pod) // 2
