"""Score plugins pick among the nodes that fit; the verdict shows each plugin's weighted score."""
from collections import Counter

import pytest

from cluster import store
from workers.models import SchedulingVerdict

from .objects import node, node_of, pod

pytestmark = pytest.mark.django_db


def scores(name):
    return {node_name: v["scores"] for node_name, v in
            SchedulingVerdict.objects.get(name=name).verdict["nodes"].items()}


def placement(names):
    return Counter(node_of(name) for name in names)


def test_least_allocated_spreads_the_load(schedule):
    node("node-1")
    node("node-2")
    names = [f"web-{i}" for i in range(4)]
    for name in names:
        pod(name, cpu="500m", memory="256Mi")
    schedule()
    assert placement(names) == {"node-1": 2, "node-2": 2}


def test_most_allocated_packs_the_load(schedule, settings):
    settings.KUBESIM_SCHEDULER_SCORING = "MostAllocated"
    node("node-1")
    node("node-2")
    names = [f"web-{i}" for i in range(4)]
    for name in names:
        pod(name, cpu="500m", memory="256Mi")
    schedule()
    assert sorted(placement(names).values()) == [4]


def test_balanced_allocation_evens_out_cpu_and_memory(schedule, settings):
    node("node-1")
    node("node-2")
    pod("memory-hog", memory="4Gi", nodeName="node-1")
    pod("cpu-hog", cpu="2", nodeName="node-2")
    pod("cruncher", cpu="1")
    schedule()
    assert node_of("cruncher") == "node-1"
    assert scores("cruncher")["node-1"]["NodeResourcesBalancedAllocation"] == 81
    assert scores("cruncher")["node-2"]["NodeResourcesBalancedAllocation"] == 68


def test_preferred_node_affinity_adds_its_weight(schedule):
    node("node-1", labels={"zone": "a"})
    node("node-2", labels={"zone": "b"})
    pod("web", affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 30, "preference": {"matchExpressions": [
            {"key": "zone", "operator": "In", "values": ["b"]}]}}]}})
    schedule()
    assert node_of("web") == "node-2"
    assert scores("web")["node-2"]["NodeAffinity"] == 200  # normalized 100, weight 2
    assert scores("web")["node-1"]["NodeAffinity"] == 0


def test_prefer_no_schedule_taints_lower_a_node(schedule):
    node("node-1", taints=[{"key": "spot", "effect": "PreferNoSchedule"}])
    node("node-2")
    pod("web")
    pod("tolerant", tolerations=[{"key": "spot", "operator": "Exists"}])
    schedule()
    assert node_of("web") == "node-2"
    assert scores("web")["node-1"]["TaintToleration"] == 0
    assert scores("web")["node-2"]["TaintToleration"] == 300  # normalized 100, weight 3
    assert scores("tolerant")["node-1"]["TaintToleration"] == 300


def test_pods_of_one_owner_spread_over_the_nodes(schedule, settings):
    """PodTopologySpread's system defaults, by the ReplicaSet's selector: even bin packing
    cannot put them all on one node."""
    settings.KUBESIM_SCHEDULER_SCORING = "MostAllocated"
    node("node-1")
    node("node-2")
    rs = store.create({
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-5d9c8b7f6"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs["metadata"]["name"],
             "uid": rs["metadata"]["uid"], "controller": True}
    for i in (1, 2):
        pod(f"web-old-{i}", cpu="100m", labels={"app": "web"}, nodeName="node-1")
    store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "web-5d9c8b7f6-x2x7q", "labels": {"app": "web"}, "ownerReferences": [owner]},
        "spec": {"containers": [{"name": "app", "image": "nginx",
                                 "resources": {"requests": {"cpu": "100m"}}}]}})
    schedule()
    spread = {n: s["PodTopologySpread"] for n, s in scores("web-5d9c8b7f6-x2x7q").items()}
    # node-1: 2 pods × ln(4) + 2 → 5; node-2: 0 + 2 → 2; normalized 100 × (5 + 2 - s) / 5, × 2.
    assert spread == {"node-1": 80, "node-2": 200}
    assert node_of("web-5d9c8b7f6-x2x7q") == "node-2"
