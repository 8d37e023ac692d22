"""LIST with label and field selectors, and paging with limit and continue."""
from urllib.parse import quote

import pytest

from .objects import PODS, names, pod

pytestmark = pytest.mark.django_db


@pytest.fixture
def pods(api):
    for name, labels, node in (("a", {"app": "web", "tier": "front"}, "n1"),
                               ("b", {"app": "web", "tier": "back"}, "n2"),
                               ("c", {"app": "db"}, None),
                               ("d", None, None)):
        assert api.post(PODS, pod(name, labels, node))[0] == 201


@pytest.mark.parametrize(("selector", "expected"), [
    ("app=web", ["a", "b"]),
    ("app==web", ["a", "b"]),
    ("app!=web", ["c", "d"]),
    ("tier in (front,back)", ["a", "b"]),
    ("tier notin (front)", ["b", "c", "d"]),
    ("tier", ["a", "b"]),
    ("!tier", ["c", "d"]),
    ("app=web,tier=back", ["b"]),
    ("", ["a", "b", "c", "d"]),
])
def test_label_selectors(api, pods, selector, expected):
    status, body = api.get(f"{PODS}?labelSelector={quote(selector)}")
    assert status == 200 and names(body) == expected


@pytest.mark.parametrize(("selector", "expected"), [
    ("metadata.name=c", ["c"]),
    ("metadata.name!=c", ["a", "b", "d"]),
    ("spec.nodeName=n1", ["a"]),
    ("spec.nodeName=", ["c", "d"]),
    ("spec.nodeName!=,status.phase=Pending", ["a", "b"]),
])
def test_field_selectors(api, pods, selector, expected):
    status, body = api.get(f"{PODS}?fieldSelector={quote(selector)}")
    assert status == 200 and names(body) == expected


EVENTS = "/api/v1/namespaces/default/events"


def _event(name, involved, reason, **extra):
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name},
            "involvedObject": involved, "reason": reason, "type": "Normal", **extra}


@pytest.mark.parametrize(("selector", "expected"), [
    ("involvedObject.name=web", ["e1", "e2"]),
    ("involvedObject.kind=Pod,involvedObject.name=web", ["e1"]),
    ("involvedObject.name!=web", ["e3"]),
    ("involvedObject.fieldPath=", ["e2", "e3"]),  # a missing field matches the empty value
    ("involvedObject.fieldPath!=", ["e1"]),
    ("reason=Pulled,type=Normal", ["e1"]),
    ("source=kubelet", ["e1"]),
])
def test_event_field_selectors_find_the_involved_object(api, selector, expected):
    pod_ref = {"kind": "Pod", "namespace": "default", "name": "web", "uid": "u1",
               "fieldPath": "spec.containers{web}"}
    for event in (_event("e1", pod_ref, "Pulled", source={"component": "kubelet"}),
                  _event("e2", {"kind": "Deployment", "name": "web"}, "ScalingReplicaSet"),
                  _event("e3", {"kind": "Node", "name": "node-1"}, "NodeReady")):
        assert api.post(EVENTS, event)[0] == 201
    status, body = api.get(f"{EVENTS}?fieldSelector={quote(selector)}")
    assert status == 200 and names(body) == expected


def test_bad_selectors_are_400(api, pods):
    status, error = api.get(f"{PODS}?fieldSelector=spec.color%3Dred")
    assert status == 400 and error["message"] == "field label not supported: spec.color"
    status, error = api.get(f"{PODS}?labelSelector={quote('tier in front')}")
    assert status == 400 and error["reason"] == "BadRequest"


def test_paging_with_limit_and_continue(api, pods):
    status, first = api.get(f"{PODS}?limit=3")
    assert status == 200 and names(first) == ["a", "b", "c"]
    meta = first["metadata"]
    assert meta["remainingItemCount"] == 1 and meta["continue"]
    status, rest = api.get(f"{PODS}?limit=3&continue={meta['continue']}")
    assert names(rest) == ["d"]
    assert "continue" not in rest["metadata"] and "remainingItemCount" not in rest["metadata"]
    # The pages read as one list as of the first page's resourceVersion.
    assert rest["metadata"]["resourceVersion"] == meta["resourceVersion"]


def test_paging_with_a_selector(api, pods):
    _, first = api.get(f"{PODS}?limit=1&labelSelector=app%3Dweb")
    assert names(first) == ["a"] and first["metadata"]["remainingItemCount"] == 1
    _, rest = api.get(f"{PODS}?limit=1&labelSelector=app%3Dweb&continue={first['metadata']['continue']}")
    assert names(rest) == ["b"]


def test_bad_paging_parameters_are_400(api, pods):
    assert api.get(f"{PODS}?limit=x")[1]["message"] == 'strconv.ParseInt: parsing "x": invalid syntax'
    status, error = api.get(f"{PODS}?continue=garbage")
    assert status == 400 and error["message"].startswith("continue key is not valid")
    _, first = api.get(f"{PODS}?limit=1")
    status, error = api.get(f"{PODS}?limit=1&resourceVersion=5&continue={first['metadata']['continue']}")
    assert status == 400
    assert error["message"] == "specifying resource version is not allowed when using continue"
