"""metrics.k8s.io's usage printed as metrics-server prints it."""
from cluster.printers import metrics


def pod_metrics(*usages):
    return {"metadata": {"name": "web"}, "window": "15s",
            "containers": [{"name": f"c{i}", "usage": u} for i, u in enumerate(usages)]}


def test_a_pods_usage_is_the_sum_of_its_containers_in_canonical_form():
    pod = pod_metrics({"cpu": "250m", "memory": "512Ki"}, {"cpu": "750m", "memory": "512Ki"})
    names = metrics.resources([pod])
    assert names == ["cpu", "memory"]
    assert [c.name for c in metrics.columns(names)] == ["Name", "cpu", "memory", "Window"]
    assert metrics.cells(pod, names) == ["web", "1", "1Mi", "15s"]


def test_a_nodes_usage_and_no_columns_without_items():
    node = {"metadata": {"name": "node-1"}, "window": "15s",
            "usage": {"memory": "2048Ki", "cpu": "60m"}}
    assert metrics.cells(node, metrics.resources([node])) == ["node-1", "60m", "2Mi", "15s"]
    assert metrics.resources([]) is None
    # A resource the first item lacks prints as zero, as an empty Quantity does.
    assert metrics.cells(pod_metrics({"cpu": "1m"}), ["cpu", "memory"]) == ["web", "1m", "0", "15s"]
