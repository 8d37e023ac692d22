"""The cluster view (the home page) and the live event stream. Both render the state now and
the store revision it is at; the page's websocket (dashboard.consumers.cluster) keeps them live."""
import re

from django.http import Http404
from django.shortcuts import render

from dashboard import fragments

# A namespace name is a DNS-1123 label.
NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def namespace_filter(value):
    """The ?namespace= filter: "" for all namespaces; None when it cannot name a namespace."""
    value = (value or "").strip()
    return value if not value or NAMESPACE.fullmatch(value) else None


def _namespace(request):
    namespace = namespace_filter(request.GET.get("namespace"))
    if namespace is None:
        raise Http404("not a namespace name")
    return namespace


def home(request):
    context = fragments.page_context(fragments.CLUSTER, _namespace(request))
    return render(request, "dashboard/cluster/home.html", {**context, "nav": "cluster"})


def events(request):
    context = fragments.page_context(fragments.EVENTS, _namespace(request))
    return render(request, "dashboard/events/page.html", {**context, "nav": "events"})
