"""Each filter plugin keeps a pod off the nodes it must not go to, and says so in upstream's words:
in the pod's PodScheduled condition, its FailedScheduling event and its verdict."""
import pytest

from workers.models import SchedulingVerdict

from .objects import condition, control_plane, node, node_of, pod

pytestmark = pytest.mark.django_db
NOT_HELPFUL = "no new claims to deallocate, preemption: 0/{n} nodes are available: {n} " \
              "Preemption is not helpful for scheduling."
NO_VICTIMS = "no new claims to deallocate, preemption: 0/{n} nodes are available: {n} No " \
             "preemption victims found for incoming pod."


def message(name):
    return condition(name)["message"]


def rejected_by(name, node_name):
    return SchedulingVerdict.objects.get(name=name).verdict["nodes"][node_name]


def test_a_cordoned_node_takes_only_pods_that_tolerate_it(schedule):
    node("node-1", unschedulable=True)
    pod("web")
    pod("agent", tolerations=[{"key": "node.kubernetes.io/unschedulable", "operator": "Exists"}])
    schedule()
    assert message("web") == ("0/1 nodes are available: 1 node(s) were unschedulable. "
                              + NOT_HELPFUL.format(n=1))
    assert rejected_by("web", "node-1") == {"filter": "NodeUnschedulable",
                                            "reasons": ["node(s) were unschedulable"]}
    assert node_of("agent") == "node-1"


@pytest.mark.parametrize("effect", ["NoSchedule", "NoExecute"])
def test_untolerated_taints_keep_pods_off(schedule, effect):
    node("node-1", taints=[{"key": "dedicated", "value": "gpu", "effect": effect}])
    pod("web")
    pod("trainer", tolerations=[{"key": "dedicated", "operator": "Equal", "value": "gpu"}])
    schedule()
    # Since 1.35 the message no longer names the taint.
    assert message("web") == ("0/1 nodes are available: 1 node(s) had untolerated taint(s). "
                              + NOT_HELPFUL.format(n=1))
    assert node_of("trainer") == "node-1"


def test_requests_must_fit_what_the_node_has_left(schedule):
    node("node-1", cpu="2", memory="4Gi")
    pod("old", cpu="1500m", memory="3Gi", nodeName="node-1")
    pod("web", cpu="1", memory="2Gi")
    schedule()
    # Evicting could make room, but nothing has a lower priority.
    assert message("web") == ("0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. "
                              + NO_VICTIMS.format(n=1))
    assert rejected_by("web", "node-1") == {"filter": "NodeResourcesFit",
                                            "reasons": ["Insufficient cpu", "Insufficient memory"]}


def test_a_request_larger_than_the_node_is_not_helped_by_preemption(schedule):
    node("node-1", cpu="2")
    pod("huge", cpu="3")
    schedule()
    assert message("huge") == "0/1 nodes are available: 1 Insufficient cpu. " + \
        NOT_HELPFUL.format(n=1)


def test_a_node_takes_as_many_pods_as_it_allows(schedule):
    node("node-1", pods="1")
    pod("old", nodeName="node-1")
    pod("web")
    schedule()
    assert message("web").startswith("0/1 nodes are available: 1 Too many pods. ")


def test_init_containers_and_overhead_count(schedule):
    node("node-1", cpu="1")
    pod("web", cpu="500m", overhead={"cpu": "100m"},
        initContainers=[{"name": "migrate", "image": "busybox",
                         "resources": {"requests": {"cpu": "950m"}}}])
    schedule()
    assert rejected_by("web", "node-1")["reasons"] == ["Insufficient cpu"]  # 1050m > 1


def test_node_selector_and_required_node_affinity(schedule):
    node("node-1", labels={"disktype": "ssd"})
    node("node-2", labels={"disktype": "hdd"})
    pod("db", nodeSelector={"disktype": "ssd"})
    pod("cache", affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "disktype", "operator": "NotIn", "values": ["ssd"]}]}]}}})
    pod("lost", nodeSelector={"disktype": "nvme"})
    schedule()
    assert (node_of("db"), node_of("cache")) == ("node-1", "node-2")
    assert message("lost") == ("0/2 nodes are available: 2 node(s) didn't match Pod's node "
                               "affinity/selector. " + NOT_HELPFUL.format(n=2))


def test_host_ports_must_be_free(schedule):
    node("node-1")
    pod("old", nodeName="node-1", ports=[{"containerPort": 80, "hostPort": 8080}])
    pod("web", ports=[{"containerPort": 80, "hostPort": 8080}])
    pod("udp", ports=[{"containerPort": 80, "hostPort": 8080, "protocol": "UDP"}])
    schedule()
    assert message("web") == ("0/1 nodes are available: 1 node(s) didn't have free ports for the "
                              "requested pod ports. " + NO_VICTIMS.format(n=1))
    assert node_of("udp") == "node-1"


ONE_PER_NODE = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname"}]}}


def test_required_anti_affinity_by_hostname(schedule):
    node("node-1")
    node("node-2")
    for name in ("web-1", "web-2", "web-3"):
        pod(name, labels={"app": "web"}, affinity=ONE_PER_NODE)
    schedule()
    assert {node_of("web-1"), node_of("web-2")} == {"node-1", "node-2"}
    assert message("web-3") == ("0/2 nodes are available: 2 node(s) didn't match pod "
                                "anti-affinity rules. " + NO_VICTIMS.format(n=2))


def test_existing_pods_anti_affinity_keeps_matching_pods_away(schedule):
    node("node-1")
    node("node-2")
    pod("loner", nodeName="node-1", labels={"app": "loner"}, affinity=ONE_PER_NODE)
    pod("web", labels={"app": "web"})
    schedule()
    assert node_of("web") == "node-2"
    assert rejected_by("web", "node-1") == {
        "filter": "InterPodAffinity",
        "reasons": ["node(s) didn't satisfy existing pods anti-affinity rules"]}


def _affinity_to(app):
    return {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": "kubernetes.io/hostname"}]}}


def test_required_affinity_follows_the_pods_it_names(schedule):
    node("node-1")
    node("node-2")
    pod("db", nodeName="node-2", labels={"app": "db"})
    pod("api", affinity=_affinity_to("db"))
    pod("lonely", affinity=_affinity_to("nobody"))
    schedule()
    assert node_of("api") == "node-2"
    assert message("lonely") == ("0/2 nodes are available: 2 node(s) didn't match pod affinity "
                                 "rules. " + NOT_HELPFUL.format(n=2))


def test_do_not_schedule_spread_constraints(schedule):
    node("node-1")
    node("node-2")
    pod("web-1", nodeName="node-1", labels={"app": "web"})
    spread = [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
               "whenUnsatisfiable": "DoNotSchedule",
               "labelSelector": {"matchLabels": {"app": "web"}}}]
    pod("web-2", labels={"app": "web"}, topologySpreadConstraints=spread)
    pod("web-3", labels={"app": "web"}, topologySpreadConstraints=spread)
    schedule()
    assert node_of("web-2") == "node-2"  # node-1 would make the skew 2
    assert node_of("web-3") in ("node-1", "node-2")


def test_the_mixed_message_counts_each_reason(schedule):
    """The example of kube-scheduler's message: a tainted control plane, two full workers."""
    control_plane()
    for name in ("node-1", "node-2"):
        node(name, cpu="2")
        pod(f"busy-{name}", cpu="1500m", nodeName=name)
    pod("web-5d9c8b7f6-x2x7q", cpu="1")
    schedule()
    expected = ("0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. "
                "no new claims to deallocate, preemption: 0/3 nodes are available: 1 Preemption "
                "is not helpful for scheduling, 2 No preemption victims found for incoming pod.")
    assert condition("web-5d9c8b7f6-x2x7q") | {"lastTransitionTime": None} == {
        "type": "PodScheduled", "status": "False", "lastProbeTime": None,
        "lastTransitionTime": None, "reason": "Unschedulable", "message": expected}


def test_preemption_that_would_help_adds_nothing_to_the_message(schedule):
    """Upstream would nominate a node and evict the victims (not simulated here)."""
    node("node-1", cpu="2")
    pod("batch", cpu="1500m", nodeName="node-1", priority=0)
    pod("urgent", cpu="1", priority=1000)
    pod("polite", cpu="1", priority=1000, preemptionPolicy="Never")
    schedule()
    assert message("urgent") == "0/1 nodes are available: 1 Insufficient cpu."
    assert message("polite") == ("0/1 nodes are available: 1 Insufficient cpu. no new claims to "
                                 "deallocate, preemption: not eligible due to "
                                 "preemptionPolicy=Never.")


def test_no_nodes_at_all(schedule):
    pod("web")
    schedule()
    assert condition("web")["reason"] == "SchedulerError"
    assert message("web") == "no nodes available to schedule pods"
