"""PATCH bodies as kube-apiserver applies them: JSON merge patch (RFC 7386), JSON patch (RFC 6902),
and strategic merge patch (lists merged by merge key). Server-side apply
(application/apply-patch+yaml) decodes here; cluster.managedfields applies it.

`parser(content_type)(data)` decodes a patch once; the patch it returns applies to an object as
many times as a write has to be retried.
"""
import copy
import json

import jsonpatch
import yaml

from . import patchschema, strategicpatch
from .errors import (
    BadRequest,
    Invalid,
    RequestEntityTooLarge,
    StatusError,
    UnsupportedMediaType,
)
from .kinds import Kind

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
SUPPORTED = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)

MAX_JSON_PATCH_OPERATIONS = 10000  # as upstream's maxJSONPatchOperations


class PatchNotApplicable(StatusError):
    """A JSON patch that does not apply to the object: upstream answers with a generic 422."""
    code, reason = 422, "Invalid"

    def __init__(self):
        super().__init__("the server rejected our request due to an error in our request",
                         details={})


def parser(content_type):
    """The decoder for a patch type, checked before the body is read, as upstream does."""
    if content_type == JSON_PATCH:
        return JsonPatch
    if content_type == MERGE_PATCH:
        return MergePatch
    if content_type == STRATEGIC_MERGE_PATCH:
        return StrategicMergePatch
    if content_type == APPLY_PATCH:
        return ApplyPatch
    raise UnsupportedMediaType("the body of the request was in an unknown format - accepted media "
                               f"types include: {', '.join(SUPPORTED)}")


class JsonPatch:
    def __init__(self, data):
        try:
            ops = json.loads(data)
        except ValueError as e:
            raise BadRequest(str(e)) from None
        if not isinstance(ops, list):
            raise BadRequest(f"json: cannot unmarshal {json_type(ops)} into Go value of type "
                             "jsonpatch.Patch")
        for op in ops:
            if not isinstance(op, dict):
                raise BadRequest(f"json: cannot unmarshal {json_type(op)} into Go value of type "
                                 "jsonpatch.Operation")
        if len(ops) > MAX_JSON_PATCH_OPERATIONS:
            raise RequestEntityTooLarge(
                f"Request entity too large: The allowed maximum operations in a JSON patch is "
                f"{MAX_JSON_PATCH_OPERATIONS}, got {len(ops)}")
        self.ops = ops

    def apply(self, obj):
        try:
            # An operation naming no valid op fails when applied upstream, not when decoded.
            return _decodable(jsonpatch.JsonPatch(self.ops).apply(obj))
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError):
            raise PatchNotApplicable() from None


class MergePatch:
    def __init__(self, data):
        try:
            self.patch = json.loads(data)
        except ValueError:
            raise BadRequest("Invalid JSON Patch") from None  # evanphx/json-patch's ErrBadJSONPatch

    def apply(self, obj):
        return _decodable(merge(obj, self.patch))


class StrategicMergePatch(MergePatch):
    """Lists merge by Kubernetes' merge keys (containers by name, ...): see strategicpatch."""

    def __init__(self, data):
        super().__init__(data)
        if not isinstance(self.patch, dict):  # decoded into a map, as upstream does
            raise BadRequest(f"json: cannot unmarshal {json_type(self.patch)} into Go value of "
                             "type map[string]interface {}")

    def apply(self, obj):
        # Upstream's merge consumes the directives of the patch map it is given, and its strict
        # decoding error quotes that map afterwards: `applied` is it, for fieldvalidation.
        self.applied = copy.deepcopy(self.patch)
        merged = strategicpatch.merge_map(copy.deepcopy(obj), self.applied,
                                          patchschema.for_object(obj))
        return _decodable(merged)


class _GoYamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML as sigs.k8s.io/yaml reads it for an apply: timestamps stay strings."""


_GoYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class ApplyPatch:
    """A server-side apply configuration (YAML or JSON): the whole object as its manager wants
    it. Handlers apply it with cluster.managedfields; `apply` alone just merges it in."""

    def __init__(self, data):
        try:
            config = yaml.load(data, Loader=_GoYamlLoader) if data.strip() else {}
        except yaml.YAMLError as e:
            raise BadRequest(f"error decoding YAML: {e}") from None
        if not isinstance(config, dict):
            raise BadRequest(f"error decoding YAML: json: cannot unmarshal {json_type(config)} "
                             "into Go value of type map[string]interface {}")
        self.config = config

    def apply(self, obj):
        return _decodable(merge(obj, self.config))


# Upstream reports a patched object it cannot decode as invalid without naming a kind.
_NO_KIND = Kind("", "", "", "", "", False)


def _decodable(patched):
    """The patched object, if it still decodes as an object (a merge patch that is not an object
    replaces the whole object, a JSON patch may replace metadata)."""
    if isinstance(patched, dict) and isinstance(patched.get("metadata", {}), dict):
        return patched
    if isinstance(patched, dict):
        why = (f"cannot unmarshal {json_type(patched['metadata'])} into Go struct field .metadata "
               "of type v1.ObjectMeta")
    else:
        why = f"cannot unmarshal {json_type(patched)} into Go value of type map[string]interface {{}}"
    shown = json.dumps(json.dumps(patched))  # the patched JSON, quoted as Go's %q quotes it
    raise Invalid(_NO_KIND, "", [{"reason": "FieldValueInvalid", "field": "patch",
                                  "message": f"Invalid value: {shown}: json: {why}"}])


def json_type(value):
    """The JSON type of a decoded value, in the words of Go's json errors."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "number" if value is not None else "null"


def merge(target, patch):
    """RFC 7386: objects merge key by key, null removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge(result.get(key), value)
    return result

