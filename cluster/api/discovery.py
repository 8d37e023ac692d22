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
    "token": (("authentication.k8s.io", "v1", "TokenRequest"), ["create"]),
    "log": (None, ["get"]),
    "exec": (("", "", "PodExecOptions"), ["create", "get"]),
    "attach": (("", "", "PodAttachOptions"), ["create", "get"]),
    "portforward": (("", "", "PodPortForwardOptions"), ["create", "get"]),
    "finalize": (None, ["update"]),
}
# Resources with no object of their own: POST /api/v1/namespaces/NS/bindings binds the pod the
# Binding names (what client libraries' create_namespaced_binding calls), as pods/NAME/binding does.
CORE_ONLY = ({"name": "bindings", "singularName": "binding", "namespaced": True, "kind": "Binding",
              "verbs": ["create"]},)
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
    if version := aggregated_version(request):
        return aggregated(request, core=True, version=version)
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
            groups.setdefault(k.group, []).extend(k.versions)
    return groups


def _group(name, versions):
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in dict.fromkeys(versions)]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def api_groups(request):
    only_get(request)
    if version := aggregated_version(request):
        return aggregated(request, core=False, version=version)
    groups = {**_groups(), **{g: [v] for g, (v, _) in apart().items()}}
    return respond(request, {"kind": "APIGroupList", "apiVersion": "v1",
                             "groups": [_group(g, vs) for g, vs in groups.items()]})


def group_or_resources(request, info):
    """/apis/GROUP (an APIGroup), or /api/v1 and /apis/GROUP/VERSION (an APIResourceList)."""
    only_get(request)
    if not info.version:
        return respond(request, {"kind": "APIGroup", "apiVersion": "v1",
                                 **_group(info.group, _groups()[info.group])})
    group_version = f"{info.group}/{info.version}" if info.group else info.version
    served = [k for k in kinds.KINDS if k.group == info.group and info.version in k.versions]
    resources = [r for k in served for r in _resources(k)] + list(CORE_ONLY if not info.group else ())
    resources.sort(key=lambda r: r["name"])
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


# Aggregated discovery (apidiscovery.k8s.io v2 and v2beta1): what kubectl asks for first, one
# document for /api and one for /apis instead of a request per group version.
_AGGREGATED = ("apidiscovery.k8s.io", "APIGroupDiscoveryList")


def aggregated_version(request):
    """The apidiscovery version the Accept header asks for (v2 preferred), or None."""
    for part in request.headers.get("Accept", "").split(","):
        params = dict(p.strip().partition("=")[::2] for p in part.split(";")[1:])
        if (params.get("g"), params.get("as")) == _AGGREGATED and params.get("v") in ("v2",
                                                                                     "v2beta1"):
            return params["v"]
    return None


def aggregated(request, core, version):
    groups = {"": ["v1"]} if core else _groups()
    items = [{"metadata": {"name": g} if g else {},
              "versions": [_version_discovery(g, v) for v in dict.fromkeys(vs)]}
             for g, vs in groups.items()]
    if not core:
        items += [_apart_discovery(g, v, resources) for g, (v, resources) in apart().items()]
    body = {"kind": "APIGroupDiscoveryList", "apiVersion": f"apidiscovery.k8s.io/{version}",
            "metadata": {}, "items": items}
    response = respond(request, body)
    response["Content-Type"] = f"application/json;g=apidiscovery.k8s.io;v={version};" \
                               "as=APIGroupDiscoveryList"
    return response


def _version_discovery(group, version):
    served = sorted((k for k in kinds.KINDS if k.group == group and version in k.versions),
                    key=lambda k: k.plural)
    resources = [_resource_discovery(k, version) for k in served]
    if not group:
        resources += [_core_only_discovery(r) for r in CORE_ONLY]
        resources.sort(key=lambda r: r["resource"])
    return {"version": version, "resources": resources, "freshness": "Current"}


def _core_only_discovery(resource):
    return {"resource": resource["name"], "scope": "Namespaced",
            "responseKind": {"group": "", "version": "v1", "kind": resource["kind"]},
            "singularResource": resource["singularName"], "verbs": resource["verbs"]}


def _resource_discovery(kind, version):
    main, *subs = _resources(kind)
    entry = {"resource": kind.plural,
             "responseKind": {"group": kind.group, "version": version, "kind": kind.kind},
             "scope": "Namespaced" if kind.namespaced else "Cluster",
             "singularResource": kind.singular, "verbs": main["verbs"]}
    for key in ("shortNames", "categories"):
        if key in main:
            entry[key] = main[key]
    if subs:
        entry["subresources"] = [_subresource_discovery(kind, version, s) for s in subs]
    return entry


def _subresource_discovery(kind, kind_version, sub):
    group = sub.get("group", kind.group)
    version = sub.get("version", kind_version)
    return {"subresource": sub["name"].split("/", 1)[1],
            "responseKind": {"group": group, "version": version, "kind": sub["kind"]},
            "verbs": sub["verbs"]}


# --- groups served apart from the store's kinds -------------------------------------------------

def apart():
    """{group: (version, [(resource, kind, namespaced, singular, verbs)])} of the groups served
    by modules of their own: metrics.k8s.io and the review APIs."""
    from . import metrics, reviews  # both import this module
    return {metrics.GROUP: (metrics.VERSION, metrics.RESOURCES), **reviews.GROUPS}


def _apart_discovery(group, version, resources):
    entries = [{"resource": r, "responseKind": {"group": group, "version": version, "kind": k},
                "scope": "Namespaced" if ns else "Cluster", "singularResource": s,
                "verbs": verbs} for r, k, ns, s, verbs in resources]
    return {"metadata": {"name": group},
            "versions": [{"version": version, "resources": entries, "freshness": "Current"}]}


def apart_group(request, group):
    """/apis/GROUP of a group served apart: its APIGroup."""
    only_get(request)
    version = apart()[group][0]
    entry = {"groupVersion": f"{group}/{version}", "version": version}
    return respond(request, {"kind": "APIGroup", "apiVersion": "v1", "name": group,
                             "versions": [entry], "preferredVersion": entry})


def apart_resources(request, group):
    """/apis/GROUP/VERSION of a group served apart: its APIResourceList."""
    only_get(request)
    version, resources = apart()[group]
    return respond(request, {"kind": "APIResourceList", "apiVersion": "v1",
                             "groupVersion": f"{group}/{version}", "resources": [
                                 {"name": r, "singularName": s, "namespaced": ns, "kind": k,
                                  "verbs": verbs} for r, k, ns, s, verbs in resources]})


def apart_urlpatterns(group, version):
    """The discovery paths of a group served apart, for its module's urlpatterns."""
    from django.urls import re_path

    from .responses import api_view

    base = "^apis/" + group.replace(".", r"\.")
    return [re_path(base + "/?$", api_view(apart_group), {"group": group}),
            re_path(base + f"/{version}/?$", api_view(apart_resources), {"group": group})]
