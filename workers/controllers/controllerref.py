"""Controller references (pkg/controller/controller_ref_manager.go): which objects a controller
owns, adopting the orphans its selector matches and releasing its own that no longer match."""
from cluster import store
from cluster.errors import Invalid, NotFound


def controller_of(obj):
    """The ownerReference with controller: true, or None (metav1.GetControllerOf)."""
    return next((ref for ref in obj["metadata"].get("ownerReferences") or ()
                 if ref.get("controller")), None)


def is_controlled_by(obj, owner):
    ref = controller_of(obj)
    return ref is not None and ref.get("uid") == owner["metadata"]["uid"]


def new_controller_ref(owner):
    """metav1.NewControllerRef: what the owner's children carry, and the garbage collector reads."""
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
            "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}


def claim(kind, owner, candidates, matches):
    """ClaimObjects: the candidates `owner` now controls.

    Its own that `matches` still accepts stay; its own that it no longer accepts are released;
    orphans it accepts are adopted. An owner being deleted only keeps what it has.
    """
    deleting = bool(owner["metadata"].get("deletionTimestamp"))
    claimed = []
    for obj in candidates:
        ref = controller_of(obj)
        if ref is not None:
            if ref.get("uid") != owner["metadata"]["uid"]:
                continue  # someone else's
            if matches(obj):
                claimed.append(obj)
            elif not deleting:
                _release(kind, owner, obj)
        elif not deleting and matches(obj) and not obj["metadata"].get("deletionTimestamp"):
            adopted = _adopt(kind, owner, obj)
            if adopted is not None:
                claimed.append(adopted)
    return claimed


def _adopt(kind, owner, obj):
    """Add the owner's controller reference, as upstream's patch does: only to the same object
    (uid) and only while nobody else controls it. Returns the adopted object, or None."""
    uid = obj["metadata"]["uid"]

    def add_reference(current):
        if current["metadata"]["uid"] != uid or controller_of(current) is not None:
            return False
        refs = current["metadata"].setdefault("ownerReferences", [])
        refs.append(new_controller_ref(owner))
        return None

    try:
        adopted = store.guaranteed_update(kind, obj["metadata"]["namespace"],
                                          obj["metadata"]["name"], add_reference)
    except NotFound:
        return None
    return adopted if is_controlled_by(adopted, owner) else None


def _release(kind, owner, obj):
    """Remove the owner's reference (a strategic-merge `$patch: delete` by uid). An object gone or
    changed meanwhile needs nothing more."""
    uid, owner_uid = obj["metadata"]["uid"], owner["metadata"]["uid"]

    def remove_reference(current):
        refs = current["metadata"].get("ownerReferences") or []
        kept = [ref for ref in refs if ref.get("uid") != owner_uid]
        if current["metadata"]["uid"] != uid or len(kept) == len(refs):
            return False
        if kept:
            current["metadata"]["ownerReferences"] = kept
        else:
            del current["metadata"]["ownerReferences"]
        return None

    try:
        store.guaranteed_update(kind, obj["metadata"]["namespace"], obj["metadata"]["name"],
                                remove_reference)
    except (NotFound, Invalid):
        pass
