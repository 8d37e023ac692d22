"""Revisions of a workload's pod template (pkg/controller/history/controller_history.go), without
the ControllerRevision objects: this cluster does not serve that kind, so no history is kept, and a
revision is only its name, the hash of the template as upstream computes it when it snapshots one.

The DaemonSet controller hashes the template itself (controller.ComputeHash(&ds.Spec.Template,
collisionCount)) and labels its pods with the bare hash; the StatefulSet controller hashes the
revision's data, the patch that would restore the template, and labels its pods with the
revision's name, `<set>-<hash>`. The hashes have upstream's shape (FNV-32a, safe-encoded) but not
its values: upstream hashes Go structs, this the canonical JSON.
"""
from .deploymentutil import compute_hash

CONTROLLER_REVISION_HASH = "controller-revision-hash"  # apps.ControllerRevisionHashLabelKey
_MAX_PREFIX = 223  # ControllerRevisionName keeps a name within 253 characters


def template_hash(template, collision_count=None):
    """ComputeHash of a pod template (the DaemonSet's revision hash)."""
    return compute_hash(template, collision_count)


def patch_of(template):
    """getPatch: what a revision stores, a strategic merge patch replacing spec.template."""
    return {"spec": {"template": {**template, "$patch": "replace"}}}


def revision_name(parent_name, template, collision_count=None):
    """ControllerRevisionName(parent, HashControllerRevision(revision, collisionCount))."""
    return f"{parent_name[:_MAX_PREFIX]}-{compute_hash(patch_of(template), collision_count)}"
