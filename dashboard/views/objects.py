"""The troubleshooting pages: the objects of a kind as `kubectl get` lists them, one object as
`kubectl describe` shows it (refreshed in place while open), a pod's log followed live, the
scheduler's verdict on a pod, and a Deployment's rollout history with undo.

Objects are addressed `<resource>/<namespace>/<name>`, `_` standing for the namespace of
cluster-scoped kinds. What the pages show is worked out in dashboard.listing,
dashboard.describe, dashboard.podlogs and dashboard.verdicts.
"""
from urllib.parse import quote, urlencode

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from cluster import clock, kinds, printers, rollout, store
from cluster.errors import NotFound
from dashboard import describe as describer
from dashboard import listing, podlogs, podstate, verdicts
from dashboard.views.cluster import namespace_filter
from workers.models import Kubelet

CLUSTER_SCOPE = "_"
POD, DEPLOYMENT = kinds.lookup("pods"), kinds.lookup("deployments.apps")


def object_list(request, resource):
    kind = listing.kind_for(resource)
    if kind is None:
        return _to_plural(request, resource)
    namespace = namespace_filter(request.GET.get("namespace"))
    if namespace is None:
        raise Http404("not a namespace name")
    table = listing.listing(kind, namespace, clock.now(), wide=request.GET.get("wide") == "1")
    return render(request, "dashboard/objects/list.html", {
        "listing": table, "index": listing.kind_index(), "nav": kind.plural,
        "wide_query": _query(namespace=namespace, wide="" if table.wide else "1")})


def _to_plural(request, resource):
    """`/objects/po/` and `/objects/Pod/` go to `/objects/pods/`, as kubectl reads them."""
    try:
        kind = kinds.lookup(resource)
    except kinds.UnknownKind:
        raise Http404(f'the server doesn\'t have a resource type "{resource}"') from None
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse("dashboard:list", args=(kind.plural,)) + (f"?{query}" if query else ""))


def _query(**params):
    kept = {k: v for k, v in params.items() if v}
    return f"?{urlencode(kept)}" if kept else "?"


def _kind(resource):
    kind = listing.kind_for(resource)
    if kind is None:
        raise Http404(f'the server doesn\'t have a resource type "{resource}"')
    return kind


def _get(kind, namespace, name):
    """The object, or None when there is none (a cluster-scoped one must be asked for as `_`)."""
    if not kind.namespaced and namespace != CLUSTER_SCOPE:
        return None
    try:
        return store.get(kind, namespace, name)
    except NotFound:
        return None


def _get_or_404(kind, namespace, name):
    obj = _get(kind, namespace, name)
    if obj is None:
        raise Http404(f'{kind.qualified()} "{name}" not found')
    return obj


def describe(request, resource, namespace, name):
    """The describe page; to htmx's refresh, the live part alone (or word that the object is
    gone, which ends the refreshing)."""
    kind = _kind(resource)
    obj = _get(kind, namespace, name)
    if obj is None:
        if request.htmx:
            return render(request, "dashboard/objects/gone.html", {"kind": kind, "name": name})
        raise Http404(f'{kind.qualified()} "{name}" not found')
    now = clock.now()
    context = {"obj": obj, "kind": kind, "fields": describer.describe(obj, now),
               "badges": _badges(obj), "nav": kind.plural}
    if kind.kind == "Node":
        context["kubelet_running"] = Kubelet.objects.filter(
            node_name=name, running=True).exists()
    if request.htmx:
        return render(request, "dashboard/objects/describe_live.html", context)
    return render(request, "dashboard/objects/describe.html", context)


def _badges(obj):
    """The state words beside the page's title: a pod's STATUS, a node's."""
    if obj["kind"] == "Pod":
        status = printers.pod_status(obj)
        return [(status, podstate.CSS[podstate.state_of(obj, status)])]
    if obj["kind"] == "Node":
        return [(word, "") for word in printers.node_status(obj).split(",")]
    return []


def logs(request, namespace, name):
    pod = _get_or_404(POD, namespace, name)
    names = podlogs.containers(pod)
    container = request.GET.get("container") or podlogs.default_container(pod)
    if container not in names:
        raise Http404(f"container {container} is not valid for pod {name}")
    previous = request.GET.get("previous") == "1"
    log = podlogs.page(pod, container, previous)
    # The stream resumes after the page's last line (logs.js moves `after` on as lines
    # arrive); a stopped container, or a previous run, has nothing more to say.
    ws_url = "" if previous or log.state == podlogs.STOPPED else (
        f"/ws/logs/{quote(namespace)}/{quote(name)}?{urlencode({'container': container})}")
    return render(request, "dashboard/objects/logs.html", {
        "pod": pod, "containers": names, "container": container, "previous": previous,
        "log": log, "ws_url": ws_url, "nav": "pods"})


def scheduling(request, namespace, name):
    pod = _get_or_404(POD, namespace, name)
    verdict = verdicts.for_pod(pod, clock.current().seconds())
    return render(request, "dashboard/objects/scheduling.html",
                  {"pod": pod, "verdict": verdict, "nav": "pods"})


def history(request, namespace, name):
    deployment = _get_or_404(DEPLOYMENT, namespace, name)
    replica_sets = {rs["metadata"]["name"]: rs for rs in rollout.replica_sets(deployment)}
    entries = [{**entry, "rs": replica_sets.get(entry["replicaset"])}
               for entry in rollout.history(namespace, name)]
    return render(request, "dashboard/objects/history.html",
                  {"deployment": deployment, "entries": entries, "nav": "deployments"})
