"""The cluster store: kube-apiserver's generic registry in front of an etcd-like table.

Every write
- runs the kind's strategy (defaulting, validation) before it takes the write lock,
- takes the next cluster-wide revision, which serializes writers so revisions commit in order,
- checks the object's resourceVersion against the stored one (stale → 409 Conflict),
- and appends a watch event to the change log in the same transaction.

Objects go in and come out as plain dicts shaped like the Kubernetes API's JSON.
"""
import copy
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import admission, clock, conversion, selectors, signals, sql, strategy
from . import kinds as kinds_registry
from .errors import AlreadyExists, BadRequest, Conflict, Forbidden, Gone, NotFound
from .models import ApiObject, ClusterState, WatchEvent
from .timestamps import parse as parse_timestamp
from .timestamps import timestamp

NAMESPACE = kinds_registry.BY_KIND[("", "Namespace")]
COMPACT_EVERY = 1000  # revisions between two compactions of the change log
UPDATE_RETRIES = 5


# --- revisions and the change log -------------------------------------------------------------

def current_revision():
    return ClusterState.objects.values_list("revision", flat=True).get(pk=1)


def compacted_revision():
    return ClusterState.objects.values_list("compacted_revision", flat=True).get(pk=1)


def _next_revision():
    """Take the next revision and read the clock, holding the counter's row lock until the
    transaction ends. Returns (revision, the cluster's time now)."""
    table = ClusterState._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET revision = revision + 1 WHERE id = 1 "
                       f"RETURNING revision, {', '.join(clock.FIELDS)}")
        revision, *clock_fields = cursor.fetchone()
    return revision, clock.seen(clock.Clock(*clock_fields)).now().replace(microsecond=0)


def _log(event_type, kind, obj, revision):
    meta = obj["metadata"]
    sql.insert(WatchEvent, {
        "revision": revision, "type": event_type, "group": kind.group, "kind": kind.kind,
        "namespace": meta.get("namespace", ""), "name": meta["name"], "object": obj,
        "created": timezone.now()})
    transaction.on_commit(signals.announce_commit)
    if revision % COMPACT_EVERY == 0:
        compact(revision)


def compact(revision=None):
    """Drop change-log entries beyond the retention count or age; watches from them get 410."""
    revision = revision or current_revision()
    horizon = timezone.now() - timezone.timedelta(seconds=settings.KUBESIM_EVENT_LOG_MAX_AGE_SECONDS)
    floor = revision - settings.KUBESIM_EVENT_LOG_MAX_COUNT
    WatchEvent.objects.filter(revision__lte=floor).delete()
    WatchEvent.objects.filter(created__lt=horizon).delete()
    oldest = WatchEvent.objects.order_by("revision").values_list("revision", flat=True).first()
    compacted = (oldest or revision + 1) - 1
    ClusterState.objects.filter(pk=1, compacted_revision__lt=compacted).update(
        compacted_revision=compacted)


def changes_since(revision, kind=None, namespace=None, name=None, limit=500):
    """Watch events after `revision`, oldest first, as (type, object) pairs; 410 if compacted."""
    if revision < compacted_revision():
        raise Gone(f"too old resource version: {revision} ({compacted_revision()})")
    rows = (WatchEvent.matching(kind, namespace, name).filter(revision__gt=revision)
            .order_by("revision").values_list("revision", "type", "object")[:limit])
    return [(rev, event_type, obj) for rev, event_type, obj in rows]


def last_change_before(kind, namespace, name, revision):
    """The change log's last (type, object) for one object before `revision`; None when it holds
    none (the object is new, or its history was compacted). A selective watch resumed from a
    resourceVersion uses it to tell whether the object matched before a change."""
    return (WatchEvent.matching(kind, namespace, name).filter(revision__lt=revision)
            .order_by("-revision").values_list("type", "object").first())


# --- reading ----------------------------------------------------------------------------------

def _namespace(kind, namespace):
    return (namespace or "default") if kind.namespaced else ""


def _key(kind, namespace, name):
    return {"group": kind.group, "kind": kind.kind, "namespace": _namespace(kind, namespace),
            "name": name}


def _key_query(kind, namespace, name):
    return ApiObject.objects.filter(**_key(kind, namespace, name))


def get(kind, namespace, name):
    found = sql.select_by_keys(ApiObject, ApiObject.DICT_COLUMNS, [_key(kind, namespace, name)])
    if not found:
        raise NotFound.of(kind, name)
    return ApiObject.assemble(*found[0])


@dataclass
class ListResult:
    items: list
    resource_version: int
    continue_token: str = ""
    remaining: int | None = None


def list_objects(kind, namespace=None, *, label_selector=None, field_selector=None, limit=None,
                 continue_token=None):
    """A LIST: objects of a kind in key order, optionally filtered and paged (limit + continue)."""
    revision = current_revision()  # read first: the items are at least this new
    qs = ApiObject.objects.of_kind(kind).in_namespace(namespace if kind.namespaced else None)
    filters = [selectors.parse_labels(label_selector) if label_selector else None,
               selectors.parse_fields(kind, field_selector) if field_selector else None]
    filters = [f for f in filters if f is not None]
    for f in filters:
        qs = qs.filter(f.to_q())
    if continue_token:
        revision, after = selectors.decode_continue(continue_token)
        qs = qs.filter(selectors.after_key(*after))
    qs = qs.order_by("namespace", "name")
    if filters:  # some requirements match only in Python: filter before counting the page
        items = [o for o in qs.objects() if all(f.matches(o) for f in filters)]
    else:
        items = qs[:limit + 1].objects() if limit else qs.objects()
    if not limit or len(items) <= limit:
        return ListResult(items, revision)
    last = items[limit - 1]["metadata"]
    token = selectors.encode_continue(revision, last.get("namespace", ""), last["name"])
    remaining = len(items) - limit if filters else qs.filter(
        selectors.after_key(last.get("namespace", ""), last["name"])).count()
    return ListResult(items[:limit], revision, token, remaining)


def list_prefixed(kind, namespace, prefix):
    """The objects whose names start with `prefix`, in key order: a range of the key index
    (the events about one object, named after it), not a scan of the kind."""
    key = _key(kind, namespace, "")
    del key["name"]
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # names from prefix up to, not with, this
    rows = sql.select_range(ApiObject, ApiObject.DICT_COLUMNS, key, "name", prefix, end)
    return [ApiObject.assemble(*row) for row in rows]


# --- writing ----------------------------------------------------------------------------------

def _projections(kind, obj):
    meta = obj["metadata"]
    owner = next((ref.get("uid", "") for ref in meta.get("ownerReferences") or ()
                  if ref.get("controller")), "")
    spec, status = obj.get("spec"), obj.get("status")
    return {
        "api_version": obj["apiVersion"],
        "metadata": meta,
        "spec": spec,
        "status": status,
        "body": {k: v for k, v in obj.items()
                 if k not in ("apiVersion", "kind", "metadata", "spec", "status")},
        "uid": meta["uid"],
        "resource_version": int(meta["resourceVersion"]),
        "generation": meta.get("generation", 1),
        "creation_timestamp": parse_timestamp(meta["creationTimestamp"]),
        "deletion_timestamp": parse_timestamp(meta.get("deletionTimestamp")),
        "node_name": (spec or {}).get("nodeName", "") if kind.kind == "Pod" else "",
        "phase": (status or {}).get("phase", "") or "",
        "owner_uid": owner,
    }


class _Retry(Exception):
    """The object changed between reading it and taking the write lock: read it again."""


def _check_key_free(kind, obj):
    """The object's namespace exists and is not terminating, and its name is free: one query."""
    meta = obj["metadata"]
    keys = [_key(kind, meta.get("namespace"), meta["name"])]
    if kind.namespaced:
        keys.append(_key(NAMESPACE, None, meta["namespace"]))
    found = dict(sql.select_by_keys(ApiObject, ("kind", "deletion_timestamp"), keys))
    if kind.kind in found:
        raise AlreadyExists.of(kind, meta["name"])
    if not kind.namespaced:
        return
    if "Namespace" not in found:
        raise NotFound.of(NAMESPACE, meta["namespace"])
    if found["Namespace"] is not None:
        raise Forbidden(f'{kind.plural} "{meta.get("name", "")}" is forbidden: unable to '
                        f"create new content in namespace {meta['namespace']} because it is "
                        "being terminated")


def create(obj, *, dry_run=False):
    kind = _kind(obj)
    obj = copy.deepcopy(conversion.to_storage(obj))
    if kind.kind == "Pod":
        admission.admit_pod(obj, get)  # as upstream: mutating admission, then the strategy
    strategy.prepare_for_create(kind, obj)
    meta = obj["metadata"]
    meta["uid"] = str(uuid.uuid4())
    strategy.prepare_with_uid(kind, obj)  # before validation, as upstream's jobStrategy.Validate
    strategy.validate_create(kind, obj)
    with transaction.atomic():
        revision, created = _next_revision()
        meta["creationTimestamp"] = timestamp(created)
        _check_key_free(kind, obj)
        if dry_run:
            # As upstream's DryRunnableStorage: the object as it would be stored, without the
            # resourceVersion only a real write gives it.
            transaction.set_rollback(True)
            return obj
        meta["resourceVersion"] = str(revision)
        sql.insert(ApiObject, {**_key(kind, meta.get("namespace"), meta["name"]),
                               **_projections(kind, obj)})
        _log(WatchEvent.ADDED, kind, obj, revision)
    return obj


def update(obj, *, subresource=None, dry_run=False):
    """PUT: replace the object; a resourceVersion in it must match the stored one (else 409)."""
    kind = _kind(obj)
    obj = conversion.to_storage(obj)
    meta = obj.get("metadata") or {}
    namespace, name = _namespace(kind, meta.get("namespace")), meta.get("name", "")
    wanted = meta.get("resourceVersion")
    for _ in range(UPDATE_RETRIES):
        old = get(kind, namespace, name)
        if wanted and wanted != old["metadata"]["resourceVersion"]:
            raise Conflict.stale(kind, name)
        new = strategy.prepare_for_update(kind, copy.deepcopy(obj), old, subresource)
        strategy.validate_update(kind, new, old, subresource)
        try:
            return _replace(kind, old, new, dry_run)
        except _Retry:
            if wanted:
                raise Conflict.stale(kind, name) from None
    raise Conflict.stale(kind, name)


def guaranteed_update(kind, namespace, name, mutate, *, subresource=None):
    """Read-modify-write that re-reads on conflict, as controllers do (GuaranteedUpdate).

    `mutate(obj)` changes the object in place; returning False means nothing needs writing.
    """
    for _ in range(UPDATE_RETRIES):
        obj = get(kind, namespace, name)
        if mutate(obj) is False:
            return obj
        try:
            return update(obj, subresource=subresource)
        except Conflict:
            continue
    raise Conflict.stale(kind, name)


def _replace(kind, old, new, dry_run):
    old_meta, meta = old["metadata"], new["metadata"]
    meta["resourceVersion"] = old_meta["resourceVersion"]
    if new == old:
        return old  # a no-op write changes nothing, not even the resourceVersion
    with transaction.atomic():
        revision, _ = _next_revision()
        # Under the write lock, a write conditional on the stored resourceVersion proves nothing
        # was written since `old` was read.
        where = {**_key(kind, old_meta.get("namespace"), old_meta["name"]),
                 "resource_version": int(old_meta["resourceVersion"])}
        meta["resourceVersion"] = str(revision)
        if dry_run:
            written = ApiObject.objects.filter(**where).exists()
            transaction.set_rollback(True)
            # Upstream's dry run answers the object as it would be stored with the
            # resourceVersion it has (nothing was written): `kubectl diff` shows no RV change.
            meta["resourceVersion"] = old_meta["resourceVersion"]
        elif strategy.should_delete_on_update(kind, new):
            written = ApiObject.objects.filter(**where).delete()[0]
            event = WatchEvent.DELETED
        else:
            written = sql.update(ApiObject, _projections(kind, new), where)
            event = WatchEvent.MODIFIED
        if not written:
            raise _Retry  # changed or deleted meanwhile: the caller reads it again
        if not dry_run:
            _log(event, kind, new, revision)
    return new


def delete(kind, namespace, name, *, grace_period_seconds=None, propagation_policy=None,
           preconditions=None, dry_run=False):
    """DELETE: remove now, or mark for graceful deletion while finalizers or a kubelet finish it.

    Returns (obj, deleted): the object as it now is, and whether it is gone from the store.
    """
    with transaction.atomic():
        revision, deleted_at = _next_revision()
        old = get(kind, namespace, name)  # under the write lock: nothing changes it meanwhile
        check_preconditions(kind, old, preconditions or {})
        new = strategy.prepare_for_delete(kind, copy.deepcopy(old), deleted_at,
                                          grace_period_seconds, propagation_policy)
        if new == old:  # already terminating with no shorter grace: nothing to write
            transaction.set_rollback(True)
            return old, False
        gone = new is None
        obj = old if gone else new
        obj["metadata"]["resourceVersion"] = str(revision)
        if dry_run:
            transaction.set_rollback(True)
        elif gone:
            _key_query(kind, namespace, name).delete()
            _log(WatchEvent.DELETED, kind, obj, revision)
        else:
            sql.update(ApiObject, _projections(kind, obj), _key(kind, namespace, name))
            _log(WatchEvent.MODIFIED, kind, obj, revision)
    return obj, gone


def check_preconditions(kind, obj, preconditions):
    """DeleteOptions' (and a binding's) preconditions: the uid and resourceVersion it must have."""
    meta = obj["metadata"]
    for key, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
        wanted = preconditions.get(key)
        if wanted and wanted != meta.get(key):
            raise Conflict.of(kind, meta["name"], f"Precondition failed: {label} in precondition: "
                                                  f"{wanted}, {label} in object meta: {meta.get(key)}")


def _kind(obj):
    try:
        return kinds_registry.for_object(obj)
    except kinds_registry.UnknownKind as e:
        raise BadRequest(str(e)) from None


def ensure_initialized():
    """The revision counter and the namespaces every cluster starts with; safe to run again."""
    real = time.time()
    ClusterState.objects.get_or_create(pk=1, defaults={"clock_real_anchor": real,
                                                       "clock_sim_anchor": real})
    ns_kind = kinds_registry.BY_KIND[("", "Namespace")]
    for name in kinds_registry.SYSTEM_NAMESPACES:
        if not ApiObject.objects.of_kind(ns_kind).filter(name=name).exists():
            create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
