"""InterPodAffinity: required pod affinity and anti-affinity, by topology domain.

Counted once per pod, as topology pairs (label key, value) → matching pods there: the pods the
incoming pod's affinity terms want, those its anti-affinity terms refuse, and the existing pods
whose own anti-affinity refuses the incoming pod.
"""
from collections import Counter

from ..framework import SKIP, UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE, AllOf, Status

NAME = "InterPodAffinity"
ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
_NO_AFFINITY = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_AFFINITY, plugin=NAME)
_ANTI_AFFINITY = Status(UNSCHEDULABLE, ERR_REASON_ANTI_AFFINITY, plugin=NAME)
_EXISTING_ANTI_AFFINITY = Status(UNSCHEDULABLE, ERR_REASON_EXISTING_ANTI_AFFINITY, plugin=NAME)


class _State:
    __slots__ = ("affinity_counts", "affinity_terms", "anti_affinity_counts",
                 "anti_affinity_terms", "existing_anti_affinity_counts", "matches_own_affinity")


def _pairs(terms, counts, nodes):
    """Per (topology key, value): the matching pods on nodes that carry the key."""
    pairs = Counter()
    for node in nodes:
        count = counts[node.name]
        if count:
            for term in terms:
                value = node.labels.get(term.topology_key)
                if value is not None:
                    pairs[(term.topology_key, value)] += count
    return pairs


class InterPodAffinity:
    name = NAME

    def pre_filter(self, state, pod, snapshot):
        existing = Counter()
        for other, node in snapshot.pods_with_required_anti_affinity:
            for term in other.required_anti_affinity_terms:
                value = node.labels.get(term.topology_key)
                if value is not None and term.matcher.matches(pod):
                    existing[(term.topology_key, value)] += 1
        affinity, anti_affinity = pod.required_affinity_terms, pod.required_anti_affinity_terms
        if not (existing or affinity or anti_affinity):
            return SKIP
        s = _State()
        s.affinity_terms, s.anti_affinity_terms = affinity, anti_affinity
        s.existing_anti_affinity_counts = existing
        # A pod counts for affinity only if it matches all the terms.
        all_terms = AllOf(t.matcher for t in affinity)
        s.affinity_counts = (_pairs(affinity, snapshot.counts(all_terms), snapshot.nodes)
                             if affinity else Counter())
        s.matches_own_affinity = all_terms.matches(pod)
        s.anti_affinity_counts = Counter()
        for term in anti_affinity:
            s.anti_affinity_counts += _pairs([term], snapshot.counts(term.matcher), snapshot.nodes)
        state[NAME] = s
        return None

    def filter(self, state, pod, node):
        s = state[NAME]
        if not _satisfies_affinity(s, node):
            return _NO_AFFINITY
        if any(s.anti_affinity_counts[(t.topology_key, node.labels.get(t.topology_key))] > 0
               for t in s.anti_affinity_terms if t.topology_key in node.labels):
            return _ANTI_AFFINITY
        if s.existing_anti_affinity_counts and any(
                s.existing_anti_affinity_counts[pair] > 0 for pair in node.labels.items()):
            return _EXISTING_ANTI_AFFINITY
        return None


def _satisfies_affinity(s, node):
    pods_exist = True
    for term in s.affinity_terms:
        value = node.labels.get(term.topology_key)
        if value is None:
            return False  # the node must carry every topology key
        if s.affinity_counts[(term.topology_key, value)] <= 0:
            pods_exist = False
    # The first pod of a group with affinity to itself would wait forever for a peer: it may go
    # anywhere, as long as no pod anywhere matches the terms yet and it matches them itself.
    return pods_exist or (not s.affinity_counts and s.matches_own_affinity)
