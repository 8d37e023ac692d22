"""`kubectl apply`, client-side: create what is absent, three-way merge what exists.

The merge is kubectl's for types without a strategic-merge schema (jsonmergepatch's
CreateThreeWayJSONMergePatch): fields removed from the manifest since the last apply are deleted,
fields the manifest sets are set, and fields only others set are kept; maps merge, lists are
replaced. Unlike kubectl, an upload applies all or nothing: every write runs in one transaction.

kubectl says "unchanged" when its patch is empty. Replacing lists makes the patch of a
re-applied Deployment non-empty (the live containers carry server defaults), where kubectl's
strategic merge would find nothing to do; so a patch the server turns into no change at all is
"unchanged" here too.
"""
import copy
import json
from dataclasses import dataclass, field

from django.db import transaction

from . import kinds, store
from .errors import Conflict, NotFound, StatusError
from .manifests import Document, ManifestError
from .patch import merge

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_PATCH_RETRY = 5  # kubectl's patcher re-reads and retries a conflicting patch this often
_GO_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                                  "\u2028": "\\u2028", "\u2029": "\\u2029"})


@dataclass
class Applied:
    kind: kinds.Kind
    object: dict  # as stored, or as it would be stored on a dry run
    action: str  # "created", "configured" or "unchanged", the word kubectl prints
    document: Document
    warnings: list = field(default_factory=list)


def apply(documents, *, namespace=None, dry_run=False):
    """Apply every document, or none: the first failure rolls back the whole upload."""
    if not documents:
        raise ManifestError("no objects passed to apply")
    with transaction.atomic():
        return [_apply_one(doc, namespace, dry_run) for doc in documents]


def resolve(document, namespace=None):
    """(Kind, manifest) as kubectl's resource builder hands them on: the namespace defaulted,
    or checked against an explicit `namespace`, for namespaced kinds, and dropped otherwise."""
    obj = copy.deepcopy(document.obj)
    meta = obj["metadata"] = obj.get("metadata") or {}
    try:
        kind = kinds.for_object(obj)
    except kinds.UnknownKind as e:
        raise ManifestError(
            f'resource mapping not found for name: "{meta.get("name", "")}" namespace: '
            f'"{meta.get("namespace", "")}" from "{document.source}": {document.where("kind")}: '
            f"{e}\nensure CRDs are installed first") from None
    if not kind.namespaced:
        meta.pop("namespace", None)
        return kind, obj
    own = meta.get("namespace")
    if namespace and own and own != namespace:
        raise _refusal(document, "metadata.namespace",
                       f'the namespace from the provided object "{own}" does not match the '
                       f"namespace \"{namespace}\". You must pass '--namespace={own}' to perform "
                       f"this operation.")
    meta["namespace"] = own or namespace or "default"
    return kind, obj


def _apply_one(doc, namespace, dry_run):
    kind, manifest = resolve(doc, namespace)
    meta = manifest["metadata"]
    if not meta.get("name"):
        if meta.get("generateName"):
            raise _refusal(doc, "metadata.generateName",
                           f"from {meta['generateName']}: cannot use generate name with apply")
        raise _refusal(doc, "metadata.name", "resource name may not be empty")
    modified = with_last_applied(manifest)
    verb = "creating"
    try:
        try:
            live = store.get(kind, meta.get("namespace"), meta["name"])
        except NotFound:
            return Applied(kind, store.create(modified, dry_run=dry_run), "created", doc)
        verb = "patching"
        return _patch(kind, doc, modified, live, dry_run)
    except StatusError as e:
        raise _located(e, doc, verb) from e


def _patch(kind, doc, modified, live, dry_run):
    """PATCH with kubectl's three-way patch, re-reading and retrying on conflict as it does."""
    meta, warnings = live["metadata"], []
    if LAST_APPLIED not in (meta.get("annotations") or {}):
        warnings.append(
            f"Warning: resource {kind.plural}/{meta['name']} is missing the {LAST_APPLIED} "
            f"annotation which is required by kubectl apply. kubectl apply should only be used on "
            f"resources created declaratively by either kubectl create --save-config or kubectl "
            f"apply. The missing annotation will be patched automatically.")
    for attempt in range(MAX_PATCH_RETRY + 1):
        patch = three_way_merge_patch(last_applied(live), modified, live)
        if not patch:
            return Applied(kind, live, "unchanged", doc, warnings)
        try:
            updated = store.update(merge(live, patch), dry_run=dry_run)
        except Conflict:
            if attempt == MAX_PATCH_RETRY:
                raise
            live = store.get(kind, meta.get("namespace"), meta["name"])
            continue
        if _same(updated, live):
            return Applied(kind, updated, "unchanged", doc, warnings)
        if updated["metadata"].get("deletionTimestamp"):
            warnings.append(f"Warning: Detected changes to resource {meta['name']} which is "
                            f"currently being deleted.")
        return Applied(kind, updated, "configured", doc, warnings)


# Bookkeeping a write moves without changing what the object says.
BOOKKEEPING = ("resourceVersion", "managedFields", "generation")


def _same(updated, live):
    """Whether an update changed the object. A dry run keeps the resourceVersion, so the
    objects themselves are compared, as `kubectl diff` compares them."""
    def content(obj):
        meta = {k: v for k, v in obj["metadata"].items() if k not in BOOKKEEPING}
        return {**obj, "metadata": meta}

    return content(updated) == content(live)


def with_last_applied(manifest):
    """The manifest carrying its own last-applied-configuration annotation, as kubectl sends it.

    The value is what Go's json.Encoder writes for the manifest without that annotation: compact,
    keys sorted, <>& escaped, a newline at the end; and, as kubectl leaves it, with an empty
    `annotations: {}` when the manifest had no other annotation.
    """
    obj = copy.deepcopy(manifest)
    annotations = obj["metadata"].get("annotations")
    annotations = annotations if isinstance(annotations, dict) else {}  # as kubectl's accessor
    annotations.pop(LAST_APPLIED, None)
    obj["metadata"]["annotations"] = annotations
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    obj["metadata"]["annotations"] = {**annotations, LAST_APPLIED: text.translate(_GO_JSON_ESCAPES) + "\n"}
    return obj


def last_applied(obj):
    """The configuration last applied to a live object, {} if it was never applied."""
    text = (obj["metadata"].get("annotations") or {}).get(LAST_APPLIED)
    try:
        original = json.loads(text) if text else {}
    except ValueError:
        return {}
    return original if isinstance(original, dict) else {}


# --- errors -----------------------------------------------------------------------------------

def _refusal(doc, field_path, why):
    return ManifestError(f'error when applying "{doc.source}": {doc.where(field_path)}: {why}')


def _located(error, doc, verb):
    """The store's error, same class, reason and code, saying which document and line failed:
    the first bad field's line, and each cause with its own `line`."""
    details = error.details
    causes = [{**cause, "line": doc.line_of(cause.get("field", ""))}
              for cause in (details or {}).get("causes", ())]
    line = next((c["line"] for c in causes if c.get("field")), doc.line)
    if isinstance(error, NotFound) and (details or {}).get("kind") == "namespaces":
        line = doc.line_of("metadata.namespace")  # the namespace to create first is named there
    message = f'error when {verb} "{doc.source}": document {doc.index} (line {line}): {error.message}'
    located = type(error).__new__(type(error))
    located.__dict__.update(error.__dict__)
    located.args, located.message = (message,), message
    if causes:
        located.details = {**details, "causes": causes}
        if hasattr(located, "causes"):
            located.causes = causes
    return located


# --- JSON merge patches -----------------------------------------------------------------------

def three_way_merge_patch(original, modified, current):
    """kubectl's patch for an apply: deletions of what `original` had and `modified` dropped,
    plus the additions and changes that take `current` to `modified`."""
    deletions = _keep_or_drop_nulls(_merge_patch_diff(original, modified), keep_nulls=True)
    changes = _keep_or_drop_nulls(_merge_patch_diff(current, modified), keep_nulls=False)
    return _merge_patches(deletions, changes)


def _merge_patch_diff(a, b):
    """The merge patch that turns `a` into `b` (evanphx/json-patch's CreateMergePatch)."""
    patch = {}
    for key, new in b.items():
        old = a.get(key, _ABSENT)
        if isinstance(old, dict) and isinstance(new, dict):
            if nested := _merge_patch_diff(old, new):
                patch[key] = nested
        elif not _same(old, new):
            patch[key] = new
    patch.update(dict.fromkeys(a.keys() - b.keys()))
    return patch


_ABSENT = object()


def _same(a, b):
    """JSON equality: true is not 1, but 1 is 1.0."""
    if _json_type(a) is not _json_type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b


def _json_type(value):
    if isinstance(value, bool):
        return bool
    return float if isinstance(value, (int, float)) else type(value)


def _keep_or_drop_nulls(patch, *, keep_nulls):
    """Only the deletions (keep_nulls) or only the rest, as jsonmergepatch's
    keepOrDeleteNullInObj: an explicitly empty map is a value, not an empty patch."""
    out = {}
    for key, value in patch.items():
        if value is None:
            if keep_nulls:
                out[key] = None
        elif isinstance(value, dict) and value:
            if nested := _keep_or_drop_nulls(value, keep_nulls=keep_nulls):
                out[key] = nested
        elif not keep_nulls:
            out[key] = value
    return out


def _merge_patches(base, patch):
    """Two patches as one (jsonpatch.MergePatch of patch onto base), keeping base's nulls."""
    out = dict(base)
    for key, value in patch.items():
        both_maps = isinstance(out.get(key), dict) and isinstance(value, dict)
        out[key] = _merge_patches(out[key], value) if both_maps else value
    return out
