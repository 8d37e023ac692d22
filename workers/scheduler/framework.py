"""The scheduling framework's vocabulary, as pkg/scheduler/framework names it: the Status a plugin
returns, what the scheduler knows about a pod (PodInfo) and a node (NodeInfo), and the FitError
message a pod that fits nowhere gets.

A profile composes plugins (see profile.py). Each plugin is a small object with a `name` and the
extension points it takes part in (pre_filter, pre_score and normalize_score are optional):

    pre_filter(state, pod, snapshot) -> SKIP | None   once per pod; SKIP: no filtering needed
    filter(state, pod, node) -> Status | None         per node; None: the node fits
    pre_score(state, pod, nodes, snapshot) -> SKIP | None
    score(state, pod, node) -> int                    per node that fits
    normalize_score(state, pod, nodes, scores)        rescales `scores` in place to 0..100
    post_filter(state, pod, snapshot, statuses, run_filters) -> str | None
                                                      when no node fits: what it found, or None
                                                      if it can make room (ends PostFilter)

`state` is the CycleState: a dict a plugin keeps its per-pod data in, under its own name.
"""
from collections import Counter

from cluster import selectors

from .resource import PODS, Resource, amounts, non_zero_requests, pod_requests

MAX_NODE_SCORE = 100
UNSCHEDULABLE = "Unschedulable"
# Preemption cannot help on that node: its PostFilter skips it.
UNSCHEDULABLE_AND_UNRESOLVABLE = "UnschedulableAndUnresolvable"


class Status:
    """A plugin's rejection of a node, with the reasons the FitError message counts."""

    __slots__ = ("code", "plugin", "reasons")

    def __init__(self, code, *reasons, plugin=""):
        self.code, self.reasons, self.plugin = code, reasons, plugin

    def unresolvable(self):
        return self.code == UNSCHEDULABLE_AND_UNRESOLVABLE

    def __repr__(self):
        return f"Status({self.code}, {', '.join(self.reasons)}, plugin={self.plugin})"


SKIP = Status("Skip")


# --- pods -------------------------------------------------------------------------------------

class PodMatcher:
    """Which pods a term counts: a label selector, within some namespaces (None: all of them).
    Hashable, so that counts of matching pods can be kept per matcher (see Snapshot.counts)."""

    __slots__ = ("live_only", "namespaces", "selector")

    def __init__(self, namespaces, selector, live_only=False):
        # live_only: leave out terminating pods, as PodTopologySpread counts.
        self.namespaces, self.selector, self.live_only = namespaces, selector, live_only

    def matches(self, pod):
        return ((self.namespaces is None or pod.namespace in self.namespaces)
                and not (self.live_only and pod.deleting)
                and self.selector.matches(pod.pod))

    def _key(self):
        return self.namespaces, self.selector, self.live_only

    def __eq__(self, other):
        return isinstance(other, PodMatcher) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())


class AllOf:
    """Pods that match every one of several matchers (a pod's required affinity terms)."""

    __slots__ = ("matchers",)

    def __init__(self, matchers):
        self.matchers = tuple(matchers)

    def matches(self, pod):
        return all(m.matches(pod) for m in self.matchers)

    def __eq__(self, other):
        return isinstance(other, AllOf) and self.matchers == other.matchers

    def __hash__(self):
        return hash(self.matchers)


class AffinityTerm:
    """A PodAffinityTerm, resolved: which pods it selects, and the node label that groups them."""

    __slots__ = ("matcher", "topology_key")

    def __init__(self, owner, term, namespace_labels):
        self.topology_key = term.get("topologyKey", "")
        self.matcher = PodMatcher(_term_namespaces(owner, term, namespace_labels),
                                  selectors.from_label_selector(term.get("labelSelector")))


def _term_namespaces(owner, term, namespace_labels):
    """The term's namespaces, or its own pod's when it names none; plus those its
    namespaceSelector picks ({} picks all: None)."""
    ns_selector = term.get("namespaceSelector")
    if ns_selector == {}:
        return None
    names = set(term.get("namespaces") or ())
    if not names and ns_selector is None:
        names.add(owner["metadata"]["namespace"])
    if ns_selector is not None:
        chosen = selectors.from_label_selector(ns_selector)
        names.update(ns for ns, labels in namespace_labels.items()
                     if chosen.matches({"metadata": {"labels": labels}}))
    return frozenset(names)


class PodInfo:
    """A pod and what the scheduler computes from it once: its requests, host ports, affinity."""

    __slots__ = ("deleting", "host_ports", "labels", "name", "namespace", "non_zero_cpu",
                 "non_zero_memory", "pod", "priority", "requests", "required_affinity_terms",
                 "required_anti_affinity_terms", "uid")

    def __init__(self, pod, namespace_labels):
        meta, spec = pod["metadata"], pod.get("spec") or {}
        self.pod = pod
        self.uid, self.namespace, self.name = meta["uid"], meta["namespace"], meta["name"]
        self.labels = meta.get("labels") or {}
        self.priority = spec.get("priority") or 0
        self.deleting = bool(meta.get("deletionTimestamp"))
        self.requests = Resource.of(pod_requests(spec))
        self.non_zero_cpu, self.non_zero_memory = non_zero_requests(spec)
        self.host_ports = tuple(_host_ports(spec))
        affinity = spec.get("affinity") or {}
        self.required_affinity_terms = _required_terms(pod, affinity.get("podAffinity"),
                                                       namespace_labels)
        self.required_anti_affinity_terms = _required_terms(pod, affinity.get("podAntiAffinity"),
                                                            namespace_labels)


def _host_ports(spec):
    """(hostIP, protocol, hostPort) the pod's containers take on their node, defaults filled in."""
    for container in spec.get("containers") or ():
        for port in container.get("ports") or ():
            if (port.get("hostPort") or 0) > 0:
                yield (port.get("hostIP") or "0.0.0.0", port.get("protocol") or "TCP",
                       port["hostPort"])


def _required_terms(pod, affinity, namespace_labels):
    terms = (affinity or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or ()
    return [AffinityTerm(pod, term, namespace_labels) for term in terms]


# --- nodes ------------------------------------------------------------------------------------

class NodeInfo:
    """A node with the pods assigned to it and what they add up to (the scheduler cache's view).

    The taints are kept split by effect, as the filter and the score each read one kind."""

    __slots__ = ("allocatable", "allowed_pod_number", "labels", "name", "no_schedule_taints",
                 "node", "non_zero_cpu", "non_zero_memory", "pods", "prefer_no_schedule_taints",
                 "requested", "unschedulable", "used_ports")

    def __init__(self, node):
        meta, spec = node["metadata"], node.get("spec") or {}
        self.node, self.name = node, meta["name"]
        self.labels = meta.get("labels") or {}
        self.unschedulable = bool(spec.get("unschedulable"))
        taints = spec.get("taints") or ()
        self.no_schedule_taints = [t for t in taints
                                   if t.get("effect") in ("NoSchedule", "NoExecute")]
        self.prefer_no_schedule_taints = [t for t in taints
                                          if t.get("effect") == "PreferNoSchedule"]
        allocatable = amounts((node.get("status") or {}).get("allocatable"))
        self.allocatable = Resource.of(allocatable)
        self.allowed_pod_number = allocatable.get(PODS, 0)
        self.requested = Resource()
        self.non_zero_cpu = self.non_zero_memory = 0
        self.pods = []
        self.used_ports = set()

    def add_pod(self, pod):
        self._account(pod, 1)
        self.pods.append(pod)

    def remove_pod(self, pod):
        self._account(pod, -1)
        self.pods.remove(pod)

    def _account(self, pod, sign):
        self.requested.add(pod.requests, sign)
        self.non_zero_cpu += sign * pod.non_zero_cpu
        self.non_zero_memory += sign * pod.non_zero_memory
        if pod.host_ports:
            ports = self.used_ports.union if sign > 0 else self.used_ports.difference
            self.used_ports = ports(pod.host_ports)

    def without(self, pods):
        """A copy of this node with `pods` gone: what preemption would leave."""
        copy = NodeInfo.__new__(NodeInfo)
        for slot in NodeInfo.__slots__:
            setattr(copy, slot, getattr(self, slot))
        copy.requested, copy.pods = self.requested.copy(), list(self.pods)
        for pod in pods:
            copy.remove_pod(pod)
        return copy


# --- the FitError -----------------------------------------------------------------------------

def fit_error_message(num_all_nodes, statuses, post_filter_message=""):
    """FitError.Error(): `0/3 nodes are available: 1 node(s) had untolerated taint(s), 2
    Insufficient cpu.` — each reason with how many nodes gave it, sorted as strings — then what
    the PostFilter plugins found."""
    reasons = Counter(reason for status in statuses.values() for reason in status.reasons)
    message = f"0/{num_all_nodes} nodes are available:"
    histogram = sorted(f"{count} {reason}" for reason, count in reasons.items())
    if histogram:
        message += f" {', '.join(histogram)}."
    if post_filter_message:
        message += f" {post_filter_message}"
    return message
