"""cluster.printers.events: `kubectl get events`."""
from .objects import ago, meta, row


def event(**more):
    return {"metadata": meta("web.17f2a", created=400), "type": "Warning", "reason": "BackOff",
            "message": "Back-off restarting failed container app in pod web_default(uid-web)",
            "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web",
                               "fieldPath": "spec.containers{app}"},
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": ago(400), "lastTimestamp": ago(20), "count": 7, **more}


def test_event_rows_as_kubectl_get_events_shows_them():
    assert row("Event", event(), wide=False) == [
        "20s", "Warning", "BackOff", "pod/web",
        "Back-off restarting failed container app in pod web_default(uid-web)"]
    assert row("Event", event()) == [
        "20s", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, node-1",
        "Back-off restarting failed container app in pod web_default(uid-web)", "6m40s", 7,
        "web.17f2a"]


def test_events_of_the_new_api_and_without_a_name():
    new = event(firstTimestamp=None, lastTimestamp=None, count=None, eventTime=ago(30),
                source={}, reportingComponent="default-scheduler", reportingInstance="")
    new["involvedObject"] = {"kind": "Node"}
    cells = row("Event", new)
    assert cells[:4] == ["30s", "Warning", "BackOff", "node"]
    assert (cells[5], cells[7], cells[8]) == ("default-scheduler", "30s", 1)
    series = event(series={"count": 12, "lastObservedTime": ago(3)})
    cells = row("Event", series)
    assert (cells[0], cells[8]) == ("3s", 12)
