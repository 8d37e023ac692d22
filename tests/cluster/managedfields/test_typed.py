"""Field sets, comparisons, merges and removals by the Kubernetes schemas."""
from cluster.managedfields import schema, typed

DEPLOYMENT = schema.for_kind("apps", "v1", "Deployment")
POD = schema.for_kind("", "v1", "Pod")
CONTAINERS = (("f", "spec"), ("f", "containers"))


def web(*containers, **meta):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", **meta},
            "spec": {"containers": list(containers)}}


def key(name):
    return ("k", (("name", name),))


def test_the_schema_knows_list_types_and_atomic_maps():
    spec = POD.field("spec")[0]
    assert spec.field("containers")[0].keys == ("name",)
    assert spec.field("tolerations")[0].atomic
    assert spec.field("nodeSelector")[0].atomic  # x-kubernetes-map-type: atomic
    container = spec.field("containers")[0].element()
    assert container.field("ports")[0].keys == ("containerPort", "protocol")
    assert container.field("args")[0].atomic
    selector = DEPLOYMENT.field("spec")[0].field("selector")[0]
    assert selector.atomic and selector.kind == schema.STRUCT


def test_field_set_of_an_applied_configuration():
    obj = web({"name": "a", "image": "x", "ports": [{"containerPort": 80}], "args": ["-v"]},
              labels={"app": "web"})
    item = (*CONTAINERS, key("a"))
    port = (*item, ("f", "ports"), ("k", (("containerPort", 80), ("protocol", "TCP"))))
    assert typed.field_set(obj, POD) == {
        (("f", "apiVersion"),), (("f", "kind"),), (("f", "metadata"), ("f", "name")),
        (("f", "metadata"), ("f", "labels"), ("f", "app")),
        item, (*item, ("f", "name")), (*item, ("f", "image")), (*item, ("f", "args")),
        port, (*port, ("f", "containerPort"))}


def test_compare_finds_added_modified_and_removed_fields():
    old = web({"name": "a", "image": "x"}, {"name": "b", "image": "y"})
    new = web({"name": "a", "image": "z"}, {"name": "c", "image": "y"}, labels={"k": "v"})
    c = typed.compare(old, new, POD)
    assert c.modified == {(*CONTAINERS, key("a"), ("f", "image"))}
    assert c.removed == {(*CONTAINERS, key("b")), (*CONTAINERS, key("b"), ("f", "name")),
                         (*CONTAINERS, key("b"), ("f", "image"))}
    labels = (("f", "metadata"), ("f", "labels"))
    assert {labels, (*labels, ("f", "k")), (*CONTAINERS, key("c"))} <= c.added


def test_a_create_does_not_add_the_structs_a_go_object_always_has():
    c = typed.compare(None, web({"name": "a", "image": "x"}), POD)
    assert (("f", "spec"),) not in c.added and CONTAINERS not in c.added
    assert (*CONTAINERS, key("a")) in c.added


def test_merge_lists_by_key_and_replace_atomic_ones():
    live = web({"name": "a", "image": "x", "args": ["1", "2"]}, {"name": "b", "image": "y"})
    config = web({"name": "b", "image": "z"}, {"name": "a", "args": ["3"]}, {"name": "c"})
    merged = typed.merge(live, config, POD)
    assert merged["spec"]["containers"] == [
        {"name": "a", "image": "x", "args": ["3"]}, {"name": "b", "image": "z"}, {"name": "c"}]
    assert live["spec"]["containers"][0]["args"] == ["1", "2"]  # unchanged


def test_remove_takes_paths_and_what_is_under_them_and_drops_what_it_empties():
    obj = web({"name": "a", "image": "x"}, {"name": "b", "image": "y"}, labels={"k": "v"})
    paths = {(*CONTAINERS, key("a")), (("f", "metadata"), ("f", "labels"), ("f", "k"))}
    from cluster.managedfields.fieldpath import tree
    out = typed.remove(obj, tree(paths)[1], POD)
    assert out["spec"]["containers"] == [{"name": "b", "image": "y"}]
    assert "labels" not in out["metadata"]


def test_ensure_named_adds_the_struct_fields_on_the_way_not_map_keys():
    label = (("f", "metadata"), ("f", "labels"), ("f", "k"))
    assert typed.ensure_named({label}, POD) == {
        label, (("f", "metadata"),), (("f", "metadata"), ("f", "labels"))}
