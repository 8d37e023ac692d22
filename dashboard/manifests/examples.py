"""The editor's example manifests: one per kind the cluster serves, in dashboard/examples/ as
`<kind in lower case>.yaml`, grouped for the Examples menu as the Kubernetes docs group them."""
from functools import cache
from pathlib import Path

from cluster import kinds

DIRECTORY = Path(__file__).resolve().parent.parent / "examples"

GROUPS = (
    ("Workloads", ("Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
                   "CronJob", "HorizontalPodAutoscaler")),
    ("Networking", ("Service", "Endpoints", "EndpointSlice")),
    ("Configuration", ("ConfigMap", "Secret", "ServiceAccount")),
    ("Storage", ("PersistentVolumeClaim", "PersistentVolume", "StorageClass")),
    ("Cluster", ("Namespace", "Node", "Lease", "Event")),
)


def slug(kind_name):
    """`Deployment` → `deployment`: the example's file name and its URL segment."""
    return kind_name.lower()


def menu():
    """(group, [(slug, kind name)]) for the Examples select."""
    return [(group, [(slug(name), name) for name in names]) for group, names in GROUPS]


def kind_names():
    return [name for _, names in GROUPS for name in names]


SLUGS = frozenset(slug(k.kind) for k in kinds.KINDS)


def text(kind_slug):
    """The example for a kind, by its slug; None if there is none (or the slug is not a kind's)."""
    if kind_slug not in SLUGS:
        return None  # only names from the registry reach the file system (and the cache)
    return _read(kind_slug)


@cache
def _read(kind_slug):
    path = DIRECTORY / f"{kind_slug}.yaml"
    return path.read_text(encoding="utf-8") if path.is_file() else None
