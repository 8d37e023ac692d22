"""cluster.patch: RFC 7386 merge patches, RFC 6902 JSON patches, and their errors."""
import json

import pytest

from cluster import patch
from cluster.errors import (
    BadRequest,
    Invalid,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)


@pytest.mark.parametrize(("target", "merge", "expected"), [  # RFC 7386, appendix A
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
])
def test_merge_follows_rfc_7386(target, merge, expected):
    assert patch.merge(target, merge) == expected


def test_merge_leaves_its_inputs_alone():
    target, merge = {"a": {"b": [1]}}, {"a": {"c": [2]}}
    result = patch.merge(target, merge)
    result["a"]["c"].append(3)
    assert target == {"a": {"b": [1]}} and merge == {"a": {"c": [2]}}


def apply(content_type, body, obj):
    return patch.parser(content_type)(json.dumps(body).encode()).apply(obj)


def test_a_merge_patch_that_is_not_an_object_is_invalid():
    with pytest.raises(Invalid) as e:
        apply(patch.MERGE_PATCH, ["x"], {"metadata": {}})
    assert e.value.causes[0]["field"] == "patch"


def test_json_patch_operations():
    obj = {"metadata": {"name": "a"}, "data": {"k": "v"}}
    ops = [{"op": "test", "path": "/data/k", "value": "v"},
           {"op": "copy", "from": "/data/k", "path": "/data/k2"},
           {"op": "replace", "path": "/data/k", "value": "w"}]
    assert apply(patch.JSON_PATCH, ops, obj)["data"] == {"k": "w", "k2": "v"}
    assert obj["data"] == {"k": "v"}


@pytest.mark.parametrize("ops", [
    [{"op": "test", "path": "/data/k", "value": "other"}],
    [{"op": "replace", "path": "/nope/deeper", "value": 1}],
    [{"op": "frobnicate", "path": "/data"}],
    [{"path": "/data"}],
])
def test_a_json_patch_that_does_not_apply_is_a_generic_422(ops):
    with pytest.raises(patch.PatchNotApplicable) as e:
        apply(patch.JSON_PATCH, ops, {"metadata": {}, "data": {"k": "v"}})
    assert e.value.code == 422 and e.value.details == {}  # rendered as an empty details object


def test_json_patch_decoding_errors():
    with pytest.raises(BadRequest):
        patch.parser(patch.JSON_PATCH)(b"not json")
    with pytest.raises(BadRequest, match="cannot unmarshal number into Go value of type jsonpatch.Operation"):
        patch.parser(patch.JSON_PATCH)(b"[1]")
    too_many = json.dumps([{"op": "test", "path": "", "value": 1}] * 10001).encode()
    with pytest.raises(RequestEntityTooLarge, match="got 10001"):
        patch.parser(patch.JSON_PATCH)(too_many)


def test_strategic_merge_directives_are_applied():
    pod = {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [
        {"name": "a", "image": "a"}, {"name": "b", "image": "b"}]}}
    body = {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                     "containers": [{"name": "a", "image": "x"}]}}
    assert apply(patch.STRATEGIC_MERGE_PATCH, body, pod)["spec"] == {
        "containers": [{"name": "b", "image": "b"}, {"name": "a", "image": "x"}]}


def test_unknown_patch_types_are_unsupported():
    with pytest.raises(UnsupportedMediaType):
        patch.parser("application/apply-patch+cbor")  # served only behind a feature gate
