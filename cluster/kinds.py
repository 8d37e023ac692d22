"""The registry of API kinds the cluster serves, as kube-apiserver's discovery names them."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    group: str  # "" is the core (legacy) group
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple = ()
    categories: tuple = ()
    # Subresources served besides the object itself ("status", "scale", ...).
    subresources: tuple = ()
    # Versions also served, converted to and from `version` (cluster.conversion).
    other_versions: tuple = ()

    @property
    def api_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def versions(self):
        """Every version served, the stored (and preferred) one first."""
        return (self.version, *self.other_versions)

    @property
    def api_versions(self):
        group = f"{self.group}/" if self.group else ""
        return tuple(group + v for v in self.versions)

    @property
    def has_status(self):
        return "status" in self.subresources

    def qualified(self):
        """`deployments.apps` / `pods`: the resource name kubectl and error messages use."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def qualified_kind(self):
        """`Deployment.apps` / `Pod`: the kind name in Invalid messages."""
        return f"{self.kind}.{self.group}" if self.group else self.kind


_ALL = ("all",)
_WORKLOAD_SUB = ("status", "scale")

KINDS = (
    Kind("", "v1", "Namespace", "namespaces", "namespace", False, ("ns",), subresources=("status", "finalize")),
    Kind("", "v1", "Node", "nodes", "node", False, ("no",), subresources=("status",)),
    Kind("", "v1", "Pod", "pods", "pod", True, ("po",), _ALL,
         subresources=("status", "binding", "log", "eviction", "exec", "attach", "portforward")),
    Kind("", "v1", "Service", "services", "service", True, ("svc",), _ALL, subresources=("status",)),
    Kind("", "v1", "Endpoints", "endpoints", "endpoints", True, ("ep",)),
    Kind("", "v1", "ConfigMap", "configmaps", "configmap", True, ("cm",)),
    Kind("", "v1", "Secret", "secrets", "secret", True),
    Kind("", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", True, ("sa",),
         subresources=("token",)),
    Kind("", "v1", "PersistentVolume", "persistentvolumes", "persistentvolume", False, ("pv",),
         subresources=("status",)),
    Kind("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", True,
         ("pvc",), subresources=("status",)),
    Kind("", "v1", "Event", "events", "event", True, ("ev",)),
    Kind("apps", "v1", "Deployment", "deployments", "deployment", True, ("deploy",), _ALL,
         subresources=_WORKLOAD_SUB),
    Kind("apps", "v1", "ReplicaSet", "replicasets", "replicaset", True, ("rs",), _ALL,
         subresources=_WORKLOAD_SUB),
    Kind("apps", "v1", "DaemonSet", "daemonsets", "daemonset", True, ("ds",), _ALL,
         subresources=("status",)),
    Kind("apps", "v1", "StatefulSet", "statefulsets", "statefulset", True, ("sts",), _ALL,
         subresources=_WORKLOAD_SUB),
    Kind("batch", "v1", "Job", "jobs", "job", True, (), _ALL, subresources=("status",)),
    Kind("batch", "v1", "CronJob", "cronjobs", "cronjob", True, ("cj",), _ALL,
         subresources=("status",)),
    Kind("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers",
         "horizontalpodautoscaler", True, ("hpa",), _ALL, subresources=("status",),
         other_versions=("v1",)),
    Kind("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", "endpointslice", True),
    Kind("storage.k8s.io", "v1", "StorageClass", "storageclasses", "storageclass", False, ("sc",)),
    Kind("coordination.k8s.io", "v1", "Lease", "leases", "lease", True),
)

BY_KIND = {(k.group, k.kind): k for k in KINDS}
BY_RESOURCE = {(k.group, k.plural): k for k in KINDS}
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class UnknownKind(LookupError):
    pass


def split_api_version(api_version):
    group, _, version = (api_version or "").rpartition("/")
    return group, version


def for_object(obj):
    """The Kind of a manifest, from its apiVersion and kind; UnknownKind if the cluster lacks it."""
    api_version, kind_name = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind_name, str):
        raise UnknownKind("Object 'Kind' is missing or not a string")
    group, version = split_api_version(api_version)
    kind = BY_KIND.get((group, kind_name))
    if kind is None or version not in kind.versions:
        raise UnknownKind(f'no matches for kind "{obj.get("kind")}" in version "{obj.get("apiVersion")}"')
    return kind


def for_resource(group, version, plural):
    kind = BY_RESOURCE.get((group, plural))
    if kind is None or version not in kind.versions:
        raise UnknownKind(f"the server could not find the requested resource ({plural})")
    return kind


def lookup(name):
    """Resolve what a person types (`pods`, `po`, `Pod`, `deployments.apps`) to a Kind."""
    name = name.lower()
    base, _, group = name.partition(".")
    for k in KINDS:
        names = {k.plural, k.singular, k.kind.lower(), *k.short_names}
        if base in names and (not group or group == k.group):
            return k
    raise UnknownKind(f'the server doesn\'t have a resource type "{name}"')
