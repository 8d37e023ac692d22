"""The API's entry points: each request goes to the handler for its path's shape and its method.

Only watches are served asynchronously (a long stream must not hold a worker thread); every other
handler runs in a thread, where the store's database calls belong.
"""
from asgiref.sync import sync_to_async

from ..errors import MethodNotAllowed
from . import discovery, handlers, logs, requestinfo, subresources, watch
from .options import boolean
from .responses import api_view, in_version

# Handlers by the shape of the path, then by method.
COLLECTION = {"GET": handlers.list_objects, "POST": handlers.create,
              "DELETE": handlers.delete_collection}
ALL_NAMESPACES = {"GET": handlers.list_objects}
OBJECT = {"GET": handlers.get, "PUT": handlers.update, "PATCH": handlers.patch,
          "DELETE": handlers.delete}
SUBRESOURCES = {
    "status": {"GET": handlers.get, "PUT": handlers.update, "PATCH": handlers.patch},
    "finalize": {"PUT": handlers.update},
    "scale": {"GET": subresources.get_scale, "PUT": subresources.update_scale,
              "PATCH": subresources.patch_scale},
    "binding": {"POST": subresources.bind},
    "eviction": {"POST": subresources.evict},
    "token": {"POST": subresources.create_token},
    # No processes run: answered at once with a Status, before any SPDY/websocket upgrade.
    **{name: {"GET": subresources.no_processes, "POST": subresources.no_processes}
       for name in ("exec", "attach", "portforward")},
}


def _handlers(info):
    if info.subresource:
        if info.subresource not in SUBRESOURCES:  # log is served by cluster.api.logs
            raise requestinfo.not_found()
        return SUBRESOURCES[info.subresource]
    if info.name:
        return OBJECT
    if info.all_namespaces:
        return ALL_NAMESPACES
    if info.kind.kind == "Namespace":  # upstream serves no deletecollection of namespaces
        return {m: h for m, h in COLLECTION.items() if m != "DELETE"}
    return COLLECTION


def _method_not_allowed():
    return MethodNotAllowed("the server does not allow this method on the requested resource",
                            details={})


def _is_watch(request, info):
    if info.watch_prefix:
        return True
    return not info.name and request.method == "GET" and boolean(request.GET.getlist("watch"))


@api_view
async def resource(request, prefix, path):
    info = requestinfo.parse(prefix, path)
    if info.kind is None:
        return discovery.group_or_resources(request, info)
    if _is_watch(request, info):
        if request.method != "GET" or info.subresource:
            raise _method_not_allowed()
        return await watch.serve(request, info)
    if info.subresource == "log":
        return await logs.serve(request, info)
    handler = _handlers(info).get(request.method)
    if handler is None:
        raise _method_not_allowed()
    response = await sync_to_async(handler)(request, info)
    if info.api_version != info.kind.api_version:
        response = in_version(request, response, info.api_version)
    return response
