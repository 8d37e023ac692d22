"""Server-side printing, as kube-apiserver's transformResponseObject does it.

A GET, LIST or WATCH whose Accept asks for `application/json;as=Table;v=v1;g=meta.k8s.io` (as
`kubectl get` does) gets a meta.k8s.io Table of its kind's columns (cluster.printers) instead
of the object or list; `as=PartialObjectMetadata` / `as=PartialObjectMetadataList` gets the
metadata alone. The Accept clauses are weighed as apiserver's NegotiateMediaTypeOptions does:
by quality, the more specific first, and the first one the endpoint can serve wins; when none
can, 406 NotAcceptable. The Content-Type stays `application/json`: upstream does not name the
Table in it.
"""
import json
from dataclasses import dataclass

from .. import clock, conversion, kinds, printers
from ..errors import BadRequest, StatusError
from ..printers import metrics
from .responses import respond as respond_with

JSON, YAML = "application/json", "application/yaml"
# The core API's serializers, in upstream's order: a NotAcceptable names them.
MEDIA_TYPES = (JSON, YAML, "application/vnd.kubernetes.protobuf")
STREAM_MEDIA_TYPES = (JSON, "application/vnd.kubernetes.protobuf;stream=watch")
META_GROUP = "meta.k8s.io"
# Upstream still serves v1beta1 Tables (metav1beta1.Table is metav1.Table): so do we.
META_VERSIONS = ("v1", "v1beta1")
TRANSFORMS = ("Table", "PartialObjectMetadata", "PartialObjectMetadataList")
INCLUDE_OBJECT = ("Metadata", "None", "Object")  # TableOptions.includeObject


class NotAcceptable(StatusError):
    code, reason = 406, "NotAcceptable"

    @classmethod
    def only(cls, media_types):
        return cls("only the following media types are accepted: " + ", ".join(media_types))


@dataclass(frozen=True)
class Target:
    """What a response is to be: the object itself (`convert` None), or a Table or metadata of
    it in meta.k8s.io/`version`."""
    media_type: str = JSON
    convert: str | None = None
    version: str = "v1"

    @property
    def api_version(self):
        return f"{META_GROUP}/{self.version}"


# --- negotiation ----------------------------------------------------------------------------

def negotiate(request, *, watch=False):
    """The Target the request's Accept header asks for; NotAcceptable if it asks for nothing
    this endpoint serves (a watch also needs a media type that streams)."""
    header = request.headers.get("Accept", "")
    if not header:
        return Target()
    target = next(filter(None, (_acceptable(*clause) for clause in _clauses(header))), None)
    if target is None:
        raise NotAcceptable.only(MEDIA_TYPES)
    if watch and target.media_type == YAML:  # YAML has no stream serializer
        raise NotAcceptable.only(STREAM_MEDIA_TYPES)
    return target


def _clauses(header):
    """goautoneg.ParseAccept: (type, subtype, parameters) by quality, then specificity."""
    clauses = []
    for part in header.split(","):
        media_range, *parameters = part.split(";")
        pieces = [p.strip() for p in media_range.split("/")]
        if pieces == ["*"]:
            pieces = ["*", "*"]
        if len(pieces) != 2:
            continue
        quality, params = 1.0, {}
        for parameter in parameters:
            key, equals, value = parameter.partition("=")
            if not equals:
                continue
            if key.strip() == "q":
                quality = _quality(value)
            else:
                params[key.strip()] = value.strip()
        clauses.append((quality, *pieces, params))
    clauses.sort(key=lambda c: (-c[0], c[1] == "*", c[2] == "*"))
    return [clause[1:] for clause in clauses]


def _quality(value):
    try:
        return float(value)
    except ValueError:
        return 0.0  # as Go's ParseFloat failing leaves it


def _acceptable(main, sub, params):
    for media_type in MEDIA_TYPES:
        kind, subtype = media_type.split("/")
        if (main, sub) == ("*", "*") or (main == kind and sub in (subtype, "*")):
            target = _target(media_type, params)
            if target is not None:
                return target
    return None


def _target(media_type, params):
    """acceptMediaTypeOptions with the endpoint's restrictions (AllowsMediaTypeTransform)."""
    stream = params.get("stream")
    if stream and (stream != "watch" or media_type == YAML):
        return None
    if params.get("sv"):  # no server versions are served
        return None
    if not {"as", "g", "v"} & params.keys():
        return Target(media_type)
    convert, group, version = params.get("as", ""), params.get("g", ""), params.get("v", "")
    if group != META_GROUP or version not in META_VERSIONS or convert not in TRANSFORMS:
        return None
    if convert == "Table" and media_type not in (JSON, YAML):
        return None
    return Target(media_type, convert, version)


# --- transforming ---------------------------------------------------------------------------

def include_object(request):
    """TableOptions.includeObject, validated as ValidateTableOptions does."""
    value = request.GET.get("includeObject", "")
    if value not in ("", *INCLUDE_OBJECT):
        supported = ", ".join(json.dumps(v) for v in INCLUDE_OBJECT)
        raise BadRequest("Unable to convert to Table as requested: includeObject: Unsupported "
                         f"value: {json.dumps(value)}: supported values: {supported}")
    return value or "Metadata"


def transform(request, target, kind, body, *, listed=False):
    """The response body `target` asks for, from the object or list `body` of `kind`."""
    if target.convert is None:
        return body
    if target.convert == "Table":
        include = include_object(request)
        if listed:
            return table(kind, body["items"], body["metadata"], include, target.version)
        meta = {"resourceVersion": body["metadata"].get("resourceVersion", "")}
        return table(kind, [body], meta, include, target.version)
    if target.convert == "PartialObjectMetadata":
        if listed:
            raise NotAcceptable("you requested PartialObjectMetadata, but the requested object "
                                f"is a list ({_go_type(kind, 'List')})")
        return partial_object_metadata(body, target.version)
    if not listed:
        raise NotAcceptable("you requested PartialObjectMetadataList, but the requested object "
                            f"is not a list ({_go_type(kind)})")
    items = [partial_object_metadata(obj, target.version) for obj in body["items"]]
    return {"kind": "PartialObjectMetadataList", "apiVersion": target.api_version,
            "metadata": body["metadata"], "items": items or None}  # a nil slice upstream


def respond(request, target, kind, body, *, listed=False):
    """The response to a GET (or a LIST, `listed`) of `body`, as `target` asks."""
    return respond_with(request, transform(request, target, kind, body, listed=listed))


# metrics.k8s.io's kinds, served by cluster.api.metrics (as metrics-server, Tables included).
METRICS_KINDS = {
    "NodeMetrics": kinds.Kind(metrics.GROUP, "v1beta1", "NodeMetrics", "nodes", "node", False),
    "PodMetrics": kinds.Kind(metrics.GROUP, "v1beta1", "PodMetrics", "pods", "pod", True),
}


def respond_metrics(request, kind, body, *, listed=False):
    """A NodeMetrics or PodMetrics (list, `listed`) as the Accept asks, as metrics-server."""
    return respond(request, negotiate(request), METRICS_KINDS[kind], body, listed=listed)


def _go_type(kind, suffix=""):
    """The internal type's name as Go's %T prints it: `*core.Pod`, `*apps.DeploymentList`."""
    package = kind.group.split(".")[0] if kind.group else "core"
    return f"*{package}.{kind.kind}{suffix}"


def table(kind, objects, metadata, include="Metadata", version="v1", *, headers=True, now=None):
    """A meta.k8s.io Table of `objects`, printed wide (kubectl drops the priority-1 columns
    unless -o wide); without columnDefinitions when not `headers` (NoHeaders)."""
    if kind.group == metrics.GROUP:
        names = metrics.resources(objects)
        columns = metrics.columns(names) if names is not None and headers else None
        rows = [{"cells": metrics.cells(obj, names)} for obj in objects]
    else:
        now = now or clock.now()
        columns = printers.columns(kind) if headers else None
        rows = [_row(kind, obj, now) for obj in objects]
    for row, obj in zip(rows, objects, strict=True):
        row["object"] = _row_object(kind, obj, include, version)
    return {"kind": "Table", "apiVersion": f"{META_GROUP}/{version}",
            "metadata": {k: v for k, v in metadata.items() if v not in ("", None)},
            "columnDefinitions": None if columns is None else [c.definition() for c in columns],
            "rows": rows}


def _row(kind, obj, now):
    row = {"cells": printers.cells(kind, obj, now)}
    conditions = printers.row_conditions(kind, obj)
    if conditions:
        row["conditions"] = conditions
    return row


def _row_object(kind, obj, include, version):
    if include == "Object":
        return {"kind": kind.kind, "apiVersion": kind.api_version, **obj}
    if include == "Metadata":
        return partial_object_metadata(obj, version)
    return None  # a RawExtension with nothing in it


def partial_object_metadata(obj, version="v1"):
    return {"kind": "PartialObjectMetadata", "apiVersion": f"{META_GROUP}/{version}",
            "metadata": obj.get("metadata") or {}}


class WatchTransform:
    """Each watch event's object as the Accept asked: a Table with one row, the columns with the
    first event only, as upstream's watchEmbeddedEncoder sets NoHeaders after its first. Reads
    the clock: call it in a worker thread."""

    def __init__(self, kind, target=Target(), include="Metadata", api_version=None):
        self.kind, self.target, self.include, self.headers = kind, target, include, True
        self.api_version = api_version or kind.api_version  # the version the watch asked for

    @classmethod
    def of(cls, request, kind, api_version=None):
        """The transform the watch `request` asks for; NotAcceptable or BadRequest if none."""
        target = negotiate(request, watch=True)
        include = include_object(request) if target.convert == "Table" else None
        return cls(kind, target, include, api_version)

    @property
    def identity(self):
        return self.target.convert is None and self.api_version == self.kind.api_version

    def __call__(self, obj):
        if self.identity or obj.get("kind") == "Status":
            self.headers = False
            return obj
        obj = conversion.to_version(obj, self.api_version)
        if self.target.convert is None:
            return obj
        try:
            if self.target.convert == "Table":
                meta = {"resourceVersion": (obj.get("metadata") or {}).get("resourceVersion")}
                return table(self.kind, [obj], meta, self.include, self.target.version,
                             headers=self.headers)
            return transform(None, self.target, self.kind, obj)
        except StatusError:
            return obj  # upstream logs the failed transform and sends the object as it is
        finally:
            self.headers = False
