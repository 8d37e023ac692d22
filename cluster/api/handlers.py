"""The verbs on objects and collections: thin handlers over cluster.store.

Each takes the request and its RequestInfo and returns the response; the store validates, checks
resourceVersions and records the change, these parse the request and shape the answer.
"""
import copy

from .. import conversion, managedfields, store
from .. import patch as patches
from ..errors import Conflict, NotFound
from . import bodies, fieldvalidation, options, tables
from .responses import respond, success

# Kinds whose registry answers a DELETE with the deleted object (ReturnDeletedObject upstream);
# the others answer with a Status once the object is gone.
RETURNS_DELETED_OBJECT = {"Namespace", "Pod", "Service", "ServiceAccount", "PersistentVolume",
                          "PersistentVolumeClaim", "StorageClass"}


def get(request, info):
    target = tables.negotiate(request)  # a 406 comes before a 404, as upstream's
    obj = store.get(info.kind, info.namespace, info.name)
    return tables.respond(request, target, info.kind, obj)


def list_objects(request, info):
    target = tables.negotiate(request)
    opts = options.list_options(request)
    result = store.list_objects(info.kind, info.namespace, label_selector=opts.label_selector,
                                field_selector=opts.field_selector, limit=opts.limit,
                                continue_token=opts.continue_token)
    return tables.respond(request, target, info.kind, list_body(info.kind, result), listed=True)


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
    obj = fieldvalidation.body_object(request, info.kind, data)
    obj = bodies.ensure_namespace(obj, info.namespace or "")
    obj = managedfields.record_update(info.kind, None, obj, options.field_manager(request))
    return respond(request, store.create(obj, dry_run=dry_run), 201)


def update(request, info):
    """PUT of the object, or of its status or finalize subresource."""
    data = bodies.read(request)
    dry_run = options.dry_run(request, options.UPDATE_OPTIONS)
    obj = fieldvalidation.body_object(request, info.kind, data)
    bodies.ensure_name(bodies.ensure_namespace(obj, info.namespace or ""), info.name)
    updated = rewrite(info, lambda _: obj, subresource=info.subresource or None, dry_run=dry_run,
                      manager=options.field_manager(request))
    return respond(request, updated)


def patch(request, info):
    """PATCH of the object or of its status: the patch applies to the object as it now is."""
    media = bodies.media_type(request)
    parse = patches.parser(media)
    data = bodies.read(request)
    dry_run = options.dry_run(request, options.PATCH_OPTIONS, media)
    change = parse(data)
    manager = options.field_manager(request)
    if isinstance(change, patches.ApplyPatch):
        return apply(request, info, change.config, manager, dry_run)

    checked = fieldvalidation.PatchCheck(request, media, data)

    def patched(current):
        obj = bodies.typed(change.apply(current), info.kind.kind, info.kind.api_versions)
        obj = conversion.to_storage(obj)
        obj = checked(info.kind, obj, change)
        return bodies.ensure_name(bodies.ensure_namespace(obj, info.namespace or ""), info.name)

    obj = rewrite(info, patched, subresource=info.subresource or None, dry_run=dry_run,
                  manager=manager)
    return respond(request, obj)


def apply(request, info, config, manager, dry_run):
    """Server-side apply: merge the configuration in, or create the object from it (201)."""
    subresource, force = info.subresource or None, options.force(request)

    def applied(current):
        obj = managedfields.apply(info.kind, current, config, manager, force, subresource)
        return bodies.ensure_name(bodies.ensure_namespace(obj, info.namespace or ""), info.name)

    try:
        return respond(request, rewrite(info, applied, subresource=subresource, dry_run=dry_run))
    except NotFound as e:
        if subresource or (e.details or {}).get("kind") != info.kind.plural:
            raise
    return respond(request, store.create(applied(None), dry_run=dry_run), 201)


def rewrite(info, change, *, subresource=None, dry_run=False, manager=None, recorded_as=None):
    """Write `change(current object)` over the object, as upstream's patcher does.

    A change that pins a resourceVersion of its own gets 409 Conflict when the object has moved on;
    any other is applied again to the newer object (GuaranteedUpdate's retry). With a `manager`
    the write is recorded in managedFields as its Update (of `recorded_as`, the subresource).
    """
    for _ in range(store.UPDATE_RETRIES):
        current = store.get(info.kind, info.namespace, info.name)
        # A change written in another version than the stored one applies to the object as
        # that version shows it.
        new = change(copy.deepcopy(conversion.to_version(current, info.api_version)))
        new = conversion.to_storage(new)
        if manager is not None:
            new = managedfields.record_update(info.kind, current, new, manager,
                                              recorded_as or subresource)
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
