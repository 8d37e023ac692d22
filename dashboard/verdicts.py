"""The scheduler's verdict on a pod, for its scheduling page: where it was bound or why it fits
nowhere, and per node the filter plugin that rejected it or its score from each score plugin.

The verdict is the one workers.scheduler recorded at its last attempt (workers.models.
SchedulingVerdict): `nodes` maps a node to {"filter", "reasons"} or {"scores", "total"}, and
`omittedNodes` counts those a large cluster's verdict left out.
"""
from dataclasses import dataclass, field

from cluster.printers import human_duration
from dashboard.describe.common import ref_url
from workers.models import SchedulingVerdict


@dataclass
class NodeVerdict:
    name: str
    url: str
    chosen: bool = False
    filter: str = ""  # the plugin that rejected the node, "" when it fits
    reasons: list = field(default_factory=list)
    scores: list = field(default_factory=list)  # one per Verdict.plugins, None when not scored
    total: int | None = None

    @property
    def fits(self):
        return not self.filter


@dataclass
class Verdict:
    node_name: str  # where the pod was bound, "" when it fits nowhere
    message: str  # the FailedScheduling message
    profile: str
    plugins: list  # the score plugins, in the order they scored
    nodes: list  # NodeVerdict: the chosen node, the others that fit (best first), the rejected
    omitted: int
    attempts: int
    attempted: str  # how long ago the last attempt was: "12s"
    retry_in: str  # how long until the pod's back-off ends, "" when not backing off

    @property
    def feasible(self):
        return sum(1 for n in self.nodes if n.fits)


def for_pod(pod, now_seconds):
    """The scheduler's last verdict on `pod` (an API dict); None if it never tried the pod."""
    row = SchedulingVerdict.objects.filter(pod_uid=pod["metadata"]["uid"]).first()
    if row is None:
        return None
    data = row.verdict or {}
    plugins = _plugins(data.get("nodes") or {})
    nodes = [_node(name, detail, plugins, name == row.node_name)
             for name, detail in (data.get("nodes") or {}).items()]
    nodes.sort(key=lambda n: (not n.chosen, not n.fits, -(n.total or 0)))
    retry = row.backoff_until - now_seconds if not row.node_name else 0
    return Verdict(row.node_name, data.get("message", ""), data.get("profile", ""), plugins, nodes,
                   data.get("omittedNodes", 0), row.attempts,
                   human_duration(max(now_seconds - row.attempted_at, 0)),
                   human_duration(retry) if retry > 0 else "")


def _plugins(nodes):
    """The score plugins, as first met in the verdict."""
    seen = {}
    for detail in nodes.values():
        for plugin in detail.get("scores") or {}:
            seen.setdefault(plugin, None)
    return list(seen)


def _node(name, detail, plugins, chosen):
    url = ref_url("Node", "", name)
    if "filter" in detail:
        reasons = list(detail.get("reasons") or ())
        return NodeVerdict(name, url, chosen, detail["filter"] or "?", reasons)
    scores = detail.get("scores") or {}
    return NodeVerdict(name, url, chosen, scores=[scores.get(p) for p in plugins],
                       total=detail.get("total"))
