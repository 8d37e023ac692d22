"""`kubectl edit` in the browser: a live object as YAML, saved back with the resourceVersion it
was read at, so a change made meanwhile by anyone else is a 409 Conflict rather than lost.

Controllers and kubelets write status all the time (a Node's heartbeat, a rolling Deployment's
counts), and an update of the object never changes its status anyway. So, as kubectl edit's patch
would not collide with them, a conflict with a version that differs from the one opened only in
status is not reported: the edit is saved onto the latest version. The version opened comes from
the store's change log; once compacted away, every conflict is reported.
"""
import copy
from dataclasses import dataclass

from cluster import kinds, manifests, store
from cluster.errors import Conflict, StatusError
from cluster.management import kubectl, printers

from .problems import failure
from .runs import DRY_RUN

# What kubectl edit puts above the object (it ignores comment lines, as YAML does).
HEADER = (
    "# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
    "# and an empty file will abort the edit. If an error occurs while saving this file will be\n"
    "# reopened with the relevant failures.\n"
    "#\n")
SOURCE = "edit"
STATUS_RETRIES = 5


class Refused(Exception):
    """The edit was not saved: the error, and the Failure the editor shows for it."""

    def __init__(self, error, document=None):
        super().__init__(str(error))
        self.error, self.failure = error, failure(error, document)


@dataclass(frozen=True)
class Saved:
    object: dict
    line: str  # kubectl's words: `deployment.apps/web edited`, or that nothing changed
    changed: bool


def as_yaml(obj):
    """The object as kubectl edit shows it: every field, resourceVersion included, but not the
    managedFields bookkeeping (kubectl hides it too, unless --show-managed-fields)."""
    obj = copy.deepcopy(obj)
    obj["metadata"].pop("managedFields", None)
    return HEADER + printers.to_yaml(obj)


def save(kind, namespace, name, text, resource_version, *, dry_run=False):
    """Replace the object with the edited text. The text's own resourceVersion wins (as kubectl
    sends what the file says); without one, the version the editor was opened at is used.
    Raises Refused."""
    try:
        document = _one_document(text)
    except StatusError as e:
        raise Refused(e) from e
    obj = copy.deepcopy(document.obj)
    meta = obj["metadata"] = obj.get("metadata") or {}
    if not _same_object(kind, namespace, name, obj):
        raise Refused(manifests.ManifestError("At least one of apiVersion, kind and name was "
                                              "changed"), document)
    if kind.namespaced:
        meta.setdefault("namespace", namespace)
    if not meta.get("resourceVersion") and resource_version:
        meta["resourceVersion"] = resource_version
    try:
        saved = _update(kind, obj, dry_run)
    except StatusError as e:
        raise Refused(e, document) from e
    if dry_run:  # a dry run keeps the resourceVersion: compare with what is stored
        changed = saved != store.get(kind, meta.get("namespace"), meta["name"])
    else:
        changed = saved["metadata"]["resourceVersion"] != meta.get("resourceVersion")
    return Saved(saved, _line(kind, name, changed, dry_run), changed)


def _update(kind, obj, dry_run):
    """store.update, carried onto the latest version past conflicts with status-only changes
    (obj's resourceVersion is left at the version finally sent)."""
    for _ in range(STATUS_RETRIES):
        try:
            return store.update(obj, dry_run=dry_run)
        except Conflict:
            latest = _status_changed_only(kind, obj)
            if latest is None:
                raise
            obj["metadata"]["resourceVersion"] = latest["metadata"]["resourceVersion"]
    return store.update(obj, dry_run=dry_run)


def _status_changed_only(kind, obj):
    """The latest version, if it differs from the version `obj` was edited from only in status
    (and resourceVersion); else None."""
    meta = obj["metadata"]
    version = str(meta.get("resourceVersion") or "")
    if not version.isdigit():
        return None
    found = store.last_change_before(kind, meta.get("namespace"), meta["name"], int(version) + 1)
    if not found or found[1]["metadata"].get("resourceVersion") != version:
        return None  # the version opened is no longer in the change log
    latest = store.get(kind, meta.get("namespace"), meta["name"])
    return latest if _editable(found[1]) == _editable(latest) else None


def _editable(obj):
    obj = copy.deepcopy(obj)
    obj.pop("status", None)
    for key in ("resourceVersion", "managedFields"):
        obj["metadata"].pop(key, None)
    return obj


def _line(kind, name, changed, dry_run):
    if not changed:
        return "Edit cancelled, no changes made."
    return f"{kubectl.resource(kind)}/{name} edited{DRY_RUN if dry_run else ''}"


def _one_document(text):
    documents = manifests.parse(text, SOURCE)
    if not documents:
        raise manifests.ManifestError("Edit cancelled, saved file was empty.")
    if len(documents) > 1:
        raise manifests.ManifestError(
            f"{documents[1].where()}: the edited file holds {len(documents)} objects; "
            f"an edit saves exactly one")
    return documents[0]


def _same_object(kind, namespace, name, obj):
    """kubectl edit's preconditions: the same object, not another one by a new name."""
    meta = obj["metadata"]
    try:
        same_kind = kinds.for_object(obj) == kind
    except kinds.UnknownKind:
        same_kind = False
    same_namespace = not kind.namespaced or meta.get("namespace", namespace) == namespace
    return same_kind and meta.get("name") == name and same_namespace
