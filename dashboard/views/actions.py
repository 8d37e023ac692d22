"""The dashboard's buttons: scale, delete, rollout restart and undo, node operations, the
simulation clock and the demo reset.

Each is a POST (CSRF-checked) that does what its kubectl or `manage.py` twin does and answers with
its words. An htmx request gets them back as an out-of-band flash message (the live cluster view
shows the change itself); a plain form post is sent back to the page it came from, or, when the
action failed, shown a page with the error. Errors from the store, kubectl's own refusals and bad
form values all become messages, never a server error.
"""
from dataclasses import dataclass
from functools import wraps

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cluster import clock as cluster_clock
from cluster import kinds, rollout, store
from cluster.errors import StatusError
from cluster.management import kubectl
from cluster.quantity import parse_quantity
from cluster.timestamps import timestamp
from workers import operations

BY_PLURAL = {k.plural: k for k in kinds.KINDS}
CLUSTER_SCOPE = "_"  # the namespace segment of a cluster-scoped object's URL
MAX_INT32 = 2**31 - 1
SPEEDS = (0.5, 1, 2, 5, 10, 30, 60)  # the clock's speed select
MAX_STEP_SECONDS = 24 * 3600


@dataclass
class Outcome:
    """What an action reports: message lines, whether it worked, and for the clock its state
    (its fragment is swapped in too)."""
    lines: list
    ok: bool = True
    status: int = 200  # for a plain form post that failed
    clock: cluster_clock.Clock | None = None


class HttpResponseSeeOther(HttpResponseRedirect):
    """303: after a POST, GET the page (what browsers do on 302 anyway, said plainly)."""
    status_code = 303


class Refused(Exception):
    """A form value the action cannot take: shown as kubectl shows its own errors."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def action(view):
    """POST only; turns the view's lines, or its failure, into the response."""
    @require_POST
    @wraps(view)
    def run(request, *args, **kwargs):
        try:
            outcome = view(request, *args, **kwargs)
        except StatusError as e:
            outcome = Outcome([kubectl.error_text(e)], ok=False, status=e.code)
        except (Refused, rollout.RolloutError) as e:
            outcome = Outcome([f"error: {e.message}"], ok=False, status=400)
        if not isinstance(outcome, Outcome):
            outcome = Outcome(outcome)
        return _respond(request, outcome)
    return run


def _respond(request, outcome):
    context = {"lines": outcome.lines, "level": "success" if outcome.ok else "error"}
    if request.htmx:  # 200 even for errors: htmx swaps nothing from an error response
        return render(request, "dashboard/actions/flash.html", {**context, "clock": outcome.clock})
    back = _back(request)
    if outcome.ok:
        return HttpResponseSeeOther(back)
    return render(request, "dashboard/actions/result.html", {**context, "back": back},
                  status=outcome.status)


def _back(request):
    """The page the form was on, if it is one of ours; else the cluster view."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return referer
    return reverse("dashboard:home")


# --- reading the URL and the form -------------------------------------------------------------

def _kind(resource):
    kind = BY_PLURAL.get(resource)
    if kind is None:
        raise Http404(f'the server doesn\'t have a resource type "{resource}"')
    return kind


def _namespace(kind, namespace):
    if kind.namespaced == (namespace == CLUSTER_SCOPE):
        raise Http404("no such object")
    return namespace if kind.namespaced else None


def _whole_number(request, name, default=None, *, minimum=0):
    text = request.POST.get(name, default)
    text = "" if text is None else text.strip()
    if not (text.isascii() and text.isdigit()) or not minimum <= int(text) <= MAX_INT32:
        raise Refused(f'{name} must be a whole number, {minimum} or more (got "{text}")')
    return int(text)


# --- workloads --------------------------------------------------------------------------------

@action
def scale(request, resource, namespace, name):
    """kubectl scale: spec.replicas, as the scale subresource sets it."""
    kind = _kind(resource)
    if "scale" not in kind.subresources:
        raise Http404(f"{kind.plural} cannot be scaled")
    namespace = _namespace(kind, namespace)
    replicas = _whole_number(request, "replicas")
    store.guaranteed_update(kind, namespace, name,
                            lambda obj: obj["spec"].__setitem__("replicas", replicas))
    return [f"{kubectl.resource(kind)}/{name} scaled"]


@action
def delete(request, resource, namespace, name):
    """kubectl delete: the dependents go in the background, as kubectl's default cascade."""
    kind = _kind(resource)
    store.delete(kind, _namespace(kind, namespace), name, propagation_policy="Background")
    return [f'{kubectl.resource(kind)} "{name}" deleted']


@action
def restart(request, namespace, name):
    """kubectl rollout restart deployment."""
    rollout.restart(namespace, name)
    return [f"deployment.apps/{name} restarted"]


@action
def undo(request, namespace, name):
    """kubectl rollout undo deployment [--to-revision]: `revision` 0 is the previous one."""
    result = rollout.undo(namespace, name, _whole_number(request, "revision", "0"))
    return [f"deployment.apps/{name} {result}"]


# --- nodes ------------------------------------------------------------------------------------

@action
def add_node(request):
    """`manage.py node add`: a node whose kubelet registers it, with the capacity asked for."""
    name = request.POST.get("name", "").strip()
    cpu, memory = _quantity(request, "cpu", "4"), _quantity(request, "memory", "8Gi")
    pods = _whole_number(request, "pods", "110", minimum=1)
    operations.add_node(name, cpu=cpu, memory=memory, pods=str(pods))
    return [f"node/{name} created"]


def _quantity(request, name, default):
    text = request.POST.get(name, "").strip() or default
    try:
        quantity = parse_quantity(text)
    except ValueError as e:
        raise Refused(f'{name} "{text}": {e}') from None
    if quantity.value <= 0:
        raise Refused(f'{name} must be more than 0 (got "{text}")')
    return str(quantity)


@action
def node(request, name, operation):
    operations_by_name = {"cordon": _cordon, "uncordon": _uncordon, "drain": _drain,
                          "stop": _stop, "start": _start, "remove": _remove}
    if operation not in operations_by_name:
        raise Http404(f"no node operation {operation!r}")
    return operations_by_name[operation](name)


def _cordon(name):
    return [f"node/{name} {'cordoned' if operations.cordon(name) else 'already cordoned'}"]


def _uncordon(name):
    return [f"node/{name} {'uncordoned' if operations.uncordon(name) else 'already uncordoned'}"]


def _drain(name):
    """kubectl drain --ignore-daemonsets --delete-emptydir-data, without waiting: the cluster
    view shows the evicted pods go."""
    lines = _cordon(name)
    try:
        drained = operations.evict_pods(name, ignore_daemonsets=True, delete_emptydir_data=True)
    except operations.DrainError as e:
        unable = f'error: unable to drain node "{name}" due to error: {e}, continuing command...'
        return Outcome([*lines, unable, "There are pending nodes to be drained:", f" {name}",
                        *e.errors], ok=False, status=400)
    if drained.warnings:
        lines.append(f"Warning: {drained.warnings}")
    lines += [f"evicting pod {p['metadata']['namespace']}/{p['metadata']['name']}"
              for p in drained.pods]
    if not drained.pods:
        lines.append(f"node/{name} drained")
    return lines


def _stop(name):
    stopped = operations.stop_kubelet(name)
    return [f"kubelet on node/{name} {'stopped' if stopped else 'already stopped'}"]


def _start(name):
    started = operations.start_kubelet(name)
    return [f"kubelet on node/{name} {'started' if started else 'already running'}"]


def _remove(name):
    operations.remove_node(name)
    return [f"node/{name} deleted"]


# --- the simulation clock and the demo --------------------------------------------------------

@action
def clock(request):
    """Pause, resume, step or set the speed of the simulated clock (`manage.py clock`)."""
    change = {"pause": _pause, "resume": _resume, "step": _step, "speed": _speed}.get(
        request.POST.get("action"))
    if change is None:
        raise Refused("action must be one of pause, resume, step, speed")
    line, state = change(request)
    return Outcome([line], clock=state)


def _pause(request):
    state = cluster_clock.pause()
    return f"clock paused at {timestamp(state.now())}", state


def _resume(request):
    state = cluster_clock.resume()
    return f"clock running from {timestamp(state.now())} at {state.speed:g}×", state


def _step(request):
    text = request.POST.get("seconds", "").strip()
    try:
        seconds = kubectl.parse_duration(text)
    except StatusError as e:
        raise Refused(e.message) from None
    if not 0 < seconds <= MAX_STEP_SECONDS:
        raise Refused(f'the clock steps forward by more than 0s and at most 24h (got "{text}")')
    state = cluster_clock.step(seconds)
    return (f"clock stepped {kubectl.format_duration(seconds)} forward to "
            f"{timestamp(state.now())}"), state


def _speed(request):
    text = request.POST.get("speed", "").strip()
    try:
        speed = float(text)
    except ValueError:
        speed = None
    if speed not in SPEEDS:
        raise Refused(f"speed must be one of {', '.join(f'{s:g}' for s in SPEEDS)} "
                      f'(got "{text}")')
    state = cluster_clock.set_speed(speed)
    return f"clock speed set to {state.speed:g}×", state


@action
def reset(request):
    """`manage.py reset_demo`: back to the demo cluster."""
    deleted, results = operations.reset_demo()
    return [f"{deleted} objects deleted", *(
        f"{kubectl.resource(kind)}/{obj['metadata']['name']} {what}" for kind, obj, what in results)]
