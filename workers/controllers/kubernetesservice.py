"""kube-apiserver's kubernetes service controller (pkg/controlplane/controller/kubernetesservice/
controller.go) with its endpoint reconciler (pkg/controlplane/reconcilers/endpointsadapter.go):
Service default/kubernetes, through which pods reach the API server, and the Endpoints and
EndpointSlice named `kubernetes` that point at the API server's advertise address.

One key, "default". The Service is made when missing and otherwise left as it is (upstream
stopped reconciling its definition after start-up in 1.17); the Endpoints and the EndpointSlice
are put back as they should be whenever they differ, as the reconciler does every
--endpoint-reconciler interval. The Service has no selector, so the Endpoints and EndpointSlice
controllers leave all three alone.
"""
from cluster import kinds, store
from cluster.errors import AlreadyExists, Conflict, Forbidden, NotFound

SERVICE = kinds.lookup("services")
ENDPOINTS = kinds.lookup("endpoints")
ENDPOINT_SLICE = kinds.lookup("endpointslices.discovery.k8s.io")
NAMESPACE, NAME = "default", "kubernetes"  # KubernetesServiceNamespace, KubernetesServiceName
SERVICE_IP = "10.96.0.1"  # the first address of the service CIDR 10.96.0.0/12
SERVICE_PORT = 443
# The API server's --advertise-address: the demo control-plane node's InternalIP, as kubeadm
# advertises the node it runs on.
ADVERTISE_ADDRESS = "172.18.0.2"
SECURE_PORT = 6443  # --secure-port, the Endpoints' port
PORT_NAME = "https"
LABEL_SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"
LABEL_SERVICE_NAME = "kubernetes.io/service-name"


def reconcile(key):
    if key != NAMESPACE:
        return
    try:
        _create_master_service_if_needed()
        _sync_endpoints()
        _sync_endpoint_slice()
    except (Forbidden, NotFound):
        pass  # the namespace is not there (yet): its creation wakes us


def _create_master_service_if_needed():
    """CreateOrUpdateMasterServiceIfNeeded: create it when missing; an existing one stays."""
    try:
        store.get(SERVICE, NAMESPACE, NAME)
        return
    except NotFound:
        pass
    try:
        store.create({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": NAME, "namespace": NAMESPACE,
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"ports": [{"name": PORT_NAME, "port": SERVICE_PORT, "protocol": "TCP",
                                "targetPort": SECURE_PORT}],
                     "clusterIP": SERVICE_IP, "ipFamilyPolicy": "SingleStack",
                     "sessionAffinity": "None", "type": "ClusterIP"}})
    except AlreadyExists:
        pass  # made meanwhile: as upstream, then it stays as it is


def _ports():
    return [{"name": PORT_NAME, "port": SECURE_PORT, "protocol": "TCP"}]


def _sync_endpoints():
    """Sync's Endpoints half: one subset, the advertise address, skip-mirror labelled so that
    the EndpointSlice mirroring controller leaves it to us."""
    subsets = [{"addresses": [{"ip": ADVERTISE_ADDRESS}], "ports": _ports()}]
    labels = {LABEL_SKIP_MIRROR: "true"}
    try:
        current = store.get(ENDPOINTS, NAMESPACE, NAME)
    except NotFound:
        _create({"apiVersion": "v1", "kind": "Endpoints", "subsets": subsets,
                  "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": labels}})
        return
    if current.get("subsets") == subsets and current["metadata"].get("labels") == labels:
        return
    store.update({**current, "subsets": subsets, "metadata": {**current["metadata"], "labels": labels}})


def _sync_endpoint_slice():
    """Sync's EndpointSlice half: slice `kubernetes`, one ready endpoint; other slices labelled
    for the Service (a stale family's) are deleted."""
    endpoints = [{"addresses": [ADVERTISE_ADDRESS], "conditions": {"ready": True}}]
    labels = {LABEL_SERVICE_NAME: NAME}
    current = None
    for endpoint_slice in store.list_objects(ENDPOINT_SLICE, NAMESPACE,
                                             label_selector=f"{LABEL_SERVICE_NAME}={NAME}").items:
        if endpoint_slice["metadata"]["name"] == NAME and endpoint_slice.get("addressType") == "IPv4":
            current = endpoint_slice
            continue
        try:
            store.delete(ENDPOINT_SLICE, NAMESPACE, endpoint_slice["metadata"]["name"])
        except NotFound:
            pass
    if current is None:
        _create({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                  "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": labels},
                  "addressType": "IPv4", "endpoints": endpoints, "ports": _ports()})
        return
    if (current.get("endpoints") == endpoints and current.get("ports") == _ports()
            and current["metadata"].get("labels") == labels):
        return
    store.update({**current, "endpoints": endpoints, "ports": _ports(),
                  "metadata": {**current["metadata"], "labels": labels}})


def _create(obj):
    try:
        store.create(obj)
    except AlreadyExists:
        # Made meanwhile (another name not yet listed, or a race): read it again.
        raise Conflict.stale(kinds.for_object(obj), obj["metadata"]["name"]) from None


def keys_for(event_type, obj):
    """Any change to the three objects, and the default namespace's (a fresh cluster's first
    change: the Service appears without waiting for a resync)."""
    meta = obj["metadata"]
    if obj.get("kind") == "Namespace" and meta["name"] == NAMESPACE and event_type != "DELETED":
        return [NAMESPACE]
    if (obj.get("kind") in ("Service", "Endpoints", "EndpointSlice")
            and meta.get("namespace") == NAMESPACE and meta["name"] == NAME):
        return [NAMESPACE]
    return []


def resync_keys():
    return [NAMESPACE]
