"""fieldValidation, as kube-apiserver applies it to create, update and patch bodies.

Unknown fields (which the kind's Go types would drop) and keys given twice are strict decoding
errors. Strict fails the request with them; Warn, the default when the parameter is absent, drops
the unknown fields and reports each problem in a `Warning: 299 - "..."` header (kubectl prints
`Warning: unknown field "spec.foo"`); Ignore drops them silently. A value of the wrong type fails
in every mode, as Go's decoder stops there.

Their order is upstream's: a JSON body's problems in document order; a YAML body's repeated keys
(go-yaml's words, with lines) then its unknown fields by sorted path, as the YAML was turned into
JSON with sorted keys; a patch's repeated keys, then the patched object's unknown fields by sorted
path. A patch that Strict refuses is a 422 naming the patch, as upstream's patcher answers.
"""
import json

from .. import patch as patches
from ..errors import BadRequest, Invalid
from ..goformat import go_quote, go_value
from ..kinds import Kind
from ..validation import schema
from . import bodies, duplicates, options
from .responses import warn

STRICT, WARN, IGNORE = "Strict", "Warn", "Ignore"
_CHECKED_PATCHES = (patches.JSON_PATCH, patches.MERGE_PATCH, patches.STRATEGIC_MERGE_PATCH)
_JSON_PATCH_FIELDS = ("op", "path", "from", "value")
_NO_KIND = Kind("", "", "", "", "", False)  # upstream's Invalid names no kind for a patch


def body_object(request, kind, data):
    """The object of `kind` a create or update body holds, checked as fieldValidation asks."""
    mode = options.field_validation(request)
    found = duplicates.Found() if mode != IGNORE else None
    obj = bodies.object_of(request, kind, data, found)
    decode_error, unknown = schema.problems(kind, obj)
    if decode_error:
        raise decode_error
    if found is not None:
        errors, warnings = _body_problems(kind, obj, unknown, found)
        if errors and mode == STRICT:
            raise schema.strict_error(kind, errors)
        for text in warnings:
            warn(request, text)
    prune(obj, unknown)
    return obj


def _body_problems(kind, obj, unknown, found):
    """(strict errors as (message, field), warnings) of a decoded body."""
    if found.yaml:
        unknown = [_unknown(kind, p) for p in sorted(unknown, key=_sort_key)]
        lines = found.yaml_lines
        errors = [("yaml: unmarshal errors:\n  " + "\n  ".join(lines), "")] if lines else []
        return errors + unknown, lines + [m for m, _ in unknown]
    sent = found.sent
    if sent is None:  # a protobuf body repeats nothing
        unknown.sort(key=lambda p: schema.document_order(obj, p))
        problems = [_unknown(kind, p) for p in unknown]
        return problems, [m for m, _ in problems]
    placed = [(sent.position(p, final=True), _unknown(kind, p)) for p in unknown]
    placed += [(position, _duplicate(path)) for path, position in sent.duplicates()
               if not _under_unknown(path, unknown)]
    problems = [problem for _, problem in sorted(placed, key=lambda p: p[0])]
    return problems, [m for m, _ in problems]


def _unknown(kind, path):
    field = schema.field_path(kind, path)
    return f'unknown field "{field}"', field


def _duplicate(path):
    field = _json_path(path)
    return f'duplicate field "{field}"', field


def _json_path(path):
    """A path as sigs.k8s.io/json prints it: `spec.containers[0].name`."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _under_unknown(path, unknown):
    """A field both unknown and repeated is reported as unknown only; nothing inside an unknown
    field is looked at."""
    return any(list(path[:len(u)]) == list(u) for u in unknown)


def _sort_key(path):
    return tuple((0, s) if isinstance(s, int) else (1, s) for s in path)


def prune(obj, unknown):
    """Drop the unknown fields, as decoding into Go types does."""
    for path in unknown:
        node = obj
        for step in path[:-1]:
            node = node[step]
        node.pop(path[-1], None)


# --- patches ----------------------------------------------------------------------------------

class PatchCheck:
    """fieldValidation for a JSON, merge or strategic merge patch: the patch's own problems are
    found once, the patched object's each time the patch is applied."""

    def __init__(self, request, content_type, data):
        self.request, self.content_type = request, content_type
        self.mode = options.field_validation(request)
        self.active = content_type in _CHECKED_PATCHES
        self.own = self._own_problems(data) if self.active and self.mode != IGNORE else []

    def _own_problems(self, data):
        try:
            sent = duplicates.load_json(data)
        except ValueError:
            return []  # the patch's parser has refused it already
        if self.content_type == patches.JSON_PATCH:
            return _operation_problems(sent)
        if not isinstance(sent.obj, dict):  # strict decoding reads a merge patch into a map
            raise BadRequest(f"error decoding patch: json: cannot unmarshal "
                             f"{patches.json_type(sent.obj)} into Go value of type "
                             "map[string]interface {}")
        return [_duplicate(path)[0] for path, _ in sent.duplicates()]

    def __call__(self, kind, obj, change):
        """The patched object `obj`, checked; unknown fields dropped unless Strict refuses them."""
        if not self.active:
            return obj
        decode_error, unknown = schema.problems(kind, obj)
        if decode_error:
            raise decode_error
        problems = self.own + [_unknown(kind, p)[0] for p in sorted(unknown, key=_sort_key)]
        if problems and self.mode == STRICT:
            raise Invalid(_NO_KIND, "", [{
                "reason": "FieldValueInvalid", "field": "patch",
                "message": f"Invalid value: {go_quote(self._shown(obj, change))}: strict "
                           f"decoding error: {', '.join(problems)}"}])
        if self.mode == WARN:
            for text in problems:
                warn(self.request, text)
        prune(obj, unknown)
        return obj

    def _shown(self, obj, change):
        """What upstream's error quotes: the patch map (%+v) of a strategic merge patch, the
        patched object's JSON for the others."""
        if self.content_type == patches.STRATEGIC_MERGE_PATCH:
            return go_value(change.applied)
        text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _operation_problems(sent):
    """A JSON patch's operations decoded strictly: `json patch unknown field "[0].foo"`."""
    if not isinstance(sent.obj, list):
        return []
    placed = []
    for i, op in enumerate(sent.obj):
        if not isinstance(op, dict):
            continue
        keys = sent.keys_as_sent(op)
        for at, key in enumerate(keys):
            if key not in _JSON_PATCH_FIELDS and keys.index(key) == at:
                placed.append(((i, at), f'json patch unknown field "[{i}].{key}"'))
        placed += [((i, position[-1]), f'json patch duplicate field "[{i}].{path[-1]}"')
                   for path, position in sent.duplicates()
                   if path[0] == i and len(path) == 2 and path[-1] in _JSON_PATCH_FIELDS]
    return [message for _, message in sorted(placed)]
