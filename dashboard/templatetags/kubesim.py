"""Template helpers shared by every dashboard page: links to objects, names of kinds."""
from django import template
from django.urls import reverse

from cluster import kinds
from dashboard import podstate

register = template.Library()

# The namespace segment of an object URL for cluster-scoped kinds (a namespace name can't be "_").
CLUSTER_SCOPE = "_"


def object_path_args(obj):
    """(resource, namespace segment, name) of an API object dict, for the dashboard's URLs."""
    kind = kinds.for_object(obj)
    meta = obj["metadata"]
    return kind.plural, meta.get("namespace") or CLUSTER_SCOPE, meta["name"]


@register.simple_tag
def object_url(obj, view="dashboard:describe"):
    """`{% object_url pod %}`: the describe page of an API object (or another per-object view)."""
    return reverse(view, args=object_path_args(obj))


@register.simple_tag
def ref_url(kind_name, namespace, name, view="dashboard:describe"):
    """A link from a reference (an ownerReference, an event's involvedObject) by kind name."""
    kind = kinds.lookup(kind_name)
    return reverse(view, args=(kind.plural, namespace if kind.namespaced else CLUSTER_SCOPE, name))


# The base.css class of a state word: pod chip states, node statuses, event types, phases.
STATE_CLASSES = {
    "NotReady": "state-bad", "Unknown": "state-warn", "Normal": "state-idle",
    "Warning": "state-warn", "Active": "state-ok", "Bound": "state-ok", "Completed": "state-idle",
    "ErrImagePull": "state-bad",
    **podstate.CSS,  # Pending, ContainerCreating, Running, Ready, Terminating, Succeeded, ...
}


@register.filter
def state_class(state):
    """`{{ word|state_class }}`: the class that tints, shapes and labels a state (state-idle for
    a word it does not know)."""
    return STATE_CLASSES.get(state, "state-idle")
