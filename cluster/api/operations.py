"""The simulation's own controls over HTTP, for what Kubernetes' API has no verb for: a node's
kubelet, the simulated clock, and resetting to the demo cluster. (Adding, removing, cordoning and
draining nodes go through the Kubernetes API itself: Node objects, spec.unschedulable, eviction.)

    GET  /kubesim/v1/clock                        {"speed", "paused", "now"}
    POST /kubesim/v1/clock          {"speed": 10} or {"paused": true} or {"step": 300}
    POST /kubesim/v1/nodes/NAME/kubelet   {"running": false}
    POST /kubesim/v1/reset

The dashboard's buttons and the terminal commands call the same workers.operations code.
"""
import json

from django.urls import path

from .. import clock, kinds, store, timestamps
from ..errors import BadRequest, MethodNotAllowed
from .responses import api_view, respond


def _body(request):
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as e:
        raise BadRequest(f"the request body is not JSON: {e}") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body


def _clock_state():
    current = clock.current()
    return {"speed": current.speed, "paused": current.paused,
            "now": timestamps.timestamp(current.now())}


def _allow(request, *methods):
    if request.method not in methods:
        raise MethodNotAllowed("the server does not allow this method on the requested resource")


@api_view
def clock_view(request):
    _allow(request, "GET", "POST")
    if request.method == "POST":
        body = _body(request)
        try:
            if "speed" in body:
                clock.set_speed(float(body["speed"]))
            if "paused" in body:
                clock.pause() if body["paused"] else clock.resume()
            if "step" in body:
                clock.step(float(body["step"]))
        except (TypeError, ValueError) as e:
            raise BadRequest(str(e)) from None
    return respond(request, _clock_state())


@api_view
def kubelet_view(request, name):
    from workers import operations

    _allow(request, "POST")
    running = _body(request).get("running")
    if not isinstance(running, bool):
        raise BadRequest('"running" must be true or false')
    store.get(kinds.lookup("nodes"), None, name)  # 404 for a node that does not exist
    (operations.start_kubelet if running else operations.stop_kubelet)(name)
    return respond(request, {"node": name, "running": running})


@api_view
def reset_view(request):
    from workers import operations

    _allow(request, "POST")
    operations.reset_demo()
    return respond(request, {"reset": "demo"})


urlpatterns = [
    path("kubesim/v1/clock", clock_view),
    path("kubesim/v1/nodes/<str:name>/kubelet", kubelet_view),
    path("kubesim/v1/reset", reset_view),
]
