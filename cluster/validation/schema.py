"""Structural validation: does the object decode into the kind's Go types, strictly?

kube-apiserver decodes a request body with fieldValidation=Strict before anything else: a value of
the wrong JSON type fails as Go's encoding/json reports it, and fields the type lacks fail as a
strict decoding error listing them all. We check the same against the Kubernetes OpenAPI schemas
that kubernetes-validate ships, with one jsonschema validator per kind, built on first use.
"""
import base64
import binascii
import functools
import json
import re
import threading
from pathlib import Path

import jsonschema
import kubernetes_validate
from referencing import Registry, Resource

from ..errors import BadRequest
from ..quantity import parse_quantity

SCHEMA_DIR = (Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
              / "v1.37.0-local-strict")
_INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_BASE64 = re.compile(r"[A-Za-z0-9+/]")


def check(kind, obj):
    """Raise BadRequest as kube-apiserver's decoder would if `obj` does not fit `kind`'s types
    (fieldValidation=Strict: unknown fields are errors too, in document order)."""
    decode_error, unknown = problems(kind, obj)
    if decode_error:
        raise decode_error
    if unknown:
        unknown.sort(key=lambda p: _document_order(obj, p))
        fields = [field_path(kind, p) for p in unknown]
        raise strict_error(kind, [(f'unknown field "{f}"', f) for f in fields])


def problems(kind, obj):
    """What decoding `obj` as `kind` finds: the BadRequest for the first value Go's decoder cannot
    decode (it stops there, whatever fieldValidation says), else None and the paths (lists of
    keys and indexes) of the fields the kind does not have."""
    # Sections seen valid before are not checked again: a ReplicaSet's pods share one spec, and a
    # status update repeats the spec unchanged. The root schema requires nothing, so checking the
    # other sections alone finds exactly their errors.
    unseen = {key: value for key, value in obj.items()
              if _section_key(kind, key, value) not in _VALID}
    errors = list(_validator(kind).iter_errors(unseen)) if unseen else []
    if not errors:
        _remember_valid(_section_key(kind, key, value) for key, value in unseen.items())
        return None, []
    decode, unknown = [], []
    for error in errors:
        if error.validator == "additionalProperties":
            known = error.schema.get("properties") or {}
            unknown += [[*error.absolute_path, key] for key in error.instance if key not in known]
        elif error.validator in ("type", "format") and error.instance is not None:
            decode.append(error)  # Go decodes null into any field, as its zero value
    if not decode:
        return None, unknown
    error = min(decode, key=lambda e: _document_order(obj, e.absolute_path))
    message = _decode_message(kind, error)
    causes = [{"reason": "FieldValueTypeInvalid", "message": message,
               "field": _go_field(kind, error.absolute_path)[3]}]
    return _cannot_handle(kind, message, causes), []


def field_path(kind, path):
    """A field's path as strict decoding errors print it: `spec.containers[0].foo`."""
    return ".".join(filter(None, (_go_field(kind, path[:-1])[3], str(path[-1]))))


def strict_error(kind, problems):
    """The BadRequest for strict decoding errors: `problems` are (message, field path) pairs."""
    message = "strict decoding error: " + ", ".join(m for m, _ in problems)
    causes = [{"reason": "FieldValueInvalid", "message": m, **({"field": f} if f else {})}
              for m, f in problems]
    return _cannot_handle(kind, message, causes)


def _cannot_handle(kind, message, causes):
    return BadRequest(f'{kind.kind} in version "{kind.version}" cannot be handled as a '
                      f"{kind.kind}: {message}", details={"causes": causes})


# --- sections known to be valid ---------------------------------------------------------------

_VALID = {}
_VALID_MAX = 4096
_VALID_LOCK = threading.Lock()
# String fields the schemas check for type only (no enum, pattern or format anywhere they occur):
# names, identities, times and free text. Any string there validates alike, so the cache key
# leaves their values out, and objects that differ only in them (a ReplicaSet's pods, one pod's
# successive statuses, events) share it.
_FREE_STRINGS = frozenset((
    "name", "namespace", "uid", "resourceVersion", "generateName", "creationTimestamp",
    "message", "reason", "firstTimestamp", "lastTimestamp", "startedAt", "finishedAt",
    "lastTransitionTime", "lastProbeTime", "lastHeartbeatTime", "renewTime", "acquireTime",
    "startTime", "containerID", "imageID", "image", "podIP", "hostIP", "ip", "nodeName",
    "reportingInstance", "host", "holderIdentity"))


def _shape(value):
    if isinstance(value, dict):
        return {k: ("" if k in _FREE_STRINGS and isinstance(v, str) else _shape(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return value


def _section_key(kind, key, value):
    if key in _FREE_STRINGS and isinstance(value, str):
        value = ""  # a top-level one too: an Event's message, which is new with every event
    return kind.kind, key, json.dumps(_shape(value), sort_keys=True, separators=(",", ":"))


def _remember_valid(keys):
    with _VALID_LOCK:  # API threads and workers share it
        for key in keys:
            if len(_VALID) >= _VALID_MAX:
                _VALID.pop(next(iter(_VALID)))  # the oldest: insertion order
            _VALID[key] = True


# --- the validators ---------------------------------------------------------------------------

def _strict_integer(instance):
    # jsonschema takes 1.0 as an integer; Go's decoder does not.
    return isinstance(instance, int) and not isinstance(instance, bool)


_TYPES = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda checker, instance: _strict_integer(instance))
_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("int32")
def _int32(value):
    return not _strict_integer(value) or -2 ** 31 <= value < 2 ** 31


@_FORMATS.checks("int64")
def _int64(value):
    return not _strict_integer(value) or -2 ** 63 <= value < 2 ** 63


@_FORMATS.checks("quantity", raises=ValueError)
def _quantity(value):
    return value is None or bool(parse_quantity(value))


@_FORMATS.checks("byte", raises=ValueError)
def _base64(value):
    if isinstance(value, str):
        _decode_base64(value)
    return True


def _decode_base64(text):
    """Decode as Go's base64.StdEncoding does, failing with its error (line breaks are skipped)."""
    text = text.replace("\r", "").replace("\n", "")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError(f"illegal base64 data at input byte {_bad_byte(text)}") from None


def _bad_byte(text):
    """Where Go's decoder gives up: the first character outside the alphabet, else the start of
    the incomplete last quantum."""
    bad = next((i for i, ch in enumerate(text.rstrip("=")) if not _BASE64.match(ch)), None)
    return bad if bad is not None else len(text) - len(text) % 4


_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, type_checker=_TYPES,
    # Required fields are for the semantic checks, which word them as upstream does.
    validators={"required": lambda validator, required, instance, schema: ()})


@functools.cache
def _definitions():
    definitions = json.loads((SCHEMA_DIR / "_definitions.json").read_text())
    defs = definitions["$defs"]
    # Both are oneOf(string, number) with null allowed in each branch, so null would match both
    # and fail; and Go parses a quantity as it decodes it.
    defs[_INT_OR_STRING] = {"type": ["string", "integer"], "format": "int32"}
    defs[_QUANTITY] = {"format": "quantity"}
    return definitions


def definitions():
    """{definition name: JSON schema}, as kubernetes-validate ships them."""
    return _definitions()["$defs"]


@functools.cache
def _registry():
    definitions = _definitions()
    return Registry().with_resource(definitions["$id"], Resource.from_contents(definitions))


@functools.cache
def _root_schema(kind):
    group = kind.group.split(".")[0]
    name = f"{kind.kind.lower()}-{group + '-' if group else ''}{kind.version}.json"
    return json.loads((SCHEMA_DIR / name).read_text())


@functools.cache
def _validator(kind):
    schema = _root_schema(kind)
    registry = _registry().with_resource(schema["$id"], Resource.from_contents(schema))
    return _Validator(schema, registry=registry, format_checker=_FORMATS)


# --- messages ---------------------------------------------------------------------------------

def _decode_message(kind, error):
    if error.validator == "format" and error.cause is not None:
        return str(error.cause)  # a quantity or base64 value Go's decoder could not parse
    struct, fields, schema, _ = _go_field(kind, error.absolute_path)
    return (f"json: cannot unmarshal {_go_value(error.instance, schema)} into Go struct field "
            f"{struct}.{fields} of type {_go_type(schema)}")


def _go_field(kind, path):
    """The Go struct holding the field at `path`, the field's JSON path (no indexes or map keys,
    as Go reports it), its schema, and the path as a field.Path string for the cause."""
    schema, struct, current, fields, shown = _root_schema(kind), kind.kind, kind.kind, [], ""
    for step in path:
        schema, current = _resolve(schema, current)
        if isinstance(step, int):
            schema, shown = schema.get("items") or {}, f"{shown}[{step}]"
        elif step in (schema.get("properties") or {}):
            struct, schema = current, schema["properties"][step]
            fields.append(step)
            shown = f"{shown}.{step}" if shown else step
        else:  # a key of a map: Go names the field holding the map
            schema, shown = schema.get("additionalProperties") or {}, f"{shown}[{step}]"
    return struct, ".".join(fields), schema, shown


def _resolve(schema, name):
    ref = schema.get("$ref")
    if not ref:
        return schema, name
    definition = ref.rsplit("/", 1)[1]
    return _definitions()["$defs"][definition], definition.rsplit(".", 1)[1]


def _go_type(schema):
    ref = schema.get("$ref")
    if ref:
        definition = ref.rsplit("/", 1)[1]
        if definition == _INT_OR_STRING:
            return "int32"  # IntOrString decodes anything but a string as its int32
        package, _, name = definition.rpartition(".")
        return f"{package.rpartition('.')[2]}.{name}"
    types = schema.get("type") or ["object"]
    json_type = types[0] if isinstance(types, list) else types
    if json_type == "array":
        return "[]" + _go_type(schema.get("items") or {})
    if json_type == "object":
        values = schema.get("additionalProperties") or {}
        if values.get("$ref", "").endswith(_QUANTITY):
            return "v1.ResourceList"
        return "map[string]" + _go_type(values)
    if json_type == "string":
        return "[]uint8" if schema.get("format") == "byte" else "string"
    return {"integer": schema.get("format", "int"), "number": "float64",
            "boolean": "bool"}[json_type]


def _go_value(value, schema):
    """How Go's UnmarshalTypeError names the JSON value it could not store."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        # Go names the number an integer field cannot hold, not one a string field cannot.
        return f"number {value!r}" if _go_type(schema).startswith("int") else "number"
    return {list: "array", dict: "object"}.get(type(value), "string")


def document_order(obj, path):
    return _document_order(obj, path)


def _document_order(obj, path):
    """A sort key putting paths in the order their fields appear in the document."""
    key, node = [], obj
    for step in path:
        if isinstance(node, dict):
            key.append(list(node).index(step) if step in node else len(node))
            node = node.get(step)
        else:
            key.append(step)
            node = node[step] if isinstance(node, list) and step < len(node) else None
    return key
