"""Profiles: which plugins a scheduler runs, in which order, with which score weights.

`default-scheduler` is upstream's default profile, less the volume plugins, ImageLocality and
InterPodAffinity's scoring (nothing here has volumes or image lists). Its NodeResourcesFit scores
with the strategy KUBESIM_SCHEDULER_SCORING names: LeastAllocated (upstream's default, spreading
load) or MostAllocated (bin packing, as a cluster that scales down empty nodes wants).
"""
from dataclasses import dataclass

from django.conf import settings

from .plugins.balanced_allocation import BalancedAllocation
from .plugins.default_preemption import DefaultPreemption
from .plugins.dynamic_resources import DynamicResources
from .plugins.inter_pod_affinity import InterPodAffinity
from .plugins.node_affinity import NodeAffinity
from .plugins.node_name import NodeName
from .plugins.node_ports import NodePorts
from .plugins.node_resources_fit import LEAST_ALLOCATED, NodeResourcesFit
from .plugins.node_unschedulable import NodeUnschedulable
from .plugins.pod_topology_spread import PodTopologySpread
from .plugins.taint_toleration import TaintToleration

DEFAULT_SCHEDULER_NAME = "default-scheduler"


@dataclass(frozen=True)
class Profile:
    scheduler_name: str
    filter_plugins: tuple
    score_plugins: tuple  # (plugin, weight)
    post_filter_plugins: tuple


def default_profile():
    """Upstream's plugin order and weights (pkg/scheduler/apis/config/v1/default_plugins.go)."""
    strategy = getattr(settings, "KUBESIM_SCHEDULER_SCORING", LEAST_ALLOCATED)
    taints, node_affinity = TaintToleration(), NodeAffinity()
    fit, spread = NodeResourcesFit(strategy), PodTopologySpread()
    return Profile(
        scheduler_name=DEFAULT_SCHEDULER_NAME,
        filter_plugins=(NodeUnschedulable(), NodeName(), taints, node_affinity, NodePorts(), fit,
                        spread, InterPodAffinity()),
        score_plugins=((taints, 3), (node_affinity, 2), (fit, 1), (spread, 2),
                       (BalancedAllocation(), 1)),
        # DRA looks for a claim to free before preemption evicts anyone.
        post_filter_plugins=(DynamicResources(), DefaultPreemption()),
    )
