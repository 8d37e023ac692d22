from cluster import strategicpatch
from cluster.patch import STRATEGIC_MERGE_PATCH, parser

POD = {"metadata": {"name": "web", "labels": {"app": "web"}},
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
