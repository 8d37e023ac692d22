"""The framework's pieces on their own: requests, the FitError message, how many nodes to
examine, and plugins judged on hand-built nodes and pods (no database)."""
from workers.scheduler import resource
from workers.scheduler.framework import (
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    NodeInfo,
    PodInfo,
    Status,
    fit_error_message,
)
from workers.scheduler.plugins.balanced_allocation import BalancedAllocation
from workers.scheduler.plugins.helper import default_normalize_score
from workers.scheduler.plugins.node_name import NodeName
from workers.scheduler.plugins.node_resources_fit import NodeResourcesFit
from workers.scheduler.plugins.taint_toleration import TaintToleration
from workers.scheduler.schedule_one import num_feasible_nodes_to_find


def pod_info(name="p", cpu=None, memory=None, **spec):
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    container = {"name": "app", "resources": {"requests": requests}}
    return PodInfo({"metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
                    "spec": {"containers": [container], **spec}}, {})


def node_info(name="n", cpu="4", memory="8Gi", pods="110", taints=None, pods_on=()):
    node = NodeInfo({"metadata": {"name": name}, "spec": {"taints": taints or []},
                     "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": pods}}})
    for pod in pods_on:
        node.add_pod(pod)
    return node


def test_requests_sum_containers_and_take_the_largest_init_container():
    spec = {"containers": [{"resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
                           {"resources": {"requests": {"cpu": "250m"}}}],
            "initContainers": [{"resources": {"requests": {"cpu": "1", "memory": "32Mi"}}}],
            "overhead": {"cpu": "100m"}}
    assert resource.pod_requests(spec) == {"cpu": 1100, "memory": 64 * 2**20}


def test_sidecars_run_beside_everything():
    sidecar = {"restartPolicy": "Always", "resources": {"requests": {"cpu": "200m"}}}
    spec = {"containers": [{"resources": {"requests": {"cpu": "500m"}}}],
            "initContainers": [sidecar, {"resources": {"requests": {"cpu": "600m"}}}]}
    # The init container runs beside the sidecar (800m); afterwards app and sidecar take 700m.
    assert resource.pod_requests(spec)["cpu"] == 800


def test_scoring_counts_unset_requests_with_defaults():
    spec = {"containers": [{"resources": {"requests": {"memory": "1Gi"}}}, {}]}
    assert resource.non_zero_requests(spec) == (200, 2**30 + 200 * 2**20)


def test_fit_error_counts_reasons_and_sorts_them_as_strings():
    statuses = {f"n{i}": Status(UNSCHEDULABLE, "Insufficient cpu") for i in range(10)}
    statuses["t"] = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, "node(s) had untolerated taint(s)")
    statuses["m"] = Status(UNSCHEDULABLE, "Insufficient cpu", "Insufficient memory")
    assert fit_error_message(12, statuses, "preemption: ...") == (
        "0/12 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint(s), "
        "11 Insufficient cpu. preemption: ...")


def test_a_large_cluster_is_examined_only_until_enough_nodes_fit():
    assert num_feasible_nodes_to_find(50) == 50
    assert num_feasible_nodes_to_find(150) == 100
    assert num_feasible_nodes_to_find(1000) == 420
    assert num_feasible_nodes_to_find(5000) == 500
    assert num_feasible_nodes_to_find(6000) == 300  # never under 5%


def test_node_name_filters_only_pods_that_name_a_node():
    plugin, state = NodeName(), {}
    assert plugin.pre_filter(state, pod_info(), None) is not None  # SKIP: nothing to check
    named = pod_info(nodeName="n1")
    assert plugin.pre_filter(state, named, None) is None
    assert plugin.filter(state, named, node_info("n1")) is None
    status = plugin.filter(state, named, node_info("n2"))
    assert status.reasons == ("node(s) didn't match the requested node name",)
    assert status.unresolvable()


def test_fit_tells_a_full_node_from_one_too_small():
    fit = NodeResourcesFit()
    busy = node_info(cpu="2", pods_on=[pod_info("old", cpu="1500m")])
    status = fit.filter({}, pod_info(cpu="1"), busy)
    assert (status.code, status.reasons) == (UNSCHEDULABLE, ("Insufficient cpu",))
    status = fit.filter({}, pod_info(cpu="3", memory="9Gi"), busy)
    assert status.reasons == ("Insufficient cpu", "Insufficient memory")
    assert status.unresolvable()  # larger than the whole node: preemption cannot help


def test_fit_counts_pods_and_extended_resources():
    fit = NodeResourcesFit()
    full = node_info(pods="1", pods_on=[pod_info("old")])
    assert fit.filter({}, pod_info(), full).reasons == ("Too many pods",)
    gpu = PodInfo({"metadata": {"name": "g", "namespace": "default", "uid": "g"},
                   "spec": {"containers": [{"resources": {"requests": {"nvidia.com/gpu": 1}}}]}},
                  {})
    assert fit.filter({}, gpu, node_info()).reasons == ("Insufficient nvidia.com/gpu",)


def test_least_and_most_allocated_score_the_other_way_round():
    pod, empty = pod_info(cpu="1", memory="2Gi"), node_info()
    half = node_info(pods_on=[pod_info("old", cpu="1", memory="2Gi")])
    least, most = NodeResourcesFit("LeastAllocated"), NodeResourcesFit("MostAllocated")
    assert least.score({}, pod, empty) == 75 and least.score({}, pod, half) == 50
    assert most.score({}, pod, empty) == 25 and most.score({}, pod, half) == 50


def test_balanced_allocation_rewards_evening_out_a_node():
    plugin, pod, state = BalancedAllocation(), pod_info(cpu="1"), {}
    memory_heavy = node_info(pods_on=[pod_info("old", memory="4Gi")])
    cpu_heavy = node_info(pods_on=[pod_info("old", cpu="2")])
    assert plugin.pre_score(state, pod, [], None) is None
    # 0.25 cpu / 0.5 memory after, 0 / 0.5 before: the pod evens it out.
    assert plugin.score(state, pod, memory_heavy) == 81
    assert plugin.score(state, pod, cpu_heavy) == 68
    assert plugin.pre_score({}, pod_info(), [], None) is not None  # best effort: skipped


def test_taint_toleration_scores_untolerated_prefer_no_schedule_taints():
    plugin, pod, state = TaintToleration(), pod_info(), {}
    soft = {"key": "spot", "effect": "PreferNoSchedule"}
    nodes = [node_info("clean"), node_info("one", taints=[soft]),
             node_info("two", taints=[soft, {**soft, "key": "old"}])]
    plugin.pre_score(state, pod, nodes, None)
    scores = [plugin.score(state, pod, n) for n in nodes]
    plugin.normalize_score(state, pod, nodes, scores)
    assert scores == [100, 50, 0]


def test_default_normalize_score():
    scores = [0, 5, 10]
    default_normalize_score(100, False, scores)
    assert scores == [0, 50, 100]
    scores = [0, 0]
    default_normalize_score(100, True, scores)
    assert scores == [100, 100]
