"""The Kubernetes definitions, as OpenAPI schemas, from the JSON schemas validation checks against.

kubernetes-validate ships the upstream OpenAPI definitions rewritten as JSON Schema: every type
also allows null, kinds pin apiVersion and kind with an enum, and (in the strict variant validation
uses) objects forbid unknown properties. Undoing those three rewrites gives back the definitions
kube-apiserver publishes, extensions (x-kubernetes-group-version-kind, patch strategies, list
types) included.
"""
import functools
import json

from ...validation.schema import SCHEMA_DIR

DEFS = "#/$defs/"
GVK = "x-kubernetes-group-version-kind"
# openapi2jsonschema turned both into oneOf(string, number); upstream publishes them as strings.
_SCALARS = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
        "description": "IntOrString is a type that can hold an int32 or a string.",
        "type": "string", "format": "int-or-string"},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {
        "description": "Quantity is a fixed-point representation of a number, such as 100m or "
                       "2Gi.", "type": "string"},
}


@functools.cache
def definitions():
    """{name: JSON schema} as kubernetes-validate ships them for validation."""
    return json.loads((SCHEMA_DIR / "_definitions.json").read_text())["$defs"]


@functools.cache
def by_gvk():
    """{(group, version, kind): definition name}, for the definitions of a single kind."""
    found = {}
    for name, schema in definitions().items():
        gvks = schema.get(GVK) or []
        if len(gvks) == 1:  # DeleteOptions, WatchEvent, ... belong to every group
            found[gvks[0]["group"], gvks[0]["version"], gvks[0]["kind"]] = name
    return found


def convert(name, ref_prefix, all_of):
    """The definition `name` as OpenAPI: refs under `ref_prefix`; with `all_of` (v3) a ref that
    has siblings (a description) is wrapped in allOf, as kube-openapi writes it."""
    if name in _SCALARS:
        return dict(_SCALARS[name])
    schema = _convert(definitions()[name], ref_prefix, all_of)
    if GVK in schema:  # the enums pinning apiVersion and kind are openapi2jsonschema's
        for field in ("apiVersion", "kind"):
            schema.get("properties", {}).get(field, {}).pop("enum", None)
    return schema


def _convert(node, ref_prefix, all_of):
    if isinstance(node, list):
        return [_convert(item, ref_prefix, all_of) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {p: _convert(s, ref_prefix, all_of) for p, s in value.items()}
        elif key == "type" and isinstance(value, list):
            out[key] = next(t for t in value if t != "null")
        elif key == "additionalProperties" and value is False:
            continue  # the strict variant's; upstream leaves unknown fields to fieldValidation
        elif key == "$ref":
            out[key] = ref_prefix + value.removeprefix(DEFS)
        elif key.startswith("x-kubernetes-") or key in ("enum", "required"):
            out[key] = value  # data, not schemas
        else:
            out[key] = _convert(value, ref_prefix, all_of)
    if all_of and "$ref" in out and len(out) > 1:
        out["allOf"] = [{"$ref": out.pop("$ref")}]
    return out


def closure(names):
    """The definitions `names` refer to, transitively, and themselves."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [ref.removeprefix(DEFS) for ref in _refs(definitions()[name])]
    return seen


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)
