"""What the server serves: /version, the health endpoints, and the legacy (unaggregated) discovery
documents kubectl and client libraries read to map kinds to resources."""
import base64
import hashlib
import platform
import sys

from django.conf import settings
from django.http import HttpResponse

from .. import kinds, store
from ..errors import MethodNotAllowed
from .responses import respond

VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
# Subresources: (kind, verbs), with the group and version of a kind from another group.
SUBRESOURCES = {
    "status": (None, ["get", "patch", "update"]),
    "scale": (("autoscaling", "v1", "Scale"), ["get", "patch", "update"]),
    "binding": (("", "", "Binding"), ["create"]),
    "eviction": (("policy", "v1", "Eviction"), ["create"]),
    "log": (None, ["get"]),
    "exec": (("", "", "PodExecOptions"), ["create", "get"]),
    "attach": (("", "", "PodAttachOptions"), ["create", "get"]),
    "portforward": (("", "", "PodPortForwardOptions"), ["create", "get"]),
    "finalize": (None, ["update"]),
}
_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}
TEXT = "text/plain; charset=utf-8"


def only_get(request):
    if request.method != "GET":
        raise MethodNotAllowed("the server does not allow this method on the requested resource",
                               details={})


def version(request):
    only_get(request)
    major, minor, _ = settings.KUBESIM_KUBERNETES_VERSION.split(".")
    return respond(request, {
        "major": major, "minor": minor,
        "emulationMajor": major, "emulationMinor": minor,
        "minCompatibilityMajor": major, "minCompatibilityMinor": str(int(minor) - 1),
        "gitVersion": f"v{settings.KUBESIM_KUBERNETES_VERSION}+kubesim",
        "gitCommit": "", "gitTreeState": "", "buildDate": "",
        # Not a Go build: the runtime that serves the API, under version.Info's field names.
        "goVersion": f"python{platform.python_version()}", "compiler": sys.implementation.name,
        "platform": f"{sys.platform}/{_ARCH.get(platform.machine(), platform.machine())}",
    })


def _etcd():
    store.current_revision()  # the database answers: what etcd's check asks of etcd


HEALTH_CHECKS = {"ping": lambda: None, "log": lambda: None, "etcd": _etcd}


def health(request, endpoint, check=None):
    """/healthz, /livez, /readyz (and /<endpoint>/<check>): "ok", or each check with ?verbose."""
    only_get(request)
    if check is not None and check not in HEALTH_CHECKS:
        return HttpResponse("404 page not found\n", status=404, content_type=TEXT)
    lines, failed = [], False
    for name, probe in HEALTH_CHECKS.items():
        if check not in (None, name):
            continue
        try:
            probe()
            lines.append(f"[+]{name} ok")
        except Exception:  # noqa: BLE001 (a failing check is the answer, not an error)
            lines.append(f"[-]{name} failed: reason withheld")
            failed = True
    verdict = f"{endpoint} check {'failed' if failed else 'passed'}"
    if "verbose" in request.GET or failed:
        body = "\n".join([*lines, verdict]) + "\n"
    else:
        body = "ok"
    return HttpResponse(body, status=500 if failed else 200, content_type=TEXT)


def api_versions(request):
    only_get(request)
    meta = request.META
    host = meta.get("HTTP_HOST") or f"{meta.get('SERVER_NAME')}:{meta.get('SERVER_PORT')}"
    return respond(request, {
        "kind": "APIVersions", "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
    })


def _groups():
    groups = {}
    for k in kinds.KINDS:
        if k.group:
            groups.setdefault(k.group, []).append(k.version)
    return groups


def _group(name, versions):
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in dict.fromkeys(versions)]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def api_groups(request):
    only_get(request)
    return respond(request, {"kind": "APIGroupList", "apiVersion": "v1",
                             "groups": [_group(g, vs) for g, vs in _groups().items()]})


def group_or_resources(request, info):
    """/apis/GROUP (an APIGroup), or /api/v1 and /apis/GROUP/VERSION (an APIResourceList)."""
    only_get(request)
    if not info.version:
        return respond(request, {"kind": "APIGroup", "apiVersion": "v1",
                                 **_group(info.group, _groups()[info.group])})
    group_version = f"{info.group}/{info.version}" if info.group else info.version
    served = [k for k in kinds.KINDS if (k.group, k.version) == (info.group, info.version)]
    resources = sorted((r for k in served for r in _resources(k)), key=lambda r: r["name"])
    body = {"kind": "APIResourceList", "groupVersion": group_version, "resources": resources}
    if info.group:  # the core group's list has no apiVersion, as upstream's
        body = {"kind": "APIResourceList", "apiVersion": "v1", **body}
    return respond(request, body)


def _resources(kind):
    verbs = [v for v in VERBS if not (kind.kind == "Namespace" and v == "deletecollection")]
    main = {"name": kind.plural, "singularName": kind.singular, "namespaced": kind.namespaced,
            "kind": kind.kind, "verbs": verbs}
    if kind.short_names:
        main["shortNames"] = list(kind.short_names)
    if kind.categories:
        main["categories"] = list(kind.categories)
    main["storageVersionHash"] = _storage_version_hash(kind)
    yield main
    for sub in kind.subresources:
        other, sub_verbs = SUBRESOURCES[sub]
        entry = {"name": f"{kind.plural}/{sub}", "singularName": "", "namespaced": kind.namespaced}
        if other and other[0]:
            entry |= {"group": other[0], "version": other[1]}
        yield entry | {"kind": other[2] if other else kind.kind, "verbs": sub_verbs}


def _storage_version_hash(kind):
    """discovery.StorageVersionHash: the first 8 bytes of sha256("group/version/Kind"), base64."""
    digest = hashlib.sha256(f"{kind.group}/{kind.version}/{kind.kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()
