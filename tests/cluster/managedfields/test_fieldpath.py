"""FieldsV1: paths encoded and decoded as structured-merge-diff writes them."""
import pytest

from cluster.errors import BadRequest
from cluster.managedfields import fieldpath

CONTAINER = (("f", "spec"), ("f", "containers"), ("k", (("name", "web"),)))
PORT = (*CONTAINER, ("f", "ports"), ("k", (("containerPort", 80), ("protocol", "TCP"))))


def test_members_with_children_carry_a_dot_and_elements_sort_fields_first():
    paths = {CONTAINER, (*CONTAINER, ("f", "name")), (*CONTAINER, ("f", "image")), PORT,
             (("f", "metadata"), ("f", "labels"), ("f", "app")),
             (("f", "metadata"), ("f", "finalizers"), ("v", "x"))}
    assert fieldpath.encode(paths) == {
        "f:metadata": {"f:finalizers": {'v:"x"': {}}, "f:labels": {"f:app": {}}},
        "f:spec": {"f:containers": {'k:{"name":"web"}': {
            ".": {}, "f:image": {}, "f:name": {},
            "f:ports": {'k:{"containerPort":80,"protocol":"TCP"}': {}}}}}}
    assert list(fieldpath.encode(paths)) == ["f:metadata", "f:spec"]


def test_decode_inverts_encode():
    paths = {CONTAINER, (*CONTAINER, ("f", "image")), PORT, (("f", "data"),),
             (("f", "items"), ("i", 2))}
    assert fieldpath.decode(fieldpath.encode(paths)) == paths


def test_paths_print_as_conflict_messages_name_them():
    assert fieldpath.path_text((("f", "spec"), ("f", "replicas"))) == ".spec.replicas"
    assert fieldpath.path_text((*PORT, ("f", "hostPort"))) == (
        '.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].hostPort')
    assert fieldpath.path_text((("f", "finalizers"), ("v", "x"))) == '.finalizers[="x"]'


@pytest.mark.parametrize("fields", [{"x:y": {}}, {"f:a": []}, {"k:[1]": {}}, []])
def test_what_is_not_fieldsv1_is_refused(fields):
    with pytest.raises(BadRequest):
        fieldpath.decode(fields)


def test_entries_decode_with_their_times_in_rfc3339():
    from cluster.managedfields import managers

    entry = {"manager": "py", "operation": "Update", "apiVersion": "v1",
             "time": "2026-01-02T03:04:05+00:00", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:data": {"f:a": {}}}}
    decoded = managers.decode([entry])
    assert managers.encode(decoded) == [{**entry, "time": "2026-01-02T03:04:05Z"}]
    assert list(decoded) == [("py", "Update", "", "v1")]
