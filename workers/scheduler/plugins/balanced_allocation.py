"""NodeResourcesBalancedAllocation: favours nodes whose cpu and memory use the pod makes more even.

Scores run from 50 to 100: 75 when the pod leaves the node's balance as it was, towards 100 when
it evens it out, towards 50 when it skews it (upstream since 1.36, #135573)."""
from ..framework import MAX_NODE_SCORE, SKIP

NAME = "NodeResourcesBalancedAllocation"


def balanced_resource_score(cpu_fraction, memory_fraction):
    """(1 - the standard deviation of the used fractions) × 100; for two resources the standard
    deviation is half their difference. A fraction past 1 counts as 1."""
    return int((1 - abs(min(1.0, cpu_fraction) - min(1.0, memory_fraction)) / 2) * MAX_NODE_SCORE)


class BalancedAllocation:
    name = NAME

    def pre_score(self, state, pod, nodes, snapshot):
        # A pod that requests nothing changes no balance; scoring it would only pile such pods
        # onto the same node (upstream #129138).
        if not (pod.requests.milli_cpu or pod.requests.memory):
            return SKIP
        # The node's own balance, before the pod: shared by the many nodes alike in a cluster.
        state[NAME] = {}
        return None

    def score(self, state, pod, node):
        """Actual requests here, not the non-zero defaults NodeResourcesFit scores with."""
        total_cpu, total_memory = node.allocatable.milli_cpu, node.allocatable.memory
        if not (total_cpu and total_memory):
            return MAX_NODE_SCORE * 3 // 4  # one resource is always balanced: no change
        cpu, memory = node.requested.milli_cpu, node.requested.memory
        with_pod = balanced_resource_score((cpu + pod.requests.milli_cpu) / total_cpu,
                                           (memory + pod.requests.memory) / total_memory)
        before = state[NAME]
        key = (cpu, memory, total_cpu, total_memory)
        without_pod = before.get(key)
        if without_pod is None:
            without_pod = before[key] = balanced_resource_score(cpu / total_cpu,
                                                                memory / total_memory)
        return MAX_NODE_SCORE // 2 + (MAX_NODE_SCORE // 2 + with_pod - without_pod) // 2
