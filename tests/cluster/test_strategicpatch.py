import pytest
import yaml

from cluster import patchschema, strategicpatch
from cluster.errors import BadRequest, StatusError
from cluster.patch import STRATEGIC_MERGE_PATCH, parser

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
       "spec": {"containers": [
           {"name": "nginx", "image": "nginx:1.25", "env": [{"name": "A", "value": "1"}],
            "ports": [{"containerPort": 80}]},
           {"name": "sidecar", "image": "busybox"}]}}


def test_containers_merge_by_name():
    patched = strategicpatch.apply(
        POD, {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}})
    containers = patched["spec"]["containers"]
    assert [c["name"] for c in containers] == ["nginx", "sidecar"]
    assert containers[0]["image"] == "nginx:1.27"
    assert containers[0]["ports"] == [{"containerPort": 80}]
    assert POD["spec"]["containers"][0]["image"] == "nginx:1.25"


def test_env_merges_by_name_and_new_elements_append():
    patched = strategicpatch.apply(POD, {"spec": {"containers": [
        {"name": "nginx", "env": [{"name": "A", "value": "2"}, {"name": "B", "value": "3"}]}]}})
    assert patched["spec"]["containers"][0]["env"] == [
        {"name": "A", "value": "2"}, {"name": "B", "value": "3"}]


def test_patch_delete_removes_element_and_null_removes_key():
    patched = strategicpatch.apply(POD, {
        "metadata": {"labels": {"app": None}},
        "spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}})
    assert [c["name"] for c in patched["spec"]["containers"]] == ["nginx"]
    assert patched["metadata"]["labels"] == {}


def test_patch_replace_replaces_map_and_directives_are_not_stored():
    patched = strategicpatch.apply(POD, {"metadata": {"labels": {"$patch": "replace", "x": "y"}},
                                         "$setElementOrder/x": []})
    assert patched["metadata"]["labels"] == {"x": "y"}
    assert "$setElementOrder/x" not in patched


def test_parser_uses_strategic_merge():
    patch = parser(STRATEGIC_MERGE_PATCH)(
        b'{"spec": {"containers": [{"name": "sidecar", "image": "busybox:2"}]}}')
    patched = patch.apply(POD)
    assert [c["image"] for c in patched["spec"]["containers"]] == ["nginx:1.25", "busybox:2"]


# --- upstream's own cases ---------------------------------------------------------------------
# apimachinery's strategicpatch/patch_test.go, run against its test type (MergeItem, from
# testdata/swagger-merge-item.json): each case applies `patch` to `original` and expects `result`,
# element order included.

def _items(ref, strategy="", key=""):
    prop = {"type": "array", "items": {"$ref": f"#/definitions/{ref}"} if ref else {
        "type": "integer", "format": "int32"}}
    if strategy:
        prop["x-kubernetes-patch-strategy"] = strategy
    if key:
        prop["x-kubernetes-patch-merge-key"] = key
    return prop


MERGE_ITEM_DEFINITIONS = {
    "mergeItem": {"properties": {
        "name": {"type": "string"}, "value": {"type": "string"}, "other": {"type": "string"},
        "mergingList": _items("mergeItem", "merge", "name"),
        "nonMergingList": _items("mergeItem"),
        "mergingIntList": _items("", "merge"),
        "nonMergingIntList": _items(""),
        "mergeItemPtr": {"$ref": "#/definitions/mergeItem", "x-kubernetes-patch-merge-key": "name",
                         "x-kubernetes-patch-strategy": "merge"},
        "simpleMap": {"type": "object", "additionalProperties": {"type": "string"}},
        "replacingItem": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.runtime.RawExtension",
                          "x-kubernetes-patch-strategy": "replace"},
        "retainKeysMap": {"$ref": "#/definitions/retainKeysMergeItem",
                          "x-kubernetes-patch-strategy": "retainKeys"},
        "retainKeysMergingList": _items("mergeItem", "merge,retainKeys", "name"),
    }},
    "retainKeysMergeItem": {"properties": {
        "name": {"type": "string"}, "value": {"type": "string"}, "other": {"type": "string"},
        "simpleMap": {"type": "object", "additionalProperties": {"type": "string"}},
        "mergingList": _items("mergeItem", "merge", "name"),
        "nonMergingList": _items("mergeItem"),
        "mergingIntList": _items("", "merge"),
    }},
    "io.k8s.apimachinery.pkg.runtime.RawExtension": {"properties": {"Raw": {"type": "string"}}},
}

UPSTREAM_CASES = yaml.safe_load("""
- description: unique scalars when merging lists
  original: {mergingIntList: [1, 2]}
  patch: {mergingIntList: [2, 3]}
  result: {mergingIntList: [1, 2, 3]}
- description: delete map from nested map
  original: {simpleMap: {key1: 1, key2: 1}}
  patch: {simpleMap: {$patch: delete}}
  result: {simpleMap: {}}
- description: delete all items from merging list
  original: {mergingList: [{name: 1}, {name: 2}]}
  patch: {mergingList: [{$patch: replace}]}
  result: {mergingList: []}
- description: delete all keys from map
  original: {name: 1, value: 1}
  patch: {$patch: replace}
  result: {}
- description: add key and delete all keys from map
  original: {name: 1, value: 1}
  patch: {other: a, $patch: replace}
  result: {other: a}
- description: delete all duplicate entries in a merging list
  original: {mergingList: [{name: 1}, {name: 1}, {name: 2, value: a}, {name: 3}, {name: 3}]}
  patch: {mergingList: [{name: 1, $patch: delete}, {name: 1, $patch: delete},
                        {name: 3, $patch: delete}, {name: 3, $patch: delete}]}
  result: {mergingList: [{name: 2, value: a}]}
- description: retainKeys map can delete a field when no retainKeys directive present
  original: {retainKeysMap: {name: foo, value: a}}
  patch: {retainKeysMap: {value: null}}
  result: {retainKeysMap: {name: foo}}
- description: retainKeys list can change a field when no retainKeys directive present
  original: {retainKeysMergingList: [{name: bar}, {name: foo, value: a}]}
  patch: {retainKeysMergingList: [{name: foo, value: b}]}
  result: {retainKeysMergingList: [{name: bar}, {name: foo, value: b}]}
- description: preserve the order from the patch in a merging list
  original: {mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]}
  patch: {mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, other: x}]}
  result: {mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, value: b, other: x}]}
- description: preserve the order from the patch in a merging list 2
  original: {mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]}
  patch: {mergingList: [{name: 3, value: c}, {name: 1, value: a}]}
  result: {mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]}
- description: preserve the order from the patch in a merging int list
  original: {mergingIntList: [1, 2, 3]}
  patch: {mergingIntList: [3, 1]}
  result: {mergingIntList: [2, 3, 1]}
- description: $setElementOrder contains item that is not present in the list to be merged
  original: {mergingList: [{name: 1}, {name: 3}]}
  patch: {$setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}],
          mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}
  result: {mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}
- description: $setElementOrder contains item that is not present in the int list to be merged
  original: {mergingIntList: [1, 3]}
  patch: {$setElementOrder/mergingIntList: [3, 2, 1]}
  result: {mergingIntList: [3, 1]}
- description: add field and delete field from map with conflict
  original: {name: a, other: a}
  patch: {name: null, value: 1}
  result: {value: 1, other: a}
- description: delete all maps from merging list with conflict
  original: {mergingList: [{name: 1, other: a}, {name: 2, other: b}]}
  patch: {mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]}
  result: {mergingList: []}
- description: replace list of scalars with conflict
  original: {nonMergingIntList: [1, 4]}
  patch: {nonMergingIntList: [2, 3]}
  result: {nonMergingIntList: [2, 3]}
- description: delete items in lists of scalars
  original: {mergingIntList: [1, 2, 3, 4]}
  patch: {$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: [1, 2, 4]}
- description: delete all duplicate items in lists of scalars
  original: {mergingIntList: [1, 2, 3, 3, 4]}
  patch: {$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: [1, 2, 4]}
- description: add and delete items in lists of scalars
  original: {mergingIntList: [1, 2, 3]}
  patch: {$setElementOrder/mergingIntList: [1, 2, 4], $deleteFromPrimitiveList/mergingIntList: [3],
          mergingIntList: [4]}
  result: {mergingIntList: [1, 2, 4]}
- description: merge lists of maps
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]}
  patch: {$setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}],
          mergingList: [{name: 4, value: 4}, {name: 3, value: 3}]}
  result: {mergingList: [{name: 4, value: 4}, {name: 1, other: a},
                         {name: 2, value: 2, other: b}, {name: 3, value: 3}]}
- description: merge lists of maps with conflict
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 3, other: b}]}
  patch: {$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}],
          mergingList: [{name: 2, value: 2}, {name: 3, value: 3}]}
  result: {mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b},
                         {name: 3, value: 3}]}
- description: set elements order in a merging list with server-only items
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2}, {name: 7}, {name: 9},
                           {name: 8}, {name: 3, value: 3}, {name: 4, value: 4}]}
  patch: {$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]}
  result: {mergingList: [{name: 2, value: 2}, {name: 1, other: a}, {name: 7}, {name: 9},
                         {name: 8}, {name: 4, value: 4}, {name: 3, value: 3}]}
- description: add and delete an item in a int list and preserve order
  original: {mergingIntList: [1, 2, 3]}
  patch: {$setElementOrder/mergingIntList: [4, 2, 1], mergingIntList: [4],
          $deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: [4, 2, 1]}
- description: set elements order in a int list with server-only items 2
  original: {mergingIntList: [1, 2, 9, 3, 4]}
  patch: {$setElementOrder/mergingIntList: [2, 1, 4, 3]}
  result: {mergingIntList: [2, 1, 9, 4, 3]}
- description: set elements order in a int list with server-only items 3
  original: {mergingIntList: [1, 2, 7, 9, 8, 3, 4]}
  patch: {$setElementOrder/mergingIntList: [2, 1, 4, 3]}
  result: {mergingIntList: [2, 1, 7, 9, 8, 4, 3]}
- description: behavior of set element order for a merging list with duplicate
  original: {mergingList: [{name: 1}, {name: 2, value: dup1}, {name: 3}, {name: 2, value: dup2},
                           {name: 4}]}
  patch: {$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}, {name: 2}]}
  result: {mergingList: [{name: 2, value: dup1}, {name: 2, value: dup2}, {name: 1}, {name: 4},
                         {name: 3}]}
- description: behavior of set element order for a merging int list with duplicate
  original: {mergingIntList: [1, 2, 3, 2, 4]}
  patch: {$setElementOrder/mergingIntList: [2, 1, 4, 3, 2]}
  result: {mergingIntList: [2, 2, 1, 4, 3]}
- description: retainKeys map should clear defaulted field with conflict (discriminated union)
  original: {retainKeysMap: {name: type1, value: foo}}
  patch: {retainKeysMap: {$retainKeys: [name, other], name: type2, other: bar}}
  result: {retainKeysMap: {name: type2, other: bar}}
- description: retainKeys map deletes a field and clears a field
  original: {retainKeysMap: {name: foo, value: bar, other: a}}
  patch: {retainKeysMap: {$retainKeys: [name], value: null}}
  result: {retainKeysMap: {name: foo}}
- description: retainKeys map adds a field in a nested map
  original: {retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a, key3: c}}}
  patch: {retainKeysMap: {$retainKeys: [name, simpleMap, value], simpleMap: {key2: b}}}
  result: {retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a, key2: b, key3: c}}}
- description: retainKeys map replaces non-merging list
  original: {retainKeysMap: {name: foo, value: bar, nonMergingList: [{name: a}, {name: b}]}}
  patch: {retainKeysMap: {$retainKeys: [name, nonMergingList, value],
                          nonMergingList: [{name: a}, {name: c}, {name: b}]}}
  result: {retainKeysMap: {name: foo, value: bar,
                           nonMergingList: [{name: a}, {name: c}, {name: b}]}}
""")

UPSTREAM_ERRORS = yaml.safe_load("""
- description: should check if order in $setElementOrder and patch list match
  original: {mergingList: [{name: 1}, {name: 3}, {name: 2}]}
  patch: {$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}],
          mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}
  error: doesn't match
- description: should check if order in $setElementOrder and patch int list match
  original: {mergingIntList: [1, 3, 2]}
  patch: {$setElementOrder/mergingIntList: [1, 2, 3], mergingIntList: [3, 1]}
  error: doesn't match
- description: missing merge key should error out
  original: {mergingList: [{name: 1, value: a}]}
  patch: {mergingList: [{value: b}]}
  error: "map: map[value:b] does not contain declared merge key: name"
- description: retainKeys must list every field the patch sets
  original: {retainKeysMap: {name: foo}}
  patch: {retainKeysMap: {$retainKeys: [name], value: bar}}
  error: invalid patch format of retainKeys
""")


def _merge_item():
    return patchschema.of(MERGE_ITEM_DEFINITIONS, "mergeItem")


@pytest.mark.parametrize("case", UPSTREAM_CASES, ids=lambda c: c["description"])
def test_upstream_cases(case):
    assert strategicpatch.apply(case["original"], case["patch"], _merge_item()) == case["result"]


@pytest.mark.parametrize("case", UPSTREAM_ERRORS, ids=lambda c: c["description"])
def test_upstream_error_cases(case):
    with pytest.raises(StatusError) as raised:
        strategicpatch.apply(case["original"], case["patch"], _merge_item())
    assert case["error"] in raised.value.message


# --- the Kubernetes schemas' merge keys and strategies ---------------------------------------

DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {
    "name": "web", "finalizers": ["a/x", "b/y"]}, "spec": {"template": {"spec": {
        "tolerations": [{"key": "k1"}, {"key": "k2"}],
        "volumes": [{"name": "data", "emptyDir": {}}],
        "containers": [{"name": "web", "image": "nginx", "ports": [
            {"containerPort": 80, "name": "http"}, {"containerPort": 443, "name": "https"}],
            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]}}}}


def _pod_spec(obj):
    return obj["spec"]["template"]["spec"]


def test_ports_merge_by_container_port():
    patched = strategicpatch.apply(DEPLOYMENT, {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "ports": [{"containerPort": 443, "name": "tls"}]}]}}}})
    assert _pod_spec(patched)["containers"][0]["ports"] == [
        {"containerPort": 80, "name": "http"}, {"containerPort": 443, "name": "tls"}]


def test_finalizers_merge_as_a_set_and_delete_from_primitive_list():
    patched = strategicpatch.apply(DEPLOYMENT, {"metadata": {
        "finalizers": ["b/y", "c/z"], "$deleteFromPrimitiveList/finalizers": ["a/x"]}})
    assert patched["metadata"]["finalizers"] == ["b/y", "c/z"]


def test_lists_without_a_strategy_are_replaced():
    patched = strategicpatch.apply(DEPLOYMENT, {"spec": {"template": {"spec": {
        "tolerations": [{"key": "k3"}]}}}})
    assert _pod_spec(patched)["tolerations"] == [{"key": "k3"}]


def test_volume_retain_keys_clears_the_other_source():
    patched = strategicpatch.apply(DEPLOYMENT, {"spec": {"template": {"spec": {
        "$setElementOrder/volumes": [{"name": "data"}],
        "volumes": [{"name": "data", "$retainKeys": ["configMap", "name"],
                     "configMap": {"name": "cm"}}]}}}})
    assert _pod_spec(patched)["volumes"] == [{"name": "data", "configMap": {"name": "cm"}}]


def test_client_side_apply_patch_removing_a_port_and_an_env_entry():
    # What kubectl apply sends after `ports` lost 443 and `env` lost B in the manifest.
    patched = strategicpatch.apply(DEPLOYMENT, {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "web"}],
        "containers": [{"name": "web",
                        "$setElementOrder/env": [{"name": "A"}],
                        "$setElementOrder/ports": [{"containerPort": 80}],
                        "env": [{"name": "B", "$patch": "delete"}],
                        "ports": [{"containerPort": 443, "$patch": "delete"}]}]}}}})
    container = _pod_spec(patched)["containers"][0]
    assert container["ports"] == [{"containerPort": 80, "name": "http"}]
    assert container["env"] == [{"name": "A", "value": "1"}]


def test_errors_answer_as_upstream():
    with pytest.raises(BadRequest, match="invalid patch format of setElementOrder list"):
        strategicpatch.apply(DEPLOYMENT, {"metadata": {"$setElementOrderX/finalizers": []}})
    with pytest.raises(StatusError) as raised:
        strategicpatch.apply(DEPLOYMENT, {"metadata": {"$patch": "bogus"}})
    assert raised.value.code == 500 and "reason" not in raised.value.status()
    assert raised.value.message == "unknown patch type: bogus in map: map[$patch:bogus]"
    with pytest.raises(StatusError) as raised:
        strategicpatch.apply({**DEPLOYMENT, "metadata": {"finalizers": []}},
                             {"metadata": {"finalizers": [["x"]]}})
    assert raised.value.code == 422
    assert raised.value.details["causes"] == [{"message": "lists of lists are not supported"}]
