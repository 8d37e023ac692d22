"""The verbs on objects and collections: thin handlers over cluster.store.

Each takes the request and its RequestInfo and returns the response; the store validates, checks
resourceVersions and records the change, these parse the request and shape the answer.
"""
import copy

from .. import patch as patches
from .. import store
from ..errors import Conflict, NotFound
from . import bodies, options
from .responses import respond, success

# Kinds whose registry answers a DELETE with the deleted object (ReturnDeletedObject upstream);
# the others answer with a Status once the object is gone.
RETURNS_DELETED_OBJECT = {"Namespace", "Pod", "Service", "ServiceAccount", "PersistentVolume",
                          "PersistentVolumeClaim", "StorageClass"}


def get(request, info):
    return respond(request, store.get(info.kind, info.namespace, info.name))


def list_objects(request, info):
    opts = options.list_options(request)
    result = store.list_objects(info.kind, info.namespace, label_selector=opts.label_selector,
                                field_selector=opts.field_selector, limit=opts.limit,
                                continue_token=opts.continue_token)
    return respond(request, list_body(info.kind, result))


def list_body(kind, result):
    metadata = {"resourceVersion": str(result.resource_version)}
    if result.continue_token:
        metadata["continue"] = result.continue_token
    if result.remaining is not None:
        metadata["remainingItemCount"] = result.remaining
    return {"kind": f"{kind.kind}List", "apiVersion": kind.api_version, "metadata": metadata,
            "items": result.items}


def create(request, info):
    data = bodies.read(request)
    dry_run = options.dry_run(request, options.CREATE_OPTIONS)
    obj = bodies.ensure_namespace(bodies.object_of(request, info.kind, data), info.namespace or "")
    return respond(request, store.create(obj, dry_run=dry_run), 201)


def update(request, info):
    """PUT of the object, or of its status or finalize subresource."""
    data = bodies.read(request)
    dry_run = options.dry_run(request, options.UPDATE_OPTIONS)
    obj = bodies.object_of(request, info.kind, data)
    bodies.ensure_name(bodies.ensure_namespace(obj, info.namespace or ""), info.name)
    updated = store.update(obj, subresource=info.subresource or None, dry_run=dry_run)
    return respond(request, updated)


def patch(request, info):
    """PATCH of the object or of its status: the patch applies to the object as it now is."""
    parse = patches.parser(bodies.media_type(request))
    data = bodies.read(request)
    dry_run = options.dry_run(request, options.PATCH_OPTIONS)
    change = parse(data)

    def patched(current):
        obj = bodies.typed(change.apply(current), info.kind.kind, (info.kind.api_version,))
        return bodies.ensure_name(bodies.ensure_namespace(obj, info.namespace or ""), info.name)

    obj = rewrite(info, patched, subresource=info.subresource or None, dry_run=dry_run)
    return respond(request, obj)


def rewrite(info, change, *, subresource=None, dry_run=False):
    """Write `change(current object)` over the object, as upstream's patcher does.

    A change that pins a resourceVersion of its own gets 409 Conflict when the object has moved on;
    any other is applied again to the newer object (GuaranteedUpdate's retry).
    """
    for _ in range(store.UPDATE_RETRIES):
        current = store.get(info.kind, info.namespace, info.name)
        new = change(copy.deepcopy(current))
        try:
            return store.update(new, subresource=subresource, dry_run=dry_run)
        except Conflict:
            if new["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
                raise
    raise Conflict.stale(info.kind, info.name)


def delete(request, info):
    opts = options.delete_options(request, bodies.read(request))
    obj, gone = store.delete(info.kind, info.namespace, info.name, **opts.store_arguments())
    # 202 only where upstream keeps it for compatibility: pending, and orphanDependents=false.
    code = 202 if not gone and opts.orphan_dependents is False else 200
    if gone and info.kind.kind not in RETURNS_DELETED_OBJECT:
        details = {"name": info.name, "group": info.kind.group, "kind": info.kind.plural,
                   "uid": obj["metadata"]["uid"]}
        return respond(request, success(details={k: v for k, v in details.items() if v}), code)
    return respond(request, obj, code)


def delete_collection(request, info):
    """DELETE on a collection: every object its selectors match, answered with them as listed."""
    opts = options.list_options(request)
    delete_opts = options.delete_options(request, bodies.read(request))
    result = store.list_objects(info.kind, info.namespace, label_selector=opts.label_selector,
                                field_selector=opts.field_selector)
    for obj in result.items:
        try:
            store.delete(info.kind, obj["metadata"].get("namespace"), obj["metadata"]["name"],
                         **delete_opts.store_arguments())
        except NotFound:
            pass  # deleted meanwhile: what was asked for is done
    return respond(request, list_body(info.kind, result))
