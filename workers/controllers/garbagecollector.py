"""The garbage collector (pkg/controller/garbagecollector): deletes dependents whose owners are
gone, and carries out foreground and orphan deletion for owners that ask for them.

Keys are owner uids, as ownerReferences name their owners: a change to a dependent wakes its
owners' keys, and an owner's deletion (or its being marked for foreground or orphan deletion) wakes
its own. A reconcile does for one owner what upstream's workers do for its graph node:
- owner gone: each dependent without another live owner is deleted, in the background unless its
  own finalizers say otherwise; one that has another drops its reference (attemptToDeleteItem),
- owner being deleted with the foregroundDeletion finalizer: its dependents are deleted (in the
  foreground if they have dependents of their own), and once no dependent that blocks owner
  deletion is left, the finalizer is removed and the owner goes (processDeletingDependentsItem),
- owner being deleted with the orphan finalizer: its dependents drop their references to it, then
  the finalizer is removed (attemptToOrphan).

Upstream keeps the ownership graph in memory; here dependents are looked up in the store: through
the indexed owner_uid column for controller references, and by scanning ownerReferences' JSON for
the others. That scan reads every object, which is fine at a classroom cluster's size.

Left out: the cycle check that unblocks a dependent's references before deleting it in the
foreground, and the OwnerRefInvalidNamespace event for references across namespaces (such a
reference is treated as dangling, as upstream does).
"""
from itertools import chain

from cluster import kinds, store
from cluster.errors import NotFound
from cluster.models import ApiObject
from workers.models import SchedulingVerdict

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


def reconcile(key):
    """Never asks to come back: every change that matters wakes the key."""
    owner = _get_by_uid(key)
    if owner is None:
        # The scheduler's verdict on a pod is its own record, not an API object: it goes too.
        SchedulingVerdict.objects.filter(pod_uid=key).delete()
        for dependent in dependents_of(key):
            attempt_to_delete(dependent)
        return
    meta = owner["metadata"]
    if not meta.get("deletionTimestamp"):
        return
    finalizers = meta.get("finalizers") or ()
    if ORPHAN in finalizers:
        attempt_to_orphan(owner)
    elif FOREGROUND in finalizers:
        process_deleting_dependents(owner)


def keys_for(event_type, obj):
    """Its owners, whose dependents changed; itself once it is gone or being deleted with one of
    the garbage collector's finalizers."""
    meta = obj["metadata"]
    keys = [ref["uid"] for ref in meta.get("ownerReferences") or () if ref.get("uid")]
    if event_type == "DELETED" or (meta.get("deletionTimestamp")
                                   and {FOREGROUND, ORPHAN} & set(meta.get("finalizers") or ())):
        keys.append(meta["uid"])
    return keys


def resync_keys():
    """Every owner a controller reference names, and every object being deleted."""
    owners = ApiObject.objects.exclude(owner_uid="").values_list("owner_uid", flat=True).distinct()
    deleting = ApiObject.objects.terminating().values_list("uid", flat=True)
    return sorted(set(owners) | set(deleting))


def dependents_of(uid):
    """The objects with an ownerReference to `uid`."""
    controlled = ApiObject.objects.owned_by(uid)
    # Non-controller references are not indexed: narrow by the uid's text, then check.
    others = ApiObject.objects.exclude(owner_uid=uid).filter(metadata__ownerReferences__icontains=uid)
    return [obj for obj in chain(controlled.objects(), others.objects())
            if any(ref.get("uid") == uid for ref in obj["metadata"].get("ownerReferences") or ())]


def attempt_to_delete(item):
    """attemptToDeleteItem: delete a dependent none of whose owners is still there for it."""
    meta = item["metadata"]
    if meta.get("deletionTimestamp"):
        return  # being deleted already; one deleting its own dependents has its own key
    solid, dangling, waiting = _classify_references(item)
    if solid:
        # Its other references would keep a foreground owner waiting forever: drop them.
        if dangling or waiting:
            _remove_owner_references(item, {ref["uid"] for ref in dangling + waiting})
        return
    finalizers = meta.get("finalizers") or ()
    if waiting and dependents_of(meta["uid"]):
        policy = "Foreground"  # it has dependents of its own for its owner to wait for
    elif ORPHAN in finalizers:
        policy = "Orphan"
    elif FOREGROUND in finalizers:
        policy = "Foreground"
    else:
        policy = "Background"
    _delete(item, policy)


def process_deleting_dependents(owner):
    """processDeletingDependentsItem: delete the dependents of an owner deleted in the
    foreground; once none that blocks it is left, remove its foregroundDeletion finalizer."""
    uid = owner["metadata"]["uid"]
    for dependent in dependents_of(uid):
        attempt_to_delete(dependent)
    if not any(_blocks(dependent, uid) for dependent in dependents_of(uid)):
        _remove_finalizer(owner, FOREGROUND)


def attempt_to_orphan(owner):
    """attemptToOrphan: the dependents lose their references to the owner, then it goes."""
    uid = owner["metadata"]["uid"]
    for dependent in dependents_of(uid):
        _remove_owner_references(dependent, {uid})
    _remove_finalizer(owner, ORPHAN)


def _classify_references(item):
    """classifyReferences: (solid, dangling, waiting for dependents' deletion) ownerReferences."""
    solid, dangling, waiting = [], [], []
    for ref in item["metadata"].get("ownerReferences") or ():
        owner = _get_by_uid(ref.get("uid"))
        if owner is None or not _may_own(owner, item):
            dangling.append(ref)
        elif owner["metadata"].get("deletionTimestamp") and FOREGROUND in (
                owner["metadata"].get("finalizers") or ()):
            waiting.append(ref)
        else:
            solid.append(ref)
    return solid, dangling, waiting


def _may_own(owner, dependent):
    """An owner is cluster-scoped or in its dependent's namespace."""
    namespace = owner["metadata"].get("namespace")
    return not namespace or namespace == dependent["metadata"].get("namespace")


def _blocks(dependent, owner_uid):
    return any(ref.get("uid") == owner_uid and ref.get("blockOwnerDeletion")
               for ref in dependent["metadata"].get("ownerReferences") or ())


def _get_by_uid(uid):
    row = ApiObject.objects.filter(uid=uid).first() if uid else None
    return None if row is None else row.to_dict()


def _delete(obj, policy):
    meta = obj["metadata"]
    try:
        store.delete(kinds.for_object(obj), meta.get("namespace"), meta["name"],
                     propagation_policy=policy, preconditions={"uid": meta["uid"]})
    except NotFound:
        pass  # gone already


def _remove_owner_references(obj, uids):
    meta = obj["metadata"]

    def drop(current):
        refs = current["metadata"].get("ownerReferences") or []
        kept = [ref for ref in refs if ref.get("uid") not in uids]
        if current["metadata"]["uid"] != meta["uid"] or len(kept) == len(refs):
            return False
        if kept:
            current["metadata"]["ownerReferences"] = kept
        else:
            del current["metadata"]["ownerReferences"]

    _update(obj, drop)


def _remove_finalizer(obj, finalizer):
    meta = obj["metadata"]

    def drop(current):
        finalizers = current["metadata"].get("finalizers") or []
        if current["metadata"]["uid"] != meta["uid"] or finalizer not in finalizers:
            return False
        current["metadata"]["finalizers"] = [f for f in finalizers if f != finalizer]

    _update(obj, drop)


def _update(obj, mutate):
    meta = obj["metadata"]
    try:
        store.guaranteed_update(kinds.for_object(obj), meta.get("namespace"), meta["name"], mutate)
    except NotFound:
        pass  # gone already: nothing left to change
