"""Reading uploads as kubectl does: documents, Lists, JSON, YAML 1.1 typing, lines, and limits."""
import json
import textwrap
import time

import pytest
from django.conf import settings

from cluster import manifests
from cluster.errors import BadRequest, RequestEntityTooLarge
from cluster.manifests import ManifestError, parse


def line(text, needle, nth=1):
    """The 1-based line of the nth line containing `needle`."""
    hits = [i for i, text_line in enumerate(text.splitlines(), 1) if needle in text_line]
    return hits[nth - 1]


DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels:
        app: web
    spec:
      replicas: 2
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels:
            app: web
        spec:
          containers:
          - name: web
            image: nginx:1.27
            ports:
            - containerPort: 80
    """)


def test_documents_come_in_order_with_their_index_and_first_line():
    text = "---\n" + DEPLOYMENT + "---\n---\n# only a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"
    docs = parse(text, "up.yaml")
    assert [d.obj["kind"] for d in docs] == ["Deployment", "Namespace"]
    assert [d.index for d in docs] == [0, 3]  # empty documents are skipped but keep their place
    assert docs[0].line == 2
    assert docs[1].line == line(text, "apiVersion: v1")
    assert {d.source for d in docs} == {"up.yaml"}


def test_null_and_empty_uploads_hold_no_objects():
    assert parse("") == []
    assert parse("---\n...\n---\nnull\n---\n~\n") == []
    assert parse(b"   \n") == []


def test_line_of_maps_api_field_paths_to_lines():
    doc = parse(DEPLOYMENT)[0]
    assert doc.line_of("spec.template.spec.containers[0].image") == line(DEPLOYMENT, "image: nginx")
    assert doc.line_of("spec.template.spec.containers[0].ports[0].containerPort") == line(
        DEPLOYMENT, "containerPort")
    assert doc.line_of("metadata.labels") == line(DEPLOYMENT, "labels:")  # the key's line
    assert doc.line_of("metadata.labels[app]") == line(DEPLOYMENT, "app: web")
    assert doc.line_of("spec.selector.matchLabels[app]") == line(DEPLOYMENT, "matchLabels")
    assert doc.line_of(".spec.replicas") == line(DEPLOYMENT, "replicas")


def test_line_of_a_missing_field_is_its_nearest_ancestor():
    doc = parse(DEPLOYMENT)[0]
    assert doc.line_of("spec.template.spec.containers[0].resources.limits") == line(DEPLOYMENT, "- name: web")
    assert doc.line_of("spec.template.spec.containers[3].image") == line(DEPLOYMENT, "containers:")
    assert doc.line_of("status.replicas") == doc.line == 1
    assert doc.line_of("") == 1


def test_line_of_follows_merge_keys_and_aliases():
    text = textwrap.dedent("""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
          labels: &labels
            app: web
        data:
          <<: {inherited: "1"}
          own: "2"
        """)
    doc = parse(text)[0]
    assert doc.obj["data"] == {"inherited": "1", "own": "2"}
    assert doc.line_of("data.inherited") == line(text, "inherited")
    assert doc.line_of("data.own") == line(text, "own:")
    assert doc.line_of("metadata.labels[app]") == line(text, "app: web")


def test_a_list_is_expanded_into_its_items_each_on_its_own_line():
    text = textwrap.dedent("""\
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: ConfigMap
          metadata: {name: a}
        - apiVersion: v1
          kind: ConfigMap
          metadata:
            name: b
          data: {k: v}
        """)
    a, b = parse(text, "list.yaml")
    assert [a.obj["metadata"]["name"], b.obj["metadata"]["name"]] == ["a", "b"]
    assert (a.index, b.index) == (0, 0)
    assert (a.line, b.line) == (4, 7)
    assert b.line_of("data.k") == line(text, "data: {k: v}")
    assert b.line_of("metadata.name") == line(text, "name: b")


def test_a_typed_list_lends_its_items_their_kind():
    docs = parse("apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a}\n")
    assert docs[0].obj == {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}


def test_json_uploads_are_a_stream_of_values_lists_included():
    text = (json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}, indent=2)
            + "\n" + json.dumps({"apiVersion": "v1", "kind": "List", "items": [
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}, "data": {"n": "1"}},
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}]}, indent=2))
    a, b, c = parse(text, "up.json")
    assert [d.obj["metadata"]["name"] for d in (a, b, c)] == ["a", "b", "c"]
    assert [d.index for d in (a, b, c)] == [0, 1, 1]
    # Items start at their `{`, the line before their first field (the second is the List's).
    assert b.line == line(text, '"apiVersion": "v1"', 3) - 1
    assert c.line == line(text, '"apiVersion": "v1"', 4) - 1
    assert b.line_of("data.n") == line(text, '"n": "1"')
    assert a.line_of("metadata.name") == line(text, '"name": "a"')


def test_json_numbers_read_as_go_reads_them():
    doc = parse('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "x": [1.0, 1.5, 10]}')[0]
    assert doc.obj["x"] == [1, 1.5, 10] and isinstance(doc.obj["x"][0], int)


def test_json_syntax_errors_name_the_document_and_line():
    with pytest.raises(BadRequest) as e:
        parse('{"apiVersion": "v1", "kind": "Pod"}\n{\n  "a": 1,\n}\n', "bad.json")
    assert e.value.message.startswith("error parsing bad.json: document 1 (line 4): json: ")
    with pytest.raises(BadRequest, match="invalid character 'N' looking for beginning of value"):
        parse('{"a": NaN}')


def test_yaml_1_1_booleans_are_booleans_as_in_kubernetes_yaml():
    text = "apiVersion: v1\nkind: X\nb: [yes, no, on, off, y, n, Yes, OFF, true, False]\nq: ['yes', \"on\"]\n"
    obj = parse(text)[0].obj
    assert obj["b"] == [True, False, True, False, True, False, True, False, True, False]
    assert obj["q"] == ["yes", "on"]
    # Keys too: the GitHub Actions surprise, as sigs.k8s.io/yaml has it.
    assert parse("apiVersion: v1\nkind: X\non: push\n")[0].obj["true"] == "push"


def test_dates_and_timestamps_stay_the_strings_they_were_written_as():
    obj = parse("apiVersion: v1\nkind: X\nd: 2024-01-01\nt: 2001-12-14t21:59:43.10-05:00\n"
                "s: !!timestamp 2024-01-01\n")[0].obj
    assert obj["d"] == "2024-01-01"
    assert obj["t"] == "2001-12-14t21:59:43.10-05:00"
    assert obj["s"] == "2024-01-01"


def test_numbers_are_typed_as_go_yaml_types_them():
    obj = parse("apiVersion: v1\nkind: X\n"
                "nums: [0x1f, 0o17, 0777, 09, 1_000, 1e3, 1.0, 1.5, .5, -7, 1:20, 1e400, +12]\n")[0].obj
    assert obj["nums"] == [31, 15, 511, 9, 1000, 1000, 1, 1.5, 0.5, -7, "1:20", "1e400", 12]


def test_keys_become_strings_and_explicit_tags_are_honoured():
    obj = parse("apiVersion: v1\nkind: X\nm: {80: a, 1.5: b, true: c}\n"
                "t: [!!str 10, !!int '10', !!float 1, !!binary aGk=, !custom text]\n")[0].obj
    assert obj["m"] == {"80": "a", "1.5": "b", "true": "c"}
    # `y` and `n` are YAML 1.1 booleans to go-yaml v2, keys included (kubernetes#34146).
    assert parse("apiVersion: v1\nkind: X\ndata: {y: 1, n: 2}\n")[0].obj["data"] == {"true": 1, "false": 2}
    assert obj["t"] == ["10", 10, 1, "hi", "text"]


@pytest.mark.parametrize(("body", "bad_line", "why"), [
    ("~: 1\n", 1, "Unsupported map key of type: %!s(<nil>), key: <nil>, value: 1"),
    ("a: 1\n? [a, b]\n: 1\n", 2, 'yaml: invalid map key: []interface {}{"a", "b"}'),
    ("a: .inf\n", 1, "json: unsupported value: +Inf"),
    ("a: !!int foo\n", 1, "yaml: cannot decode !!str `foo` as a !!int"),
    ("a: *nope\n", 1, "yaml: unknown anchor 'nope' referenced"),
    ("a: &x [*x]\n", 1, "yaml: anchor 'x' value contains itself"),
    ("a: 1\nb:\n  <<: 5\n", 3, "yaml: map merge requires map or sequence of maps as the value"),
])
def test_what_json_cannot_hold_is_refused_as_kubectl_refuses_it(body, bad_line, why):
    with pytest.raises(BadRequest) as e:
        parse(body, "x.yaml")
    assert e.value.message == (f"error parsing x.yaml: document 0 (line {bad_line}): "
                               f"error converting YAML to JSON: {why}")


def test_a_syntax_error_names_the_document_and_line():
    text = DEPLOYMENT + "---\n" + DEPLOYMENT + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a: b\n"
    bad = line(text, "name: a: b")
    with pytest.raises(ManifestError) as e:
        parse(text, "up.yaml")
    assert e.value.message == (
        f"error parsing up.yaml: document 2 (line {bad}): error converting YAML to JSON: "
        f"yaml: line {bad}: mapping values are not allowed in this context")
    assert e.value.code == 400


@pytest.mark.parametrize(("body", "why"), [
    ("apiVersion: v1\nmetadata: {name: a}\n",
     """Object 'Kind' is missing in '{"apiVersion":"v1","metadata":{"name":"a"}}'"""),
    ("kind: Pod\n", """Object 'apiVersion' is missing in '{"kind":"Pod"}'"""),
    ("just a string\n", "json: cannot unmarshal string into Go value of type map[string]interface {}"),
    ("- a\n- b\n", "json: cannot unmarshal array into Go value of type map[string]interface {}"),
    ("apiVersion: v1\nkind: Pod\nmetadata: [a]\n",
     ".metadata accessor error: ['a'] is of the type array, expected map[string]interface{}"),
])
def test_documents_that_are_not_objects_are_refused(body, why):
    text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n" + body
    with pytest.raises(ManifestError) as e:
        parse(text, "x.yaml")
    assert e.value.message == f'unable to decode "x.yaml": document 1 (line 5): {why}'


def test_an_upload_over_the_limit_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr(manifests.yaml, "parse", lambda *a, **k: pytest.fail("parsed"))
    too_big = b"a: [" * (settings.KUBESIM_MAX_REQUEST_BYTES // 4) + b"x"
    assert len(too_big) == settings.KUBESIM_MAX_REQUEST_BYTES + 1
    with pytest.raises(RequestEntityTooLarge) as e:
        parse(too_big)
    assert e.value.code == 413
    assert e.value.message == "Request entity too large: limit is 3145728"
    with pytest.raises(RequestEntityTooLarge):
        parse("é" * (settings.KUBESIM_MAX_REQUEST_BYTES // 2 + 1))  # counted in bytes, not characters


def test_an_upload_at_the_limit_is_read():
    padding = settings.KUBESIM_MAX_REQUEST_BYTES - len("apiVersion: v1\nkind: X\npad: \n")
    assert len(parse("apiVersion: v1\nkind: X\npad: " + "x" * padding + "\n")[0].obj["pad"]) == padding


def billion_laughs(levels=9, fanout=9):
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\nl0: &l0 [lol]\n"
    for level in range(1, levels + 1):
        text += f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * fanout) + "]\n"
    return text


def test_a_billion_laughs_is_refused_quickly():
    started = time.monotonic()
    with pytest.raises(ManifestError, match="yaml: document contains excessive aliasing"):
        parse(billion_laughs())
    assert time.monotonic() - started < 2


def test_modest_aliasing_is_read():
    obj = parse(billion_laughs(levels=3, fanout=9))[0].obj
    assert len(obj["l3"]) == 9 and obj["l3"][0][0][0] == ["lol"]


@pytest.mark.parametrize("body", [
    "x: " + "[" * 2_000_000,  # flow nesting: libyaml is slow on it, refused before it gets far
    "x: " + "{a: " * 200 + "1" + "}" * 200,
    "".join("  " * i + "a:\n" for i in range(150)) + "  " * 150 + "b: 1\n",
])
def test_absurd_nesting_is_refused_quickly(body):
    started = time.monotonic()
    with pytest.raises(ManifestError, match=f"yaml: exceeded max depth of {manifests.MAX_DEPTH}"):
        parse("apiVersion: v1\nkind: X\n" + body)
    assert time.monotonic() - started < 2


def test_aliases_cannot_nest_past_the_limit_either():
    text = "apiVersion: v1\nkind: X\na0: &a0 " + "[" * 60 + "]" * 60 + "\n"
    for i in range(1, 4):
        text += f"a{i}: &a{i} " + "[" * 59 + f"*a{i - 1}" + "]" * 59 + "\n"
    with pytest.raises(ManifestError, match="exceeded max depth"):
        parse(text)


def test_bytes_are_utf8_with_or_without_a_byte_order_mark():
    assert parse("\ufeffapiVersion: v1\nkind: X\nm: é\n".encode())[0].obj["m"] == "é"
    with pytest.raises(ManifestError, match="invalid leading UTF-8 octet"):
        parse(b"apiVersion: v1\nkind: X\nm: \xff\n")


def test_where_says_document_and_line():
    doc = parse("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n", "p.yaml")[0]
    assert doc.where() == "document 0 (line 1)"
    assert doc.where("metadata.name") == "document 0 (line 4)"
