"""The Endpoints controller (pkg/controller/endpoint/endpoints_controller.go): for each Service
with a selector, an Endpoints object of the same name listing its pods' addresses, ready ones in
`addresses` and the others in `notReadyAddresses`, grouped by port into subsets as
RepackSubsets does (pkg/api/v1/endpoints/util.go). Deprecated upstream since 1.33 in favour of
EndpointSlices, but `kubectl get endpoints` still shows it.

One key per Service, "namespace/name". The Endpoints goes when its Service does: upstream
deletes it explicitly (it carries no ownerReference). Terminating pods are left out, unless the
Service publishes not-ready addresses. Nothing is written when the subsets, labels and capacity
annotation already match, so a second run writes nothing.

Differences from upstream: ports and subsets are sorted by their fields, not by a hash of them,
and the last-change-trigger-time annotation is computed as the EndpointSlice controller's is (see
endpointslice.py). Endpoints left from a Service deleted while the controller was down are not
looked for (upstream's checkLeftoverEndpoints at start-up).
"""
from cluster import kinds, store
from cluster.errors import Forbidden, NotFound
from workers.result import split_key

from . import endpointslice, podutil

SERVICE = kinds.lookup("services")
ENDPOINTS = kinds.lookup("endpoints")
MAX_CAPACITY = 1000  # maxCapacity: addresses kept in one Endpoints object
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
TRIGGER_TIME = endpointslice.TRIGGER_TIME
LABEL_HEADLESS = endpointslice.LABEL_HEADLESS


def reconcile(key):
    namespace, name = split_key(key)
    try:
        service = store.get(SERVICE, namespace, name)
    except NotFound:
        _delete(namespace, name)
        return
    if not endpointslice.selects_pods(service):
        return  # selector-less Services get the Endpoints their owner writes
    publish = bool(service["spec"].get("publishNotReadyAddresses"))
    pods = endpointslice.selected_pods(service)
    subsets = []
    for pod in pods:
        if not endpointslice.should_pod_be_in_endpoints(pod, publish):
            continue
        address = _endpoint_address(service, pod)
        if address is None:
            continue
        ready = "addresses" if publish or podutil.is_ready(pod) else "notReadyAddresses"
        for port in _endpoint_ports(service, pod):
            subsets.append({ready: [address], **({"ports": [port]} if port else {})})
    subsets = repack_subsets(subsets)
    try:
        current = store.get(ENDPOINTS, namespace, name)
    except NotFound:
        current = None
    labels = dict(service["metadata"].get("labels") or {})
    if current is not None and _up_to_date(current, subsets, labels):
        return
    _write(service, current, subsets, labels, endpointslice.trigger_time(service, pods))


def _endpoint_address(service, pod):
    """podToEndpointAddressForService: the pod's IP of the Service's IP family."""
    families = service["spec"].get("ipFamilies") or ["IPv4"]
    ips = [ip for ip in endpointslice.pod_ips(pod) if (":" in ip) == (families[0] == "IPv6")]
    if not ips:
        return None
    meta = pod["metadata"]
    address = {"ip": ips[0]}
    if endpointslice.should_set_hostname(pod, service):
        address["hostname"] = pod["spec"]["hostname"]
    if pod["spec"].get("nodeName"):
        address["nodeName"] = pod["spec"]["nodeName"]
    address["targetRef"] = {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"],
                            "uid": meta["uid"]}
    return address


def _endpoint_ports(service, pod):
    """endpointPortFromServicePort for each port that resolves; [None] for a headless Service
    without ports (its addresses alone), [] for any other Service without ports."""
    if not service["spec"].get("ports"):
        return [None] if service["spec"].get("clusterIP") == "None" else []
    return endpointslice.endpoint_ports(service, pod)


def _port_key(port):
    return (port.get("name", ""), port["port"], port.get("protocol", "TCP"),
            port.get("appProtocol", ""))


def _address_key(address):
    return address["ip"], (address.get("targetRef") or {}).get("uid", "")


def repack_subsets(subsets):
    """RepackSubsets: one subset per set of ports that the same addresses offer; an address not
    ready on any port is not ready (not ready trumps ready)."""
    addresses, by_port = {}, {}
    for subset in subsets:
        for port in subset.get("ports") or [None]:
            ready_of = by_port.setdefault(None if port is None else _port_key(port), (port, {}))[1]
            for field, ready in (("addresses", True), ("notReadyAddresses", False)):
                for address in subset.get(field) or ():
                    key = _address_key(address)
                    addresses.setdefault(key, address)
                    ready_of[key] = ready_of.get(key, True) and ready
    grouped = {}
    for port, ready_of in by_port.values():
        ports = grouped.setdefault(tuple(sorted(ready_of.items())), [])
        if port is not None:
            ports.append(port)
    final = []
    for ready_of, ports in grouped.items():
        subset = {}
        for field, wanted in (("addresses", True), ("notReadyAddresses", False)):
            chosen = [addresses[key] for key, ready in ready_of if ready == wanted]
            if chosen:
                subset[field] = sorted(chosen, key=_address_key)
        if ports:
            subset["ports"] = sorted(ports, key=_port_key)
        final.append(subset)
    return sorted(final, key=lambda s: [_port_key(p) for p in s.get("ports") or ()])


def _count(subsets):
    return sum(len(s.get("addresses") or ()) + len(s.get("notReadyAddresses") or ())
               for s in subsets)


def _up_to_date(current, subsets, labels):
    current_labels = {k: v for k, v in (current["metadata"].get("labels") or {}).items()
                      if k != LABEL_HEADLESS}
    capacity_ok = _count(subsets) <= MAX_CAPACITY and OVER_CAPACITY not in (
        current["metadata"].get("annotations") or {})
    return (current.get("subsets") or []) == subsets and current_labels == labels and capacity_ok


def truncate(subsets):
    """truncateEndpoints: keep MAX_CAPACITY addresses, ready ones first, each subset keeping its
    share (rounded up). Returns whether anything was cut."""
    ready = sum(len(s.get("addresses") or ()) for s in subsets)
    not_ready = sum(len(s.get("notReadyAddresses") or ()) for s in subsets)
    if ready + not_ready <= MAX_CAPACITY:
        return False
    truncate_ready = ready > MAX_CAPACITY
    limit, total = (MAX_CAPACITY, ready) if truncate_ready else (MAX_CAPACITY - ready, not_ready)
    can_add = limit
    field = "addresses" if truncate_ready else "notReadyAddresses"
    for subset in subsets:
        share = -(-len(subset.get(field) or ()) * limit // total)  # ceil
        subset[field] = (subset.get(field) or [])[:min(share, can_add)]
        can_add -= len(subset[field])
        if truncate_ready:
            subset.pop("notReadyAddresses", None)
        for key in ("addresses", "notReadyAddresses"):
            if key in subset and not subset[key]:
                del subset[key]
    return True


def _write(service, current, subsets, labels, triggered):
    meta = service["metadata"]
    new_meta = dict(current["metadata"]) if current else {"name": meta["name"],
                                                           "namespace": meta["namespace"]}
    annotations = dict(new_meta.get("annotations") or {})
    annotations[TRIGGER_TIME] = triggered
    if truncate(subsets):
        annotations[OVER_CAPACITY] = "truncated"
    else:
        annotations.pop(OVER_CAPACITY, None)
    if not endpointslice.is_service_ip_set(service):
        labels[LABEL_HEADLESS] = ""
    new_meta["annotations"] = annotations
    new_meta["labels"] = labels
    if not labels:
        del new_meta["labels"]
    endpoints = {"apiVersion": "v1", "kind": "Endpoints", "metadata": new_meta}
    if subsets:
        endpoints["subsets"] = subsets
    if current is None:
        try:
            store.create(endpoints)
        except (Forbidden, NotFound):
            pass  # the namespace is going: as upstream, dropped
    else:
        store.update(endpoints)  # with its resourceVersion: a Conflict re-reads


def _delete(namespace, name):
    try:
        store.delete(ENDPOINTS, namespace, name)
    except NotFound:
        pass


# --- which keys a change wakes ----------------------------------------------------------------

def keys_for(event_type, obj):
    """A Service's changes; a pod's wake the Services of its namespace with a selector (see
    endpointslice.keys_for); a deleted Endpoints wakes its Service, to make it again."""
    kind, meta = obj.get("kind"), obj["metadata"]
    if kind == "Service" and obj.get("apiVersion") == "v1":
        return [f"{meta['namespace']}/{meta['name']}"]
    if kind == "Pod" and obj.get("apiVersion") == "v1":
        return endpointslice.services_with_selector(meta["namespace"])
    if kind == "Endpoints" and event_type == "DELETED":
        return [f"{meta['namespace']}/{meta['name']}"]
    return []


def resync_keys():
    return endpointslice.resync_keys()
