"""PodTopologySpread: spread a workload's pods over topology domains (nodes, zones).

A pod's own topologySpreadConstraints filter (DoNotSchedule) or score (ScheduleAnyway). A pod with
none gets the system defaults when something selects it (its Services, its ReplicaSet or
StatefulSet): spread by hostname (maxSkew 3) and by zone (maxSkew 5), as scores only. This is what
replaced the old SelectorSpread: the pods of one owner go to the nodes that have fewest of them.
"""
import math

from cluster import selectors

from ..framework import (
    MAX_NODE_SCORE,
    SKIP,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    PodMatcher,
    Status,
)
from .helper import RequiredNodeAffinity

NAME = "PodTopologySpread"
HOSTNAME, ZONE = "kubernetes.io/hostname", "topology.kubernetes.io/zone"
ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
_SKEWED = Status(UNSCHEDULABLE, ERR_REASON_CONSTRAINTS_NOT_MATCH, plugin=NAME)
_UNLABELLED = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_NODE_LABEL_NOT_MATCH, plugin=NAME)
SYSTEM_DEFAULT_CONSTRAINTS = ((3, HOSTNAME), (5, ZONE))


class Constraint:
    __slots__ = ("matcher", "max_skew", "min_domains", "topology_key")

    def __init__(self, max_skew, topology_key, matcher, min_domains=1):
        self.max_skew, self.topology_key = max_skew, topology_key
        self.matcher, self.min_domains = matcher, min_domains


def _own_constraints(pod, when_unsatisfiable):
    for c in pod.pod["spec"].get("topologySpreadConstraints") or ():
        if c.get("whenUnsatisfiable") == when_unsatisfiable:
            matcher = PodMatcher(frozenset((pod.namespace,)),
                                 selectors.from_label_selector(c.get("labelSelector")),
                                 live_only=True)
            yield Constraint(c["maxSkew"], c["topologyKey"], matcher, c.get("minDomains") or 1)


def _has_all_keys(node, constraints):
    return all(c.topology_key in node.labels for c in constraints)


def _domain_counts(constraint, constraints, pod, snapshot):
    """Matching pods per value of the constraint's key, over the nodes the pod could go to by
    its node affinity and that carry every constraint's key."""
    required = RequiredNodeAffinity(pod)
    counts, domains = snapshot.counts(constraint.matcher), {}
    for node in snapshot.nodes:
        if _has_all_keys(node, constraints) and required.match(node):
            value = node.labels[constraint.topology_key]
            domains[value] = domains.get(value, 0) + counts[node.name]
    return domains


class PodTopologySpread:
    name = NAME

    # --- DoNotSchedule: a filter ---

    def pre_filter(self, state, pod, snapshot):
        constraints = list(_own_constraints(pod, "DoNotSchedule"))
        if not constraints:
            return SKIP
        state[NAME] = [(c, _domain_counts(c, constraints, pod, snapshot)) for c in constraints]
        return None

    def filter(self, state, pod, node):
        for constraint, domains in state[NAME]:
            value = node.labels.get(constraint.topology_key)
            if value is None:
                return _UNLABELLED
            # Fewer domains than minDomains: the missing ones count as empty.
            lowest = min(domains.values()) if len(domains) >= constraint.min_domains else 0
            self_match = 1 if constraint.matcher.selector.matches(pod.pod) else 0
            if domains.get(value, 0) + self_match - lowest > constraint.max_skew:
                return _SKEWED
        return None

    # --- ScheduleAnyway and the system defaults: a score ---

    def pre_score(self, state, pod, nodes, snapshot):
        own = pod.pod["spec"].get("topologySpreadConstraints")
        constraints = (list(_own_constraints(pod, "ScheduleAnyway")) if own
                       else _system_default_constraints(pod, snapshot))
        if not constraints:
            return SKIP
        # Only the pod's own constraints demand every topology label of a node; the defaults
        # still spread by hostname over nodes without a zone.
        require_all = bool(own)
        ignored = ({n.name for n in nodes if not _has_all_keys(n, constraints)} if require_all
                   else set())
        scored = [n for n in nodes if n.name not in ignored]
        terms = []
        for c in constraints:
            if c.topology_key == HOSTNAME:
                counts = snapshot.counts(c.matcher)
                terms.append((c, counts, _normalizing_weight(len(scored))))
            elif any(c.topology_key in n.labels for n in scored):
                values = {n.labels.get(c.topology_key, "") for n in scored}
                domains = {v: n for v, n in _domain_counts(c, constraints if require_all else [c],
                                                           pod, snapshot).items() if v in values}
                terms.append((c, domains, _normalizing_weight(len(values))))
        state[f"PreScore{NAME}"] = (terms, ignored)
        return None

    def score(self, state, pod, node):
        """Each constraint adds count × weight + maxSkew - 1: the fewer matching pods in the
        node's domain, the lower (better, once normalized) its score."""
        terms, ignored = state[f"PreScore{NAME}"]
        if node.name in ignored:
            return 0
        score = 0.0
        for constraint, counts, weight in terms:
            value = node.labels.get(constraint.topology_key)
            if value is not None:
                key = node.name if constraint.topology_key == HOSTNAME else value
                score += counts.get(key, 0) * weight + constraint.max_skew - 1
        return math.floor(score + 0.5)  # Go's math.Round, for a score that is never negative

    def normalize_score(self, state, pod, nodes, scores):
        _, ignored = state[f"PreScore{NAME}"]
        kept = [s for n, s in zip(nodes, scores) if n.name not in ignored]
        lowest, highest = min(kept, default=0), max(kept, default=0)
        for i, node in enumerate(nodes):
            if node.name in ignored:
                scores[i] = 0
            elif highest == 0:
                scores[i] = MAX_NODE_SCORE
            else:
                scores[i] = MAX_NODE_SCORE * (highest + lowest - scores[i]) // highest


def _system_default_constraints(pod, snapshot):
    selector = snapshot.default_spread_selector(pod)
    if selector is None:
        return []
    matcher = PodMatcher(frozenset((pod.namespace,)), selector, live_only=True)
    return [Constraint(max_skew, key, matcher) for max_skew, key in SYSTEM_DEFAULT_CONSTRAINTS]


def _normalizing_weight(size):
    """log(domains + 2): constraints over many domains weigh more, from 1.09 for one domain."""
    return math.log(size + 2)
