"""Keys a body repeats, as sigs.k8s.io/json and go-yaml report them."""
import yaml

from cluster import manifests
from cluster.api import duplicates


def test_json_repeats_in_document_order():
    sent = duplicates.load_json('{"a": 1, "spec": {"x": 1, "y": {"z": 1, "z": 2}, "x": 3}, "a": 4}')
    assert sent.obj == {"a": 4, "spec": {"x": 3, "y": {"z": 2}}}
    assert [path for path, _ in sorted(sent.duplicates(), key=lambda d: d[1])] == [
        ("spec", "y", "z"), ("spec", "x"), ("a",)]
    # an unknown field is placed where it first appears, a value where its last copy is
    assert sent.position(["spec", "x"], final=True) < sent.position(["spec", "y", "z"])
    assert sent.position(["spec", "x"]) > sent.position(["spec", "y", "z"])


def test_no_repeats_costs_no_walk():
    sent = duplicates.load_json(b'{"a": [{"b": 1}]}')
    assert sent.duplicates() == [] and sent.position(["a", 0, "b"]) == (0, 0, 0)


def test_yaml_repeats_with_go_yaml_lines():
    text = "a: 1\nb:\n  c: 1\n  c: 2\n  1: x\n  1: y\na: 3\n"
    tree = next(manifests._compose(yaml.parse(text, Loader=manifests._LOADER)))  # its nodes
    assert duplicates.yaml_duplicates(tree) == [
        'line 4: key "c" already set in map', "line 6: key 1 already set in map",
        'line 7: key "a" already set in map']
