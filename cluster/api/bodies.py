"""Request bodies: read within the size limit, decoded from JSON or YAML, and checked against the
request as kube-apiserver's decoders and handlers check them (with their messages)."""
import json

from django.conf import settings

from .. import conversion, kinds
from ..errors import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from ..patch import json_type
from . import duplicates, protobuf

JSON, YAML = "application/json", "application/yaml"
# What Go's decoder is told to read apiVersion and kind into, which its errors print.
_TYPE_META = ('struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
              'Kind string "json:\\"kind,omitempty\\"" }')


def read(request):
    """The raw body; a body over the limit is refused before any of it is read when its length is
    declared, and reading stops past the limit when it is not."""
    limit = settings.KUBESIM_MAX_REQUEST_BYTES
    declared = request.META.get("CONTENT_LENGTH") or ""
    too_large = RequestEntityTooLarge(f"Request entity too large: limit is {limit}")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    data = request.read(limit + 1)
    if len(data) > limit:
        raise too_large
    return data


def media_type(request):
    return request.META.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()


def decode(request, data, type_name, found=None):
    """The object a POST or PUT body holds; `type_name` is the kind the endpoint takes. A
    duplicates.Found given as `found` learns which keys the body repeats."""
    media = media_type(request) or JSON
    if media == JSON:
        try:
            obj = json.loads(data) if found is None else _json_noting_duplicates(data, found)
        except ValueError as e:
            reason = str(e) if data.strip() else "unexpected end of JSON input"
            raise _unrecognized(type_name, f"couldn't get version/kind; json parse error: {reason}",
                                data) from None
    elif media == YAML:
        obj = _yaml(data, type_name, found)
    elif media == protobuf.MEDIA_TYPE:  # kubectl create's typed clients
        obj = protobuf.decode(data, type_name)
    else:
        raise UnsupportedMediaType("the body of the request was in an unknown format - accepted "
                                   f"media types include: {JSON}, {YAML}, {protobuf.MEDIA_TYPE}")
    if not isinstance(obj, dict):
        why = f"json: cannot unmarshal {json_type(obj)} into Go value of type {_TYPE_META}"
        raise _unrecognized(type_name, f"couldn't get version/kind; json parse error: {why}", data)
    return obj


def _json_noting_duplicates(data, found):
    found.sent = duplicates.load_json(data)
    return found.sent.obj


def _yaml(data, type_name, found=None):
    from .. import manifests  # only YAML bodies need the parser

    try:
        documents = manifests.parse(data, source="<request>")
    except BadRequest as e:  # not too large: that stays a 413
        raise _unrecognized(type_name, e.message, data) from None
    # Like upstream's YAML decoder, only the first document counts.
    if found is not None and documents:
        found.yaml = True
        if not documents[0]._path:  # the node tree of a document, not of an item in a List
            found.yaml_lines = duplicates.yaml_duplicates(documents[0]._tree())
    return documents[0].obj if documents else None


def _unrecognized(type_name, why, data):
    return BadRequest(f"the object provided is unrecognized (must be of type {type_name}): {why} "
                      f"({_summary(data)})")


def _summary(data, limit=30):
    """The start of a body, as upstream's summarizeData quotes it in decode errors."""
    if not data:
        return "<empty>"
    text = data[:limit]
    more = " ..." if len(data) > limit else ""
    if data[:1] == b"{":
        return text.decode(errors="replace") + more
    return text.hex() + more


def typed(obj, type_name, api_versions):
    """Default a missing apiVersion or kind to the endpoint's, as the decoder does; refuse others
    (a version of the kind this cluster does not serve is one it does not know)."""
    obj["apiVersion"] = obj.get("apiVersion") or api_versions[0]
    obj["kind"] = obj.get("kind") or type_name
    if obj["kind"] != type_name or obj["apiVersion"] not in api_versions:
        group, version = kinds.split_api_version(obj["apiVersion"])
        known = kinds.BY_KIND.get((group, obj["kind"]))
        if known and version in known.versions:
            expected_group = kinds.split_api_version(api_versions[0])[0]
            package = expected_group.partition(".")[0] or "core"
            why = (f"converting ({version}.{obj['kind']}) to ({package}.{type_name}): "
                   "unknown conversion")
        else:
            why = (f'no kind "{obj["kind"]}" is registered for version "{obj["apiVersion"]}" '
                   'in scheme "pkg/api/legacyscheme/scheme.go:30"')
        raise BadRequest(f'{obj["kind"]} in version "{version}" cannot be handled as a '
                         f"{type_name}: {why}")
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        version = kinds.split_api_version(obj["apiVersion"])[1]
        raise BadRequest(f'{type_name} in version "{version}" cannot be handled as a {type_name}: '
                         f"json: cannot unmarshal {json_type(meta)} into Go struct field "
                         f"{type_name}.metadata of type v1.ObjectMeta")
    return obj


def object_of(request, kind, data, found=None):
    """A body holding an object of `kind` (see decode for `found`), in its stored version."""
    obj = typed(decode(request, data, kind.kind, found), kind.kind, kind.api_versions)
    return conversion.to_storage(obj)


def ensure_namespace(obj, namespace):
    """Take the request's namespace, refusing a different one (EnsureObjectNamespaceMatches...);
    a cluster-scoped request (namespace "") clears it."""
    meta = obj["metadata"]
    current = meta.get("namespace") or ""
    if current and namespace and current != namespace:
        raise BadRequest("the namespace of the provided object does not match the namespace sent "
                         "on the request")
    if namespace:
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    return obj


def ensure_name(obj, name):
    found = obj["metadata"].get("name") or ""
    if found != name:
        raise BadRequest(f"the name of the object ({found}) does not match the name on the URL "
                         f"({name})")
    return obj
