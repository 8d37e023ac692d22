"""Update and Apply as structured-merge-diff's Updater and kube-apiserver's field manager layers
do them, on decoded managers ({key: Entry}).

Update: the manager comes to own what it changed; what it changed or removed leaves the others.
Apply: the configuration merges into the object; what the applier applied last time and no
longer applies goes unless someone else owns it; a changed field another manager owns is a
conflict unless forced.
"""
from dataclasses import dataclass, replace

from . import conflicts, typed
from .fieldpath import element_order, tree
from .managers import APPLY, UPDATE, Entry
from .schema import Type

# Paths no manager owns (stripMetaManager): the server sets them, or they name the object.
STRIPPED = frozenset([(("f", "apiVersion"),), (("f", "kind"),), (("f", "metadata"),)] + [
    (("f", "metadata"), ("f", name)) for name in (
        "name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName",
        "generation", "managedFields", "resourceVersion")])
STATUS = ("f", "status")
REPLICAS = (("f", "spec"), ("f", "replicas"))


@dataclass(frozen=True)
class Scope:
    """What a write may own: the main resource resets status where status is a subresource,
    the status subresource owns status alone, scale only spec.replicas (reset fields)."""
    type: Type
    api_version: str
    subresource: str = ""
    resets_status: bool = False

    def owns(self, path):
        if path in STRIPPED:
            return False
        if self.subresource == "status":
            return path[:1] == (STATUS,)
        if self.subresource == "scale":
            return path[:2] == REPLICAS
        return not (self.resets_status and path[:1] == (STATUS,))


def update(scope, live, new, managed, manager, now):
    """The managers once `manager` turned `live` (None: nothing) into `new` with an Update."""
    c = typed.compare(live, new, scope.type).exclude(scope.owns)
    changed = c.added | c.modified
    out = _taken(managed, changed | c.removed)
    if changed:  # only a write that changed something touches the manager's entry and time
        me = Entry(manager, UPDATE, scope.api_version, frozenset(), scope.subresource)
        before = out.get(me.key)
        out[me.key] = replace(me, fields=frozenset(changed | (before.fields if before else set())),
                              time=now)
    return out


def _taken(managed, paths, skip=None):
    """The managers without `paths`; managers left with nothing go."""
    out = {}
    for key, entry in managed.items():
        rest = entry.fields if key == skip else entry.fields - paths
        if rest:
            out[key] = entry.with_fields(rest)
    return out


@dataclass
class Applied:
    obj: dict
    managed: dict
    changed: bool


def apply(scope, live, config, managed, manager, force, now, excuse=None):
    """`config` applied by `manager` to `live` (None: creates). `excuse(conflicts)` returns the
    conflicts it does not excuse (the last-applied upgrade); any left raise ApplyConflict."""
    t = scope.type
    base = live if live is not None else {}
    mine = {p for p in typed.field_set(config, t) if scope.owns(p) or p in STRIPPED}
    me = Entry(manager, APPLY, scope.api_version, frozenset(mine), scope.subresource)
    last = managed.get(me.key)
    managed = {**managed, me.key: me}
    merged = typed.merge(base, config, t)
    if last is not None:
        merged = prune(merged, managed, last.fields, t)
    c = typed.compare(live, merged, t).exclude(scope.owns)
    changed = c.added | c.modified
    found = [(entry, path) for key, entry in managed.items() if key != me.key
             for path in sorted(entry.fields & changed, key=_path_order)]
    if found and not force:
        found = excuse(found) if excuse else found
        if found:
            raise conflicts.ApplyConflict(found)
    managed = _taken(managed, changed | c.removed, skip=me.key)
    moved = merged != base
    # The time says when the applier last changed the object: a no-op apply leaves it.
    time = now if moved else last.time if last is not None else None
    managed[me.key] = replace(me.with_fields(p for p in mine if p not in STRIPPED), time=time)
    if not managed[me.key].fields:
        del managed[me.key]
    return Applied(merged, managed, moved)


def _path_order(path):
    return tuple(element_order(pe) for pe in path)


def prune(merged, managed, last, t):
    """Remove what the applier applied last time, applies no more, and no one else owns."""
    last = typed.ensure_named(last, t)
    every = typed.ensure_named(typed.field_set(merged, t), t)
    owned = typed.ensure_named(set().union(*(e.fields for e in managed.values())), t)
    pruned = _removed(merged, last, t)
    kept = typed.ensure_named(typed.field_set(pruned, t), t)
    owned_back = _removed(merged, every - (kept | owned), t)
    kept = typed.ensure_named(typed.field_set(owned_back, t), t)
    return _removed(merged, (every - kept) & last, t)


def _removed(obj, paths, t):
    if not paths:
        return obj
    out = typed.remove(obj, tree(paths)[1], t)
    return {} if out is typed.MISSING else out
