"""cluster.printers: each kind's columns and cells, as kube-apiserver prints them."""
import pytest

from cluster import clock, kinds, printers, store

from .objects import NOW, ago, meta, row


def test_names_and_messages_come_out_raw_for_the_templates_to_escape():
    hostile = "<script>alert(1)</script>"
    cm = {"metadata": meta(hostile), "data": {"k": '"><img src=x onerror=alert(1)>'}}
    assert row("ConfigMap", cm)[0] == hostile
    event = {"metadata": meta("e"), "message": f"  {hostile}\n", "type": "Warning",
             "involvedObject": {"kind": "Pod", "name": hostile}}
    assert row("Event", event, wide=False)[3:] == [f"pod/{hostile}", hostile]


EXPECTED_COLUMNS = {
    "Namespace": ["Name", "Status", "Age"],
    "Node": ["Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP",
             "OS-Image", "Kernel-Version", "Container-Runtime"],
    "Pod": ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node",
            "Readiness Gates"],
    "Service": ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"],
    "Endpoints": ["Name", "Endpoints", "Age"],
    "ConfigMap": ["Name", "Data", "Age"],
    "Secret": ["Name", "Type", "Data", "Age"],
    "ServiceAccount": ["Name", "Secrets", "Age"],
    "PersistentVolume": ["Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim",
                         "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"],
    "PersistentVolumeClaim": ["Name", "Status", "Volume", "Capacity", "Access Modes",
                              "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode"],
    "Event": ["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message",
              "First Seen", "Count", "Name"],
    "Deployment": ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images",
                   "Selector"],
    "ReplicaSet": ["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images",
                   "Selector"],
    "DaemonSet": ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available",
                  "Node Selector", "Age", "Containers", "Images", "Selector"],
    "StatefulSet": ["Name", "Ready", "Age", "Containers", "Images"],
    "Job": ["Name", "Status", "Completions", "Duration", "Age", "Containers", "Images",
            "Selector"],
    "CronJob": ["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age",
                "Containers", "Images", "Selector"],
    "HorizontalPodAutoscaler": ["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas",
                                "Age"],
    "EndpointSlice": ["Name", "AddressType", "Ports", "Endpoints", "Age"],
    "StorageClass": ["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode",
                     "AllowVolumeExpansion", "Age"],
    "Lease": ["Name", "Holder", "Age"],
}
KUBECTL_GET_HEADERS = {  # what `kubectl get` shows without -o wide
    "Deployment": ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
    "ReplicaSet": ["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
    "Service": ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
    "Event": ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
    "Node": ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
    "Namespace": ["NAME", "STATUS", "AGE"],
    "Pod": ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
}


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.kind)
def test_every_kind_has_its_upstream_columns_and_a_cell_for_each(kind):
    cols = printers.columns(kind)
    assert [c.name for c in cols] == EXPECTED_COLUMNS[kind.kind]
    assert printers.columns(kind.kind) == cols  # by name too
    name = next(c for c in cols if c.name == "Name")
    assert (name.format, name.type) == ("name", "string") and name.description
    assert all(c.format == "" for c in cols if c is not name)
    bare = {"apiVersion": kind.api_version, "kind": kind.kind,
            "metadata": {"name": "x", "creationTimestamp": ago(30)}}
    assert len(printers.cells(kind, bare, NOW)) == len(cols)
    narrow = printers.cells(kind, bare, NOW, wide=False)
    assert len(narrow) == len(printers.columns(kind, wide=False)) == sum(not c.wide for c in cols)
    if kind.kind != "Event":  # an event's row has no name or age unless wide
        shown = [c.name for c in printers.columns(kind, wide=False)]
        assert narrow[0] == "x" and narrow[shown.index("Age")] == "30s"


@pytest.mark.parametrize("kind", sorted(KUBECTL_GET_HEADERS))
def test_kubectl_get_headers(kind):
    assert [c.header for c in printers.columns(kind, wide=False)] == KUBECTL_GET_HEADERS[kind]


def test_a_kind_without_a_printer_gets_name_and_age():
    assert [c.name for c in printers.columns("Widget")] == ["Name", "Age"]
    assert printers.cells("Widget", {"metadata": {"name": "w", "creationTimestamp": ago(5)}},
                          NOW) == ["w", "5s"]


def test_column_definitions_as_a_table_carries_them():
    restarts = printers.columns("Pod")[3]
    assert restarts.definition() == {
        "name": "Restarts", "type": "string", "format": "",
        "description": "The number of times the containers in this pod have been restarted and "
                       "when the last container in this pod has restarted.",
        "priority": 0}
    assert [(c.name, c.type) for c in printers.columns("ReplicaSet")[1:4]] == [
        ("Desired", "integer"), ("Current", "integer"), ("Ready", "integer")]
    assert printers.columns("CronJob")[3].type == "boolean"
    assert [c.header for c in printers.columns("Pod") if c.wide] == [
        "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]


# --- objects as the store keeps them ----------------------------------------------------------

@pytest.mark.django_db
def test_stored_objects_print_on_the_simulated_clock():
    clock.pause()
    svc = store.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    p = store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1"},
                      "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})
    clock.step(150)
    now = clock.now()
    service_cells = printers.cells(kinds.lookup("svc"), svc, now)
    assert service_cells[1] == "ClusterIP" and service_cells[2] == svc["spec"]["clusterIPs"][0]
    assert service_cells[3:] == ["<none>", "80/TCP", "2m30s", "app=web"]
    assert printers.cells(kinds.lookup("po"), p, now, wide=False) == [
        "web-1", "0/1", "Pending", "0", "2m30s"]
