"""Subresources with their own types: scale (autoscaling/v1 Scale), binding (v1 Binding),
eviction (policy/v1 Eviction) and a service account's token (authentication.k8s.io/v1
TokenRequest). status and finalize are the object itself, served by handlers."""
import time

from .. import kinds, selectors, store, timestamps
from .. import patch as patches
from ..binding import bind as assign_pod
from ..binding import update_pod_condition as set_pod_condition
from ..errors import BadRequest, Invalid, StatusError
from ..validation.field import invalid
from . import auth, bodies, fieldvalidation, options
from .handlers import rewrite
from .requestinfo import RequestInfo
from .responses import respond, success

SCALE = kinds.Kind("autoscaling", "v1", "Scale", "scale", "scale", True)
POD = kinds.lookup("pods")
EVICTION_VERSIONS = ("policy/v1", "policy/v1beta1")
TOKEN_REQUEST = kinds.Kind("authentication.k8s.io", "v1", "TokenRequest", "tokenrequests",
                           "tokenrequest", True)
SERVICE_ACCOUNT = kinds.lookup("serviceaccounts")
DEFAULT_EXPIRATION_SECONDS = 3600  # SetDefaults_TokenRequestSpec
MIN_EXPIRATION_SECONDS, MAX_EXPIRATION_SECONDS = 600, 1 << 32


# --- scale ------------------------------------------------------------------------------------

def scale_of(obj):
    """The Scale of a workload, as its registry's scaleFrom<Kind> builds it."""
    meta, spec = obj["metadata"], obj.get("spec") or {}
    scale = {
        "kind": "Scale", "apiVersion": SCALE.api_version,
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                          "creationTimestamp") if k in meta},
        "spec": {},
        "status": {"replicas": (obj.get("status") or {}).get("replicas", 0)},
    }
    if spec.get("replicas"):  # omitempty, as upstream's ScaleSpec
        scale["spec"]["replicas"] = spec["replicas"]
    selector = selectors.format_label_selector(spec.get("selector") or {})
    if selector:
        scale["status"]["selector"] = selector
    return scale


def get_scale(request, info):
    return respond(request, scale_of(store.get(info.kind, info.namespace, info.name)))


def update_scale(request, info):
    data = bodies.read(request)
    dry_run = options.dry_run(request, options.UPDATE_OPTIONS)
    scale = fieldvalidation.body_object(request, SCALE, data)
    bodies.ensure_name(bodies.ensure_namespace(scale, info.namespace), info.name)
    return respond(request, _write_scale(info, lambda _: scale, dry_run,
                                         options.field_manager(request)))


def patch_scale(request, info):
    parse = patches.parser(bodies.media_type(request))
    data = bodies.read(request)
    dry_run = options.dry_run(request, options.PATCH_OPTIONS, bodies.media_type(request))
    change = parse(data)
    checked = fieldvalidation.PatchCheck(request, bodies.media_type(request), data)

    def patched(scale):
        scale = bodies.typed(change.apply(scale), SCALE.kind, (SCALE.api_version,))
        scale = checked(SCALE, scale, change)
        return bodies.ensure_name(bodies.ensure_namespace(scale, info.namespace), info.name)

    return respond(request, _write_scale(info, patched, dry_run, options.field_manager(request)))


def _write_scale(info, change, dry_run, manager=None):
    """Set spec.replicas from the changed Scale; a resourceVersion in it is a precondition."""

    def scaled(obj):
        scale = change(scale_of(obj))
        replicas = _replicas(scale)
        obj["spec"]["replicas"] = replicas
        obj["metadata"]["resourceVersion"] = (scale["metadata"].get("resourceVersion")
                                              or obj["metadata"]["resourceVersion"])
        return obj

    return scale_of(rewrite(info, scaled, dry_run=dry_run, manager=manager, recorded_as="scale"))


def _replicas(scale):
    replicas = (scale.get("spec") or {}).get("replicas", 0)
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise BadRequest('Scale in version "v1" cannot be handled as a Scale: json: cannot '
                         f"unmarshal {patches.json_type(replicas)} into Go struct field "
                         "ScaleSpec.spec.replicas of type int32")
    if replicas < 0:
        raise Invalid(SCALE, scale["metadata"]["name"], [{
            "reason": "FieldValueInvalid", "field": "spec.replicas",
            "message": f"Invalid value: {replicas}: must be greater than or equal to 0"}])
    return replicas


# --- binding ----------------------------------------------------------------------------------

class _Unknown(StatusError):
    """An error upstream returns without a Status (a plain Go error): 500, no reason."""
    code, reason = 500, ""


def bind(request, info):
    """Assign the pod to a node, once: the scheduler's write (BindingREST)."""
    data = bodies.read(request)
    dry_run = options.dry_run(request, options.CREATE_OPTIONS)
    binding = bodies.ensure_namespace(
        bodies.typed(bodies.decode(request, data, "Binding"), "Binding", ("v1",)), info.namespace)
    meta, target = binding["metadata"], binding.get("target") or {}
    # POSTed to the bindings collection (info.name empty), the Binding's own name is the pod's.
    name = info.name or meta.get("name") or ""
    if meta.get("name") != name:
        raise BadRequest("name in URL does not match name in Binding object")
    _check_target(target)
    assign_pod(info.namespace, name, target["name"], uid=meta.get("uid"),
               resource_version=meta.get("resourceVersion"), annotations=meta.get("annotations"),
               dry_run=dry_run)
    return respond(request, success(code=201), 201)


def _check_target(target):
    """ValidatePodBinding; upstream returns its errors as a plain error, hence a 500."""
    errors = []
    if target.get("kind") not in (None, "", "Node"):
        errors.append(f'target.kind: Unsupported value: "{target["kind"]}": supported values: '
                      '"Node", "<empty>"')
    if not target.get("name"):
        errors.append("target.name: Required value")
    if errors:
        raise _Unknown(errors[0] if len(errors) == 1 else f"[{', '.join(errors)}]")


# --- eviction ---------------------------------------------------------------------------------

def evict(request, info):
    """Delete the pod gracefully, as the Eviction API does when no disruption budget objects."""
    data = bodies.read(request)
    query_dry_run = options.dry_run(request, options.CREATE_OPTIONS)
    eviction = bodies.ensure_namespace(
        bodies.typed(bodies.decode(request, data, "Eviction"), "Eviction", EVICTION_VERSIONS),
        info.namespace)
    if eviction["metadata"].get("name") != info.name:
        raise BadRequest("name in URL does not match name in Eviction object")
    delete = options.from_body(eviction.get("deleteOptions") or {}).store_arguments()
    delete["dry_run"] = delete["dry_run"] or query_dry_run
    evict_pod(info.namespace, info.name, delete)
    return respond(request, success(code=201), 201)


def evict_pod(namespace, name, delete):
    """What an admitted eviction does: mark the pod a disruption target, then delete it with the
    eviction's DeleteOptions (store.delete's arguments). `drain` evicts through here too."""
    info = RequestInfo("", "v1", POD, namespace, name, "eviction")
    if not delete["dry_run"]:
        evicting = rewrite(info, _disruption_target(info, delete["preconditions"] or {}),
                           subresource="status")
        if (delete["preconditions"] or {}).get("resourceVersion"):
            # Our own write moved the pod on: the precondition now names that version.
            delete["preconditions"] = {**delete["preconditions"],
                                       "resourceVersion": evicting["metadata"]["resourceVersion"]}
    store.delete(POD, namespace, name, **delete)


def _disruption_target(info, preconditions):
    def mark(pod):
        store.check_preconditions(info.kind, pod, preconditions)
        set_pod_condition(pod, "DisruptionTarget", "EvictionByEvictionAPI",
                          "Eviction API: evicting")
        return pod
    return mark


# --- exec, attach, portforward ----------------------------------------------------------------

def no_processes(request, info):
    """A simulated pod runs nothing: answer at once (plain HTTP, no SPDY/websocket upgrade) so that
    kubectl prints the message and exits non-zero instead of waiting on a stream."""
    raise no_processes_error(info.namespace, info.name, info.subresource,
                             request.GET.get("container"))


def no_processes_error(namespace, name, subresource, container=None):
    """The BadRequest for an exec, attach or portforward (NotFound for a missing pod). The
    websocket form of these requests (cluster.api.streams) sends the same Status."""
    pod = store.get(POD, namespace, name)
    containers = [c["name"] for c in pod.get("spec", {}).get("containers", [])]
    container = container or (containers[0] if containers else "")
    verb = {"exec": "exec into", "attach": "attach to",
            "portforward": "forward ports to"}[subresource]
    return BadRequest(f"kubesim simulates pods: there are no processes to {verb} "
                      f"(pod {name}, container {container})")


# --- token ------------------------------------------------------------------------------------

def create_token(request, info):
    """TokenRequest (serviceaccount TokenREST.Create): a signed token for the ServiceAccount,
    valid for spec.expirationSeconds of wall-clock time. A boundObjectRef is not honoured: the
    token is not bound to a pod or secret."""
    data = bodies.read(request)
    dry_run = options.dry_run(request, options.CREATE_OPTIONS)
    token_request = bodies.ensure_namespace(bodies.typed(
        bodies.decode(request, data, "TokenRequest"), "TokenRequest", (TOKEN_REQUEST.api_version,)),
        info.namespace)
    spec = token_request.get("spec") or {}
    seconds = spec.get("expirationSeconds") or DEFAULT_EXPIRATION_SECONDS
    _check_expiration(info.name, seconds)
    account = store.get(SERVICE_ACCOUNT, info.namespace, info.name)
    audiences = spec.get("audiences") or auth.AUDIENCES
    issued_at = int(time.time())
    token = "" if dry_run else auth.service_account_token(account, audiences, issued_at, seconds)
    meta = token_request["metadata"]
    meta.update(name=info.name, namespace=info.namespace,
                creationTimestamp=timestamps.timestamp(timestamps.now()))
    token_request["spec"] = {**spec, "audiences": audiences, "expirationSeconds": seconds,
                             "boundObjectRef": spec.get("boundObjectRef")}
    token_request["status"] = {"token": token, "expirationTimestamp": time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(issued_at + seconds))}
    return respond(request, token_request, 201)


def _check_expiration(name, seconds):
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise BadRequest("TokenRequest in version \"v1\" cannot be handled as a TokenRequest: "
                         "json: cannot unmarshal into Go struct field TokenRequestSpec."
                         "spec.expirationSeconds of type int64")
    if seconds < MIN_EXPIRATION_SECONDS:
        detail = "may not specify a duration less than 10 minutes"
    elif seconds > MAX_EXPIRATION_SECONDS:
        detail = "may not specify a duration larger than 2^32 seconds"
    else:
        return
    raise Invalid(TOKEN_REQUEST, name, [invalid("spec.expirationSeconds", seconds, detail)])
