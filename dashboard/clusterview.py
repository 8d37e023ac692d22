"""The cluster view's model: node cards, pod chips and the unscheduled lane, from a few queries.

`read()` loads nodes, pods and kubelets at once (all of them for the whole page, or only what a
pushed fragment needs); `node_card()` and `lane()` turn them into what the templates print, so a
page of 100 nodes and 3,000 pods costs a handful of queries and no per-pod URL reversing.
"""
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import quote

from django.db.models import Q
from django.urls import reverse

from cluster import printers
from cluster.models import Node, Pod
from workers.models import Kubelet
from workers.scheduler.resource import CPU, MEMORY, amounts, pod_requests

from . import podstate

# A card or lane with more pods than this shows counts per state instead of a chip per pod:
# about what fits a card at projector size without scrolling a room's eyes away.
GROUP_ABOVE = 24
UIDS_PER_QUERY = 5000  # under SQLite's limit on query parameters
TERMINAL_PHASES = ("Succeeded", "Failed")  # they hold no resources (kubectl describe node)
SHOWN_ANNOTATIONS = "kubesim.io/"  # what a teacher set to make a pod misbehave on purpose


@dataclass
class Chip:
    key: str  # namespace/name
    name: str
    state: str
    css: str
    label: str
    title: str
    url: str


@dataclass
class Group:
    state: str
    css: str
    label: str
    count: int


@dataclass
class Bar:
    resource: str  # "CPU", "Memory"
    text: str  # "750m / 4 (18%)"
    percent: int  # width of the bar, capped at 100
    over: bool  # more requested than allocatable


@dataclass
class Pods:
    """A card's or the lane's pods in one namespace filter: chips, or groups when many."""
    chips: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    total: int = 0


@dataclass
class NodeCard:
    name: str
    node: dict  # the Node, for the actions menu
    url: str
    status: str  # "Ready", "NotReady" or "Unknown", as kubectl's STATUS column
    ready: bool
    cordoned: bool
    kubelet_running: bool
    taints: list
    bars: list
    running_pods: int  # non-terminated pods on the node, all namespaces
    allowed_pods: int
    pods: Pods


@dataclass
class Snapshot:
    nodes: list  # Node dicts, by name
    pods_by_node: dict  # node name → its pods
    lane: list  # pods without a node
    kubelets: dict  # node name → running


def read(node_names=None, with_lane=True):
    """Nodes (all, or those named), their pods and the unscheduled ones: three queries, and a
    fourth for the pods that changed since the last read."""
    nodes = Node.objects.order_by("name")
    pods = Pod.objects.all()
    kubelets = Kubelet.objects.all()
    if node_names is not None:
        nodes = nodes.filter(name__in=node_names)
        kubelets = kubelets.filter(node_name__in=node_names)
        wanted = Q(node_name__in=node_names) | Q(node_name="") if with_lane else Q(
            node_name__in=node_names)
        pods = pods.filter(wanted)
    elif not with_lane:
        pods = pods.exclude(node_name="")
    by_node, lane = {}, []
    for pod in _pods.read(pods, everything=node_names is None and with_lane):
        node = (pod.get("spec") or {}).get("nodeName")
        (by_node.setdefault(node, []) if node else lane).append(pod)
    # A node without a Kubelet row has a running kubelet (workers.kubelet).
    running = dict(kubelets.values_list("node_name", "running"))
    return Snapshot(nodes.objects(), by_node, lane, running)


class _PodCache:
    """Pods as dicts by uid with their resourceVersion, kept between reads in this process:
    decoding 3,000 pods' JSON is most of a page's time, and between two renders few change.
    The dicts are shared: nothing here changes them."""

    MAX = 50_000  # partial reads never prune: start over past this

    def __init__(self):
        self.pods = {}  # uid → (resource_version, pod)

    def read(self, queryset, everything):
        keys = list(queryset.values_list("uid", "resource_version"))
        known = self.pods if len(self.pods) < self.MAX else {}
        missing = [uid for uid, version in keys if known.get(uid, (None,))[0] != version]
        fresh = dict(known) if not everything else {}
        if everything:
            fresh.update((uid, known[uid]) for uid, _ in keys if uid in known)
        for i in range(0, len(missing), UIDS_PER_QUERY):
            for pod in Pod.objects.filter(uid__in=missing[i:i + UIDS_PER_QUERY]).objects():
                meta = pod["metadata"]
                fresh[meta["uid"]] = (int(meta["resourceVersion"]), pod)
        self.pods = fresh  # replaced whole: another thread reading the old one is unharmed
        return [fresh[uid][1] for uid, _ in keys if uid in fresh]


_pods = _PodCache()


def node_cards(snapshot, namespace=None):
    return [node_card(n, snapshot.pods_by_node.get(n["metadata"]["name"], ()),
                      snapshot.kubelets.get(n["metadata"]["name"], True), namespace)
            for n in snapshot.nodes]


def node_card(node, pods, kubelet_running, namespace=None):
    name = node["metadata"]["name"]
    status = printers.node_status(node).split(",")[0]
    allocatable = amounts((node.get("status") or {}).get("allocatable"))
    live = [p for p in pods if (p.get("status") or {}).get("phase") not in TERMINAL_PHASES]
    requested = {}
    for pod in live:
        for resource, amount in pod_requests(pod.get("spec") or {}).items():
            requested[resource] = requested.get(resource, 0) + amount
    return NodeCard(
        name=name, node=node, url=_node_url(name), status=status, ready=status == "Ready",
        cordoned=bool((node.get("spec") or {}).get("unschedulable")),
        kubelet_running=kubelet_running, taints=[_taint(t) for t in _taints(node)],
        bars=[_bar("CPU", requested.get(CPU, 0), allocatable.get(CPU, 0), _cpu),
              _bar("Memory", requested.get(MEMORY, 0), allocatable.get(MEMORY, 0), _bytes)],
        running_pods=len(live), allowed_pods=allocatable.get("pods", 0),
        pods=pods_of(pods, namespace))


def lane(snapshot, namespace=None):
    return pods_of(snapshot.lane, namespace)


def pods_of(pods, namespace=None):
    """The chips (or, past GROUP_ABOVE, the groups) of the pods in the namespace filter."""
    shown = [p for p in pods if not namespace or p["metadata"].get("namespace") == namespace]
    if len(shown) <= GROUP_ABOVE:
        shown.sort(key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"]))
        return Pods(chips=[chip(p) for p in shown], total=len(shown))
    counts = {}
    for pod in shown:  # only their states: no chip is shown
        state = podstate.chip_state(pod)
        counts[state] = counts.get(state, 0) + 1
    groups = [Group(s, podstate.CSS[s], podstate.LABELS[s], counts[s])
              for s in podstate.STATES if s in counts]
    return Pods(groups=groups, total=len(shown))


def chip(pod):
    meta = pod["metadata"]
    namespace, name = meta.get("namespace", ""), meta["name"]
    status = printers.pod_status(pod)
    state = podstate.state_of(pod, status)
    return Chip(key=f"{namespace}/{name}", name=name, state=state, css=podstate.CSS[state],
                label=podstate.LABELS[state], title=_title(pod, namespace, name, state, status),
                url=f"{_pod_url_prefix()}{quote(namespace)}/{quote(name)}")


def _title(pod, namespace, name, state, status):
    """The chip's tooltip: what a student asks next. Plain text; the template escapes it."""
    parts = [f"{namespace}/{name}: {podstate.LABELS[state]}"]
    if status and status not in (state, "Running"):
        parts.append(f"STATUS {status}")
    restarts = sum(c.get("restartCount") or 0
                   for c in (pod.get("status") or {}).get("containerStatuses") or ())
    if restarts:
        parts.append(f"restarts {restarts}")
    message = _waiting_message(pod)
    if message:
        parts.append(message)
    meta = pod["metadata"]
    labels = meta.get("labels") or {}
    if labels:
        parts.append("labels: " + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())))
    notes = {k: v for k, v in (meta.get("annotations") or {}).items()
             if k.startswith(SHOWN_ANNOTATIONS)}
    if notes:
        parts.append(", ".join(f"{k}={v}" for k, v in sorted(notes.items())))
    return " · ".join(parts)


def _waiting_message(pod):
    """Why the first stuck container waits or stopped, or why the pod is unschedulable."""
    status = pod.get("status") or {}
    for container in (status.get("initContainerStatuses") or []) + (
            status.get("containerStatuses") or []):
        state = container.get("state") or {}
        detail = state.get("waiting") or state.get("terminated") or {}
        if detail.get("message"):
            return detail["message"]
    scheduled = next((c for c in status.get("conditions") or ()
                      if c.get("type") == "PodScheduled" and c.get("status") == "False"), None)
    return (scheduled or {}).get("message", "")


def _taints(node):
    return (node.get("spec") or {}).get("taints") or ()


def _taint(taint):
    """As kubectl describe node prints one: key=value:Effect."""
    value = f"={taint['value']}" if taint.get("value") else ""
    return f"{taint.get('key', '')}{value}:{taint.get('effect', '')}"


def _bar(resource, requested, allocatable, fmt):
    percent = round(100 * requested / allocatable) if allocatable else 0
    return Bar(resource, f"{fmt(requested)} / {fmt(allocatable)} ({percent}%)", min(percent, 100),
               requested > allocatable)


def _cpu(millicores):
    return str(millicores // 1000) if millicores % 1000 == 0 else f"{millicores}m"


def _bytes(value):
    for unit, size in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if value >= size:
            return f"{value / size:.1f}".removesuffix(".0") + unit
    return str(value)


@cache
def _pod_url_prefix():
    """The describe URL of pods up to the namespace: reverse() once, not 3,000 times a page."""
    return reverse("dashboard:describe", args=("pods", "NS", "NAME")).removesuffix("NS/NAME")


def _node_url(name):
    return reverse("dashboard:describe", args=("nodes", "_", name))
