"""NodeResourcesFit: the pod's requests must fit in what the node has left; among the nodes that
fit, the scoring strategy prefers the emptiest (LeastAllocated: spreading) or the fullest
(MostAllocated: bin packing), counting cpu and memory with weight 1 each."""
from ..framework import MAX_NODE_SCORE, UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE, Status

NAME = "NodeResourcesFit"
LEAST_ALLOCATED, MOST_ALLOCATED = "LeastAllocated", "MostAllocated"


def least_requested_score(requested, capacity):
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested_score(requested, capacity):
    if capacity == 0:
        return 0
    # Pods without requests count with defaults, which can add up past the capacity.
    return min(requested, capacity) * MAX_NODE_SCORE // capacity


STRATEGIES = {LEAST_ALLOCATED: least_requested_score, MOST_ALLOCATED: most_requested_score}


class NodeResourcesFit:
    name = NAME

    def __init__(self, scoring_strategy=LEAST_ALLOCATED):
        if scoring_strategy not in STRATEGIES:
            raise ValueError(f"scoring strategy {scoring_strategy} is not supported")
        self.scoring_strategy = scoring_strategy
        self._resource_score = STRATEGIES[scoring_strategy]

    def filter(self, state, pod, node):
        request, free = pod.requests, node.allocatable
        used = node.requested
        if (len(node.pods) < node.allowed_pod_number and not request.scalar
                and request.milli_cpu <= free.milli_cpu - used.milli_cpu
                and request.memory <= free.memory - used.memory
                and request.ephemeral_storage <= free.ephemeral_storage - used.ephemeral_storage):
            return None  # the common case, decided without building the reasons
        return _insufficient(request, node)

    def score(self, state, pod, node):
        """Cpu and memory as the strategy scores them, averaged. Requests here are the non-zero
        ones: a container without requests counts as 100m and 200Mi."""
        free = node.allocatable
        cpu = self._resource_score(node.non_zero_cpu + pod.non_zero_cpu, free.milli_cpu)
        memory = self._resource_score(node.non_zero_memory + pod.non_zero_memory, free.memory)
        weights = (free.milli_cpu > 0) + (free.memory > 0)  # a resource the node lacks is left out
        return (cpu + memory) // weights if weights else 0


def _insufficient(request, node):
    """fitsRequest: every resource that does not fit is a reason. A request larger than the
    whole node cannot be helped by preemption (UnschedulableAndUnresolvable)."""
    reasons, unresolvable = [], False
    if len(node.pods) + 1 > node.allowed_pod_number:
        reasons.append("Too many pods")
    free, used = node.allocatable, node.requested
    wanted = [("cpu", request.milli_cpu, free.milli_cpu, used.milli_cpu),
              ("memory", request.memory, free.memory, used.memory),
              ("ephemeral-storage", request.ephemeral_storage, free.ephemeral_storage,
               used.ephemeral_storage)]
    wanted += [(name, amount, free.scalar.get(name, 0), used.scalar.get(name, 0))
               for name, amount in request.scalar.items()]
    for name, amount, capacity, in_use in wanted:
        if amount > 0 and amount > capacity - in_use:
            reasons.append(f"Insufficient {name}")
            unresolvable = unresolvable or amount > capacity
    if not reasons:
        return None
    return Status(UNSCHEDULABLE_AND_UNRESOLVABLE if unresolvable else UNSCHEDULABLE, *reasons,
                  plugin=NAME)
