"""What an API path names, worked out as kube-apiserver's RequestInfoFactory does.

    /api/v1/namespaces/NS/pods/NAME/status   core group: kind, namespace, name, subresource
    /apis/apps/v1/deployments                a namespaced kind across every namespace
    /api/v1/nodes/NAME                       a cluster-scoped kind
    /api/v1/namespaces/NAME/finalize         the namespace itself (status and finalize only)
    /api/v1/watch/namespaces/NS/pods         the legacy watch prefix
    /api/v1/namespaces/NS/bindings           a pod's binding subresource, the pod named in the body
"""
from dataclasses import dataclass

from .. import kinds
from ..errors import NotFound

# Subresources of a namespace, which /namespaces/NAME/SEGMENT means rather than a kind in it.
NAMESPACE_SUBRESOURCES = ("status", "finalize")
GROUP_VERSIONS = {(k.group, v) for k in kinds.KINDS for v in k.versions}


@dataclass(frozen=True)
class RequestInfo:
    group: str
    version: str
    kind: kinds.Kind | None = None  # None: the group version itself (discovery)
    namespace: str | None = None  # None: a cluster-scoped kind, or every namespace
    name: str = ""
    subresource: str = ""
    watch_prefix: bool = False

    @property
    def api_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def all_namespaces(self):
        return self.kind.namespaced and self.namespace is None


def not_found():
    # As go-restful reports an unregistered path: no details, but an empty object for them.
    return NotFound("the server could not find the requested resource", details={})


def parse(prefix, path):
    parts = [p for p in path.strip("/").split("/") if p]
    group = "" if prefix == "api" else parts.pop(0)
    if not parts:
        if prefix == "apis" and any(g == group for g, _ in GROUP_VERSIONS):
            return RequestInfo(group, "")
        raise not_found()
    version = parts.pop(0)
    if (group, version) not in GROUP_VERSIONS:
        raise not_found()
    if not parts:
        return RequestInfo(group, version)
    return _resource(group, version, parts)


def _resource(group, version, parts):
    watch_prefix = parts[0] == "watch"
    if watch_prefix:
        parts = parts[1:]
    namespace = None
    if len(parts) > 2 and parts[0] == "namespaces" and parts[2] not in NAMESPACE_SUBRESOURCES:
        namespace, parts = parts[1], parts[2:]
    if not parts or len(parts) > 3:
        raise not_found()
    if (group, parts) == ("", ["bindings"]) and namespace and not watch_prefix:
        return RequestInfo(group, version, kinds.lookup("pods"), namespace, "", "binding")
    try:
        kind = kinds.for_resource(group, version, parts[0])
    except kinds.UnknownKind:
        raise not_found() from None
    name = parts[1] if len(parts) > 1 else ""
    subresource = parts[2] if len(parts) > 2 else ""
    if namespace is not None and not kind.namespaced:
        raise not_found()  # a cluster-scoped kind inside a namespace
    if namespace is None and kind.namespaced and name:
        raise not_found()  # a namespaced object is named only within its namespace
    if subresource and subresource not in kind.subresources:
        raise not_found()
    return RequestInfo(group, version, kind, namespace, name, subresource, watch_prefix)
