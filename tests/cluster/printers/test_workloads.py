"""cluster.printers.workloads: deployments, replica sets, daemon sets, stateful sets."""
from cluster import printers

from .objects import meta, row, template


def test_deployment_row():
    d = {"metadata": meta(created=90),
         "spec": {"replicas": 3, **template("nginx:1.27", "envoy:1.30", selector={
             "matchLabels": {"app": "web", "tier": "front"},
             "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]},
                                  {"key": "legacy", "operator": "DoesNotExist"}]})},
         "status": {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 3,
                    "availableReplicas": 2}}
    assert row("Deployment", d) == ["web", "2/3", 3, 2, "90s", "c0,c1", "nginx:1.27,envoy:1.30",
                                    "app=web,env in (dev,prod),!legacy,tier=front"]
    assert row("Deployment", d, wide=False) == ["web", "2/3", 3, 2, "90s"]
    fresh = {"metadata": meta(), "spec": {"replicas": 2, **template("nginx")}}
    assert row("Deployment", fresh, wide=False)[1:4] == ["0/2", 0, 0]


def test_an_invalid_selector_prints_as_upstream_says():
    bad = {"matchExpressions": [{"key": "env", "operator": "In", "values": []}]}
    d = {"metadata": meta(), "spec": {"replicas": 1, **template("nginx", selector=bad)}}
    assert row("Deployment", d)[-1] == "<invalid>"
    rs = {"metadata": meta(), "spec": {"replicas": 1, **template("nginx", selector=bad)}}
    assert row("ReplicaSet", rs)[-1] == "<error>"
    assert printers.format_label_selector({}) == "<none>"
    assert printers.format_label_selector(
        {"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["b", "a"]},
                              {"key": "gpu", "operator": "Exists"}]}) == "gpu,zone notin (a,b)"


def test_replica_set_row():
    rs = {"metadata": meta("web-5d8f7c9b4", created=4000),
          "spec": {"replicas": 3, **template("nginx:1.27")},
          "status": {"replicas": 3, "readyReplicas": 1, "availableReplicas": 1}}
    assert row("ReplicaSet", rs) == ["web-5d8f7c9b4", 3, 3, 1, "66m", "c0", "nginx:1.27",
                                     "app=web"]
    scaled_down = {"metadata": meta("old"), "spec": {"replicas": 0, **template("nginx")},
                   "status": {"replicas": 0}}
    assert row("ReplicaSet", scaled_down, wide=False) == ["old", 0, 0, 0, "5m"]


def test_daemon_set_row():
    spec = template("fluent-bit:3")
    spec["template"]["spec"]["nodeSelector"] = {"kubernetes.io/os": "linux", "disk": "ssd"}
    ds = {"metadata": meta("logs"), "spec": spec,
          "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                     "updatedNumberScheduled": 3, "numberAvailable": 2}}
    assert row("DaemonSet", ds) == ["logs", 3, 3, 2, 3, 2, "disk=ssd,kubernetes.io/os=linux",
                                    "5m", "c0", "fluent-bit:3", "app=web"]


def test_stateful_set_row():
    sts = {"metadata": meta("db"), "spec": {"replicas": 3, **template("postgres:17")},
           "status": {"replicas": 2, "readyReplicas": 2}}
    assert row("StatefulSet", sts) == ["db", "2/3", "5m", "c0", "postgres:17"]
