"""The scheduler's snapshot of the cluster for one cycle: every node with the pods assigned to it.

Taken with a handful of queries (all nodes, the pods assigned to them that still run, namespaces,
services), then kept current in memory as the cycle assumes pods onto nodes, as upstream's cache
assumes a pod before its binding is written.
"""
import hashlib
import json

from cluster import kinds, selectors, store
from cluster.models import ApiObject, Namespace, Node, Pod, Service

from .framework import NodeInfo, PodInfo

TERMINAL_PHASES = ("Succeeded", "Failed")
REGION, ZONE = "topology.kubernetes.io/region", "topology.kubernetes.io/zone"
# The owners whose selector spreads their pods by default (DefaultSelector upstream).
_SPREADING_OWNERS = {("apps/v1", "ReplicaSet"), ("apps/v1", "StatefulSet")}
UIDS_PER_QUERY = 5000  # under SQLite's limit on query parameters


class _AssignedPods:
    """The assigned pods' PodInfos by (uid, resourceVersion), kept from one cycle to the next in
    this process, as kube-scheduler's cache keeps its pods: a snapshot reads in full only the
    pods that changed since the last one."""

    def __init__(self):
        self.infos, self.namespace_labels = {}, None

    def read(self, namespace_labels):
        if namespace_labels != self.namespace_labels:  # namespaceSelectors resolve differently
            self.infos, self.namespace_labels = {}, namespace_labels
        running = Pod.objects.exclude(node_name="").exclude(phase__in=TERMINAL_PHASES)
        keys = list(running.values_list("uid", "resource_version"))
        infos = {key: self.infos[key] for key in keys if key in self.infos}
        changed = [uid for uid, revision in keys if (uid, revision) not in infos]
        for i in range(0, len(changed), UIDS_PER_QUERY):
            for pod in running.filter(uid__in=changed[i:i + UIDS_PER_QUERY]).objects():
                meta = pod["metadata"]
                infos[(meta["uid"], int(meta["resourceVersion"]))] = PodInfo(pod, namespace_labels)
        self.infos = infos
        return infos.values()


_assigned_pods = _AssignedPods()


class Snapshot:
    def __init__(self, nodes, assigned_pods, namespace_labels, services, revision):
        self.revision = revision  # changes up to here are in the snapshot
        self.node_state = _node_state(nodes)
        self.namespace_labels = namespace_labels
        self.nodes = _node_tree_order([NodeInfo(n) for n in nodes])
        self.node_by_name = {n.name: n for n in self.nodes}
        self.pods_with_required_anti_affinity = []
        self._services = services
        self._counts = {}
        self._spread_selectors = {}
        self._owners = {}
        for pod in assigned_pods:
            node = self.node_by_name.get(pod.pod["spec"]["nodeName"])
            if node is not None:  # a pod on a node that is gone counts nowhere
                self._add(pod, node)

    @classmethod
    def take(cls):
        revision = store.current_revision()  # first: everything read is at least this new
        services = {}
        for service in Service.objects.objects():
            services.setdefault(service["metadata"]["namespace"], []).append(service)
        namespace_labels = {ns["metadata"]["name"]: ns["metadata"].get("labels") or {}
                            for ns in Namespace.objects.objects()}
        return cls(Node.objects.objects(), _assigned_pods.read(namespace_labels), namespace_labels,
                   services, revision)

    def pod_info(self, pod):
        return PodInfo(pod, self.namespace_labels)

    # --- assuming pods onto nodes ---

    def assume(self, pod, node):
        """The pod is as good as bound there: later pods of the cycle see it."""
        self._add(pod, node)
        for matcher, counts in self._counts.items():
            if matcher.matches(pod):
                counts[node.name] += 1

    def forget(self, pod, node):
        """Its binding failed after all."""
        node.remove_pod(pod)
        if pod.required_anti_affinity_terms:
            self.pods_with_required_anti_affinity.remove((pod, node))
        for matcher, counts in self._counts.items():
            if matcher.matches(pod):
                counts[node.name] -= 1

    def _add(self, pod, node):
        node.add_pod(pod)
        if pod.required_anti_affinity_terms:
            self.pods_with_required_anti_affinity.append((pod, node))

    # --- what plugins look up ---

    def counts(self, matcher):
        """Per node name, how many of its pods the matcher matches; computed once per matcher,
        then kept up to date as pods are assumed."""
        counts = self._counts.get(matcher)
        if counts is None:
            counts = self._counts[matcher] = {
                node.name: sum(1 for pod in node.pods if matcher.matches(pod))
                for node in self.nodes}
        return counts

    def default_spread_selector(self, pod):
        """helper.DefaultSelector: the labels of the Services selecting the pod, and the selector
        of its ReplicaSet or StatefulSet; None when nothing selects it."""
        owner = next((ref for ref in pod.pod["metadata"].get("ownerReferences") or ()
                      if ref.get("controller")), None)
        key = (pod.namespace, frozenset(pod.labels.items()), owner and owner.get("uid"))
        if key not in self._spread_selectors:
            self._spread_selectors[key] = self._default_selector(pod, owner)
        return self._spread_selectors[key]

    def _default_selector(self, pod, owner):
        label_set = {}
        for service in self._services.get(pod.namespace, ()):
            chosen = (service.get("spec") or {}).get("selector")
            if chosen and all(pod.labels.get(k) == v for k, v in chosen.items()):
                label_set.update(chosen)
        requirements = [selectors.Requirement(k, "In", (v,)) for k, v in sorted(label_set.items())]
        if owner and (owner.get("apiVersion"), owner.get("kind")) in _SPREADING_OWNERS:
            controller = self._owner(pod.namespace, owner)
            if controller is not None:
                chosen = (controller.get("spec") or {}).get("selector")
                requirements += selectors.from_label_selector(chosen).requirements
        return selectors.LabelSelector(tuple(requirements)) if requirements else None

    def _owner(self, namespace, ref):
        key = (namespace, ref["kind"], ref["name"])
        if key not in self._owners:
            kind = kinds.BY_KIND[("apps", ref["kind"])]
            found = ApiObject.objects.of_kind(kind).filter(namespace=namespace, name=ref["name"])
            self._owners[key] = next(iter(found.objects()), None)
        return self._owners[key]


def _node_state(nodes):
    """A digest of the nodes as scheduling sees them: upstream's nodeSchedulingPropertiesChange
    (unschedulable, allocatable, labels, taints, annotations, each condition's status). A node
    status update that changes nothing of these, a heartbeat, leaves it as it was."""
    def seen(node):
        meta, spec, status = node["metadata"], node.get("spec") or {}, node.get("status") or {}
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or ()}
        return [meta["name"], meta.get("labels"), meta.get("annotations"), spec.get("taints"),
                bool(spec.get("unschedulable")), status.get("allocatable"), conditions]

    state = json.dumps(sorted(seen(n) for n in nodes), sort_keys=True)
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def _node_tree_order(nodes):
    """Upstream's nodeTree: nodes taken zone by zone in turn, so that the nodes a large cluster's
    cycle looks at first are spread over the zones."""
    zones = {}
    for node in sorted(nodes, key=lambda n: n.name):
        zones.setdefault((node.labels.get(REGION, ""), node.labels.get(ZONE, "")), []).append(node)
    ordered, rows = [], list(zones.values())
    for i in range(max(map(len, rows), default=0)):
        ordered += [row[i] for row in rows if i < len(row)]
    return ordered
