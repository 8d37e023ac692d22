"""The EndpointSlice controller (pkg/controller/endpointslice/endpointslice_controller.go, and
its reconciler in staging/src/k8s.io/endpointslice: reconciler.go, utils.go, util/): the pods a
Service selects, as endpoints in EndpointSlices it owns.

One key per Service, "namespace/name". reconcile(key) is syncService + Reconcile: the desired
endpoints are grouped by their resolved ports (a named targetPort may resolve differently per
pod); existing slices keep the endpoints still desired, in place, and the rest fill the slices
already being written, then the fullest unchanged slice they fit in, then new slices of at most
MAX_ENDPOINTS_PER_SLICE. A Service with no endpoints keeps one empty placeholder slice. Nothing is
written when the slices already say it all, so a second run writes nothing.

Differences from upstream, all for a stateless controller: endpoints are placed in pod-name
order (upstream pops them from a hash set), and the last-change-trigger-time annotation is the
latest of the Service's creation and its pods' Ready transitions, written only with a change
(upstream's in-memory tracker takes the earliest change since its previous sync). A pod on a
node that does not exist is skipped, as upstream does, but not retried: the node's arrival does
not wake the Service. Topology hints and trafficDistribution are left out.
"""
import json

from cluster import kinds, selectors, store
from cluster.errors import Forbidden, NotFound
from cluster.models import ApiObject, Node, Pod, Service
from workers.memo import per_batch
from workers.result import split_key

from . import podutil

SERVICE = kinds.lookup("services")
ENDPOINT_SLICE = kinds.lookup("endpointslices.discovery.k8s.io")
POD = kinds.lookup("pods")
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
MAX_ENDPOINTS_PER_SLICE = 100  # --max-endpoints-per-slice's default
LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
LABEL_HEADLESS = "service.kubernetes.io/headless"
LABEL_ZONE = "topology.kubernetes.io/zone"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
_RESERVED_LABELS = (LABEL_SERVICE_NAME, LABEL_MANAGED_BY, LABEL_HEADLESS)


def reconcile(key):
    namespace, name = split_key(key)
    try:
        service = store.get(SERVICE, namespace, name)
    except NotFound:
        return  # its slices carry an ownerReference: the garbage collector deletes them
    if not selects_pods(service):
        return  # selector-less Services get their slices from whoever writes them
    pods = selected_pods(service)
    existing = [s for s in _slices_of(service) if not s["metadata"].get("deletionTimestamp")]
    for address_type in ("IPv4", "IPv6"):
        of_type = [s for s in existing if s.get("addressType") == address_type]
        if address_type in address_types(service):
            _reconcile_by_address_type(service, pods, of_type, address_type)
        else:
            _finalize(service, [], [], of_type)  # a family the Service no longer has


# --- what a Service selects (shared with the Endpoints controller) -----------------------------

def selects_pods(service):
    """Only Services with a selector get endpoints from the controllers; ExternalName ones none."""
    spec = service.get("spec") or {}
    return bool(spec.get("selector")) and spec.get("type") != "ExternalName"


def selected_pods(service):
    """The pods in the Service's namespace its selector matches, by name."""
    selector = selectors.from_label_selector({"matchLabels": service["spec"]["selector"]})
    pods = Pod.objects.in_namespace(service["metadata"]["namespace"]).filter(selector.to_q())
    return [p for p in pods.order_by("name").objects() if selector.matches(p)]


def should_pod_be_in_endpoints(pod, include_terminating):
    """ShouldPodBeInEndpoints: not finished, has an IP, and (if asked) not being deleted."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return False
    if not status.get("podIP") and not status.get("podIPs"):
        return False
    return include_terminating or not pod["metadata"].get("deletionTimestamp")


def pod_ips(pod):
    status = pod.get("status") or {}
    return [ip["ip"] for ip in status.get("podIPs") or ()] or [status["podIP"]]


def find_port(pod, service_port):
    """FindPort: an int targetPort is the port; a named one is looked up in the pod's container
    ports (and its sidecars') with the same protocol. None when it names no port there."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    protocol = service_port.get("protocol", "TCP")
    spec = pod.get("spec") or {}
    sidecars = [c for c in spec.get("initContainers") or () if c.get("restartPolicy") == "Always"]
    for container in list(spec.get("containers") or ()) + sidecars:
        for port in container.get("ports") or ():
            if port.get("name") == target and port.get("protocol", "TCP") == protocol:
                return port["containerPort"]
    return None


def trigger_time(service, pods):
    """The time of the latest change that may have led to this write (see the module docstring)."""
    times = [service["metadata"]["creationTimestamp"]]
    for pod in pods:
        ready = podutil.ready_condition(pod)
        if ready and ready.get("lastTransitionTime"):
            times.append(ready["lastTransitionTime"])
    return max(times)


def should_set_hostname(pod, service):
    spec = pod.get("spec") or {}
    return bool(spec.get("hostname")) and spec.get("subdomain") == service["metadata"]["name"]


def is_service_ip_set(service):
    return service["spec"].get("clusterIP") not in (None, "", "None")


# --- desired endpoints ------------------------------------------------------------------------

def address_types(service):
    """getAddressTypesForService: the Service's IP families (or its clusterIP's)."""
    spec = service["spec"]
    families = {f for f in spec.get("ipFamilies") or () if f in ("IPv4", "IPv6")}
    if families:
        return families
    if is_service_ip_set(service):
        return {"IPv6" if ":" in spec["clusterIP"] else "IPv4"}
    return {"IPv4", "IPv6"}


def endpoint_ports(service, pod):
    """getEndpointPorts: one per Service port that resolves on this pod."""
    ports = []
    for service_port in service["spec"].get("ports") or ():
        number = find_port(pod, service_port)
        if number is None:
            continue
        port = {"name": service_port.get("name", ""), "port": number,
                "protocol": service_port.get("protocol", "TCP")}
        if service_port.get("appProtocol"):
            port["appProtocol"] = service_port["appProtocol"]
        ports.append(port)
    return ports


def pod_to_endpoint(pod, node, service, address_type):
    """podToEndpoint: serving = Ready; ready = serving and not terminating (or the Service
    publishes not-ready addresses)."""
    serving = podutil.is_ready(pod)
    terminating = bool(pod["metadata"].get("deletionTimestamp"))
    ready = bool(service["spec"].get("publishNotReadyAddresses")) or (serving and not terminating)
    meta = pod["metadata"]
    endpoint = {"addresses": [ip for ip in pod_ips(pod) if (":" in ip) == (address_type == "IPv6")],
                "conditions": {"ready": ready, "serving": serving, "terminating": terminating}}
    if should_set_hostname(pod, service):
        endpoint["hostname"] = pod["spec"]["hostname"]
    if pod["spec"].get("nodeName"):
        endpoint["nodeName"] = pod["spec"]["nodeName"]
    zone = ((node or {}).get("metadata", {}).get("labels") or {}).get(LABEL_ZONE)
    if zone:
        endpoint["zone"] = zone
    endpoint["targetRef"] = {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"],
                             "uid": meta["uid"]}
    return endpoint


def _port_map_key(ports):
    return json.dumps(sorted(ports, key=lambda p: json.dumps(p, sort_keys=True)), sort_keys=True)


def _endpoint_key(endpoint):
    """hashEndpoint: addresses, hostname and the pod it stands for identify an endpoint; its
    conditions and topology may change in place."""
    ref = endpoint.get("targetRef") or {}
    return (tuple(sorted(endpoint.get("addresses") or ())), endpoint.get("hostname", ""),
            ref.get("namespace", ""), ref.get("name", ""))


def _desired_endpoints(service, pods, address_type):
    """{port map key: (ports, {endpoint key: endpoint})}, pods in name order."""
    nodes = {n["metadata"]["name"]: n for n in Node.objects.filter(
        name__in={p["spec"].get("nodeName", "") for p in pods}).objects()}
    desired = {}
    for pod in pods:
        if not should_pod_be_in_endpoints(pod, True):
            continue
        node = nodes.get(pod["spec"].get("nodeName", ""))
        if node is None and not service["spec"].get("publishNotReadyAddresses"):
            continue  # upstream skips a pod whose node is gone (and retries; see the docstring)
        ports = endpoint_ports(service, pod)
        endpoint = pod_to_endpoint(pod, node, service, address_type)
        if endpoint["addresses"]:
            _, endpoints = desired.setdefault(_port_map_key(ports), (ports, {}))
            endpoints[_endpoint_key(endpoint)] = endpoint
    return desired


# --- slices -----------------------------------------------------------------------------------

def _slices_of(service):
    meta = service["metadata"]
    return store.list_objects(ENDPOINT_SLICE, meta["namespace"], label_selector=(
        f"{LABEL_SERVICE_NAME}={meta['name']},{LABEL_MANAGED_BY}={CONTROLLER_NAME}")).items


def owned_by(endpoint_slice, service):
    return any(ref.get("uid") == service["metadata"]["uid"] and ref.get("kind") == "Service"
               and ref.get("apiVersion") == "v1"
               for ref in endpoint_slice["metadata"].get("ownerReferences") or ())


def slice_labels(endpoint_slice, service):
    """setEndpointSliceLabels: the Service's labels but the reserved ones, then the reserved
    ones as the controller sets them. Also whether the mirrored labels changed."""
    current = {k: v for k, v in (endpoint_slice["metadata"].get("labels") or {}).items()
               if k not in _RESERVED_LABELS}
    labels = {k: v for k, v in (service["metadata"].get("labels") or {}).items()
              if k not in _RESERVED_LABELS}
    changed = current != labels
    if not is_service_ip_set(service):
        labels[LABEL_HEADLESS] = ""
    labels[LABEL_SERVICE_NAME] = service["metadata"]["name"]
    labels[LABEL_MANAGED_BY] = CONTROLLER_NAME
    return labels, changed


def new_endpoint_slice(service, ports, address_type):
    """newEndpointSlice: named `<service>-` plus five random characters, owned by the Service."""
    meta = service["metadata"]
    endpoint_slice = {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"generateName": f"{meta['name']}-", "namespace": meta["namespace"],
                     "ownerReferences": [{"apiVersion": "v1", "kind": "Service",
                                          "name": meta["name"], "uid": meta["uid"],
                                          "controller": True, "blockOwnerDeletion": True}]},
        "addressType": address_type, "endpoints": []}
    if ports:
        endpoint_slice["ports"] = ports
    endpoint_slice["metadata"]["labels"], _ = slice_labels(endpoint_slice, service)
    return endpoint_slice


def _reconcile_by_address_type(service, pods, existing, address_type):
    to_create, to_update, to_delete = [], [], []
    by_port_map = {}
    for endpoint_slice in existing:
        if owned_by(endpoint_slice, service):
            by_port_map.setdefault(_port_map_key(endpoint_slice.get("ports") or []),
                                   []).append(endpoint_slice)
        else:
            to_delete.append(endpoint_slice)  # an old Service's of the same name
    desired = _desired_endpoints(service, pods, address_type)
    for key, (ports, endpoints) in desired.items():
        create, update, delete = _reconcile_by_port_mapping(
            service, by_port_map.get(key, []), endpoints, ports, address_type)
        to_create += create
        to_update += update
        to_delete += delete
    for key, slices in by_port_map.items():
        if key not in desired:
            to_delete += slices
    if len(existing) == len(to_delete) and not to_create:
        # No endpoints: one empty placeholder slice stands for the Service.
        placeholder = new_endpoint_slice(service, [], address_type)
        if len(to_delete) == 1 and _same_placeholder(to_delete[0], placeholder):
            to_delete = []
        else:
            to_create.append(placeholder)
    _finalize(service, to_create, to_update, to_delete, trigger_time(service, pods))


def _same_placeholder(existing, placeholder):
    """placeholderSliceCompare: of the metadata, only the namespace, labels and owners count."""
    a, b = existing["metadata"], placeholder["metadata"]
    return (a.get("namespace") == b.get("namespace") and a.get("labels") == b.get("labels")
            and a.get("ownerReferences") == b.get("ownerReferences")
            and existing.get("addressType") == placeholder.get("addressType")
            and not existing.get("endpoints") and not existing.get("ports"))


def _reconcile_by_port_mapping(service, existing, desired, ports, address_type):
    """reconcileByPortMapping: (slices to create, to update, to delete) for one set of ports."""
    updated, unchanged, to_delete = {}, {}, []
    desired = dict(desired)
    for endpoint_slice in existing:
        kept, changed = [], False
        for endpoint in endpoint_slice.get("endpoints") or ():
            wanted = desired.pop(_endpoint_key(endpoint), None)
            if wanted is not None:
                kept.append(wanted)
                changed = changed or wanted != endpoint
        labels, labels_changed = slice_labels(endpoint_slice, service)
        name = endpoint_slice["metadata"]["name"]
        if changed or len(kept) != len(endpoint_slice.get("endpoints") or ()):
            if not kept:
                to_delete.append(endpoint_slice)
            else:
                updated[name] = _with(endpoint_slice, kept, labels)
        elif labels_changed:
            updated[name] = _with(endpoint_slice, kept, labels)
        else:
            unchanged[name] = endpoint_slice
    remaining = list(desired.values())
    # Fill the slices being written anyway, fullest first.
    for endpoint_slice in sorted(updated.values(), key=lambda s: -len(s["endpoints"])):
        room = MAX_ENDPOINTS_PER_SLICE - len(endpoint_slice["endpoints"])
        endpoint_slice["endpoints"] += remaining[:max(room, 0)]
        remaining = remaining[max(room, 0):]
    to_create = []
    while remaining:
        target = None
        if len(remaining) < MAX_ENDPOINTS_PER_SLICE and unchanged:
            target = _slice_to_fill(list(unchanged.values()), len(remaining))
        if target is None:
            target = new_endpoint_slice(service, ports, address_type)
            to_create.append(target)
        else:
            name = target["metadata"]["name"]
            target = updated[name] = _with(unchanged.pop(name), list(target.get("endpoints") or ()),
                                           slice_labels(target, service)[0])
        room = MAX_ENDPOINTS_PER_SLICE - len(target["endpoints"])
        target["endpoints"] += remaining[:room]
        remaining = remaining[room:]
    return to_create, list(updated.values()), to_delete


def _with(endpoint_slice, endpoints, labels):
    meta = {**endpoint_slice["metadata"], "labels": labels}
    return {**endpoint_slice, "metadata": meta, "endpoints": endpoints}


def _slice_to_fill(slices, count):
    """getSliceToFill: the slice that `count` more endpoints bring closest to full."""
    best, best_room = None, MAX_ENDPOINTS_PER_SLICE
    for endpoint_slice in slices:
        room = MAX_ENDPOINTS_PER_SLICE - count - len(endpoint_slice.get("endpoints") or ())
        if 0 <= room < best_room:
            best, best_room = endpoint_slice, room
    return best


def _finalize(service, to_create, to_update, to_delete, triggered=None):
    """finalize: a slice to delete is reused for one to create (same address type, ours); no
    slice is created for a Service being deleted, as the garbage collector is removing them."""
    to_delete = list(to_delete)
    for old in list(to_delete):
        if not to_create:
            break
        if old.get("addressType") == to_create[-1].get("addressType") and owned_by(old, service):
            new = to_create.pop()
            meta = {**old["metadata"], "labels": new["metadata"]["labels"],
                    "ownerReferences": new["metadata"]["ownerReferences"]}
            reused = {**old, "metadata": meta, "endpoints": new["endpoints"]}
            reused.pop("ports", None)
            if new.get("ports"):
                reused["ports"] = new["ports"]
            to_update.append(reused)
            to_delete.remove(old)
    if not service["metadata"].get("deletionTimestamp"):
        for endpoint_slice in to_create:
            _annotate(endpoint_slice, triggered)
            try:
                store.create(endpoint_slice)
            except (Forbidden, NotFound):
                return  # the namespace is going: every create would fail
    for endpoint_slice in to_update:
        _annotate(endpoint_slice, triggered)
        store.update(endpoint_slice)  # carries its resourceVersion: a Conflict re-reads
    for endpoint_slice in to_delete:
        try:
            store.delete(ENDPOINT_SLICE, endpoint_slice["metadata"]["namespace"],
                         endpoint_slice["metadata"]["name"])
        except NotFound:
            pass


def _annotate(endpoint_slice, triggered):
    meta = endpoint_slice["metadata"]
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != TRIGGER_TIME}
    if triggered:
        annotations[TRIGGER_TIME] = triggered
    meta = {**meta, "annotations": annotations}
    if not annotations:
        del meta["annotations"]
    endpoint_slice["metadata"] = meta


# --- which keys a change wakes ----------------------------------------------------------------

def keys_for(event_type, obj):
    """A Service's own changes; a pod's changes wake every Service of its namespace with a
    selector (without the pod's previous labels, that is the simplest set sure to include the
    Services it has left as well as those it has joined); a change to one of our slices wakes its
    Service, to put back what someone else changed."""
    kind, meta = obj.get("kind"), obj["metadata"]
    if kind == "Service" and obj.get("apiVersion") == "v1":
        return [f"{meta['namespace']}/{meta['name']}"]
    if kind == "Pod" and obj.get("apiVersion") == "v1":
        return services_with_selector(meta["namespace"])
    if kind == "EndpointSlice" and (meta.get("labels") or {}).get(LABEL_MANAGED_BY) == CONTROLLER_NAME:
        service = (meta.get("labels") or {}).get(LABEL_SERVICE_NAME)
        return [f"{meta['namespace']}/{service}"] if service else []
    return []


@per_batch
def services_with_selector(namespace):
    rows = Service.objects.filter(namespace=namespace).values_list("name", "spec")
    return [f"{namespace}/{name}" for name, spec in rows if (spec or {}).get("selector")]


def resync_keys():
    return [f"{namespace}/{name}" for namespace, name in
            ApiObject.objects.of_kind(SERVICE).values_list("namespace", "name")]
