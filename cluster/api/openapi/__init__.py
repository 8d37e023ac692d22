"""/openapi/v2 and /openapi/v3: the API's OpenAPI documents, built once per process.

kubectl reads /openapi/v3 for `explain`, for strategic merge patches and to learn that the server
validates fields itself; the documents are built from the same Kubernetes definitions validation
checks against (see schemas). As upstream, a v3 document fetched with the ?hash= the index names
is immutable and cached for a year, and every document carries its hash as an ETag.
"""
import functools
import hashlib
import json
import time

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import http_date

from ...errors import NotFound
from ..discovery import only_get
from ..responses import JSON, NO_CACHE
from . import schemas
from .paths import group_version_path, kind_paths, served_group_versions

PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2"
_IMMUTABLE = "public, immutable"
_YEAR = 365 * 24 * 3600


class _Document:
    def __init__(self, body):
        self.body = json.dumps(body, separators=(",", ":")).encode()
        self.hash = hashlib.sha512(self.body).hexdigest().upper()  # upstream's ETag


def _info():
    return {"title": "Kubernetes", "version": f"v{settings.KUBESIM_KUBERNETES_VERSION}"}


def _schemas(paths, ref_prefix, all_of):
    refs = schemas.closure(ref.removeprefix(ref_prefix) for ref in schemas._refs(paths))
    return {name: schemas.convert(name, ref_prefix, all_of) for name in sorted(refs)}


@functools.cache
def v3_document(group, version):
    paths = kind_paths(group, version, "v3")
    return _Document({
        "openapi": "3.0.0", "info": _info(), "paths": paths,
        "components": {
            "schemas": _schemas(paths, "#/components/schemas/", True),
            "securitySchemes": {"BearerToken": {"type": "apiKey", "description":
                                                "Bearer Token authentication",
                                                "name": "authorization", "in": "header"}}},
    })


@functools.cache
def v3_index():
    paths = {}
    for group, version in served_group_versions():
        key = group_version_path(group, version)
        paths[key] = {"serverRelativeURL":
                      f"/openapi/v3/{key}?hash={v3_document(group, version).hash}"}
    return _Document({"paths": paths})


@functools.cache
def v2_document():
    paths = {}
    for group, version in served_group_versions():
        paths |= kind_paths(group, version, "v2")
    return _Document({
        "swagger": "2.0", "info": _info(), "paths": paths,
        "definitions": _schemas(paths, "#/definitions/", False),
        "securityDefinitions": {"BearerToken": {"type": "apiKey", "name": "authorization",
                                                "in": "header"}},
        "security": [{"BearerToken": []}],
    })


def _serve(request, document, cache_control=NO_CACHE):
    etag = f'"{document.hash}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(document.body, content_type=JSON)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    if cache_control == _IMMUTABLE:
        response["Expires"] = _expires()
    response["Vary"] = "Accept"
    return response


def _expires():
    return http_date(time.time() + _YEAR)


def openapi_v2(request):
    only_get(request)
    if PROTOBUF_V2 in request.headers.get("Accept", "") and "json" not in \
            request.headers.get("Accept", ""):
        # No protobuf encoder here: 406 sends client-go on to its next choice.
        return HttpResponse(status=406, content_type=JSON)
    return _serve(request, v2_document())


def openapi_v3(request):
    only_get(request)
    return _serve(request, v3_index())


def openapi_v3_group_version(request, path):
    only_get(request)
    parts = path.strip("/").split("/")
    match parts:
        case ["api", version]:
            group = ""
        case ["apis", group, version]:
            pass
        case _:
            raise NotFound("404 page not found", details={})
    if (group, version) not in served_group_versions():
        raise NotFound("404 page not found", details={})
    document = v3_document(group, version)
    wanted = request.GET.get("hash")
    if wanted and wanted != document.hash:  # an old link: upstream redirects to the current one
        return _moved(path, document)
    return _serve(request, document, _IMMUTABLE if wanted else NO_CACHE)


def _moved(path, document):
    response = HttpResponse(status=301)
    response["Location"] = f"/openapi/v3/{path.strip('/')}?hash={document.hash}"
    return response
