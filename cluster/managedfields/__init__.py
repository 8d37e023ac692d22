"""Server-side apply and metadata.managedFields, as kube-apiserver's field manager keeps them.

The API layer calls these around its writes (create, update, patch, apply). Controllers and
kubelets writing through cluster.store directly are not tracked: their writes carry the
managedFields they read unchanged, which keeps the store's hot path free of this work.
"""
import json

from .. import kinds
from ..errors import BadRequest, Invalid
from ..timestamps import now, timestamp
from . import fieldmanager, managers, schema
from .conflicts import ApplyConflict  # noqa: F401  (the error callers catch)
from .fieldmanager import Scope

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
BEFORE_FIRST_APPLY = "before-first-apply"
# Only kubectl's own server-side apply takes over from its client-side apply (lastApplied*).
KUBECTL = "kubectl"


def scope(kind, subresource=None):
    group, version = kinds.split_api_version(kind.api_version)
    resets = kind.has_status or kind.kind in ("Namespace", "Pod")
    return Scope(schema.for_kind(group, version, kind.kind), kind.api_version,
                 subresource or "", resets)


def _bare(obj):
    """The object without its managedFields: they are not compared or merged."""
    if obj is None or "managedFields" not in obj.get("metadata", {}):
        return obj
    meta = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
    return {**obj, "metadata": meta}


def _decoded(obj):
    try:
        return managers.decode((obj or {}).get("metadata", {}).get("managedFields") or [])
    except (BadRequest, ValueError, TypeError):
        return {}  # undecodable: start over rather than fail the write


def _store(obj, managed):
    """A copy of `obj` (its top level and metadata) holding the managers."""
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
    entries = managers.encode(managed)
    if entries:
        meta["managedFields"] = entries
    return {**obj, "metadata": meta}


def record_update(kind, live, new, manager, subresource=None):
    """`new` with the managedFields of an Update by `manager` of `live` (None on a create).

    managedFields the client sent replace the live ones (clients may rewrite them, kubectl's
    client-side to server-side apply migration does), except on subresources.
    """
    sent = (new.get("metadata") or {}).get("managedFields")
    managed = _decoded(new) if sent and not subresource else {}
    causes = managers.problems(managed)
    if causes:
        raise Invalid(kind, (new.get("metadata") or {}).get("name", ""), causes)
    if not managed:
        managed = _decoded(live)
        if live is not None and not managed:
            # An object no one tracks stays untracked (skipNonAppliedManager): those internal
            # writers created, or whose managedFields a client cleared with [{}].
            return _store(_bare(new), {})
    managed = fieldmanager.update(scope(kind, subresource), _bare(live), _bare(new), managed,
                                  manager, timestamp(now()))
    return _store(_bare(new), managers.capped(managed))


def apply(kind, live, config, manager, force, subresource=None):
    """The object once `manager` applies `config` to `live` (None: the apply creates it)."""
    _check_config(kind, config)
    s, when = scope(kind, subresource), timestamp(now())
    managed = _decoded(live)
    base = _bare(live)
    if live is not None and not managed:  # tracked from here on: the rest is someone's already
        managed = fieldmanager.update(s, None, base, {}, BEFORE_FIRST_APPLY, when)
    excuse = (lambda found: _not_excused(s, base, found)) if manager == KUBECTL else None
    done = fieldmanager.apply(s, base, config, managed, manager, force, when, excuse)
    obj = done.obj
    if manager == KUBECTL and LAST_APPLIED in (obj.get("metadata", {}).get("annotations") or {}):
        obj = _with_last_applied(obj, config)
    return _store(obj, managers.capped(done.managed))


def _check_config(kind, config):
    """What the field manager refuses before merging (versionCheck, structured merge)."""
    api_version, kind_name = config.get("apiVersion"), config.get("kind")
    if kind_name != kind.kind or api_version != kind.api_version:
        group, version = kinds.split_api_version(api_version if isinstance(api_version, str) else "")
        shown = kind_name if isinstance(kind_name, str) else ""
        raise BadRequest(f"invalid object type: {group}/{version}, Kind={shown}")
    if not isinstance(config.get("metadata", {}), dict):
        raise BadRequest("metadata must be an object")
    if (config.get("metadata") or {}).get("managedFields") is not None:
        raise BadRequest("metadata.managedFields must be nil")


def _not_excused(s, live, found):
    """The conflicts left once those on fields kubectl's client-side apply last set, to the
    value they still have, are excused: kubectl's server-side apply takes those over
    (lastAppliedManager)."""
    text = (((live or {}).get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    try:
        last = json.loads(text) if isinstance(text, str) and text else None
    except ValueError:
        last = None
    if not isinstance(last, dict):
        return found
    c = fieldmanager.typed.compare(last, live, s.type)
    allowed = fieldmanager.typed.field_set(last, s.type) - c.modified - c.added - c.removed
    return [(entry, path) for entry, path in found if path not in allowed]


def _with_last_applied(obj, config):
    """kubectl's last-applied annotation, kept in step with what it applies server-side."""
    config = json.loads(json.dumps(config))
    annotations = (config.get("metadata") or {}).get("annotations") or {}
    annotations.pop(LAST_APPLIED, None)
    if not annotations:
        config.get("metadata", {}).pop("annotations", None)
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    meta = dict(obj["metadata"])
    meta["annotations"] = {**meta["annotations"], LAST_APPLIED: text}
    return {**obj, "metadata": meta}
