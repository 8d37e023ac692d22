"""Services and pods with addresses for the Endpoints and EndpointSlice controllers' tests: the
pods get the IP and Ready condition a kubelet would write, by hand."""
from cluster import kinds, store, timestamps

POD = kinds.lookup("pods")
SERVICE = kinds.lookup("services")
NODE = kinds.lookup("nodes")
ENDPOINTS = kinds.lookup("endpoints")
ENDPOINT_SLICE = kinds.lookup("endpointslices.discovery.k8s.io")


def node(name="node-1", zone=None):
    meta = {"name": name, **({"labels": {"topology.kubernetes.io/zone": zone}} if zone else {})}
    return store.create({"apiVersion": "v1", "kind": "Node", "metadata": meta})


def service(name="web", selector=None, ports=None, labels=None, **spec):
    meta = {"name": name, **({"labels": labels} if labels else {})}
    spec = {"selector": {"app": "web"} if selector is None else selector,
            "ports": ports or [{"port": 80, "targetPort": 8080}], **spec}
    return store.create({"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec})


def pod(name, ip=None, *, labels=None, ready=True, node_name="node-1"):
    """A pod on `node_name` with the container port "http" 8080; with `ip`, running (and Ready if
    asked) as its kubelet would report it."""
    created = store.create({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "web"} if labels is None else labels},
        "spec": {"nodeName": node_name, "containers": [{
            "name": "web", "image": "nginx:1.27",
            "ports": [{"name": "http", "containerPort": 8080}]}]}})
    return set_status(created, ip, ready) if ip else created


def set_status(pod_obj, ip, ready):
    now = timestamps.timestamp(timestamps.now())

    def running(current):
        current["status"] = {
            "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
            "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                            "lastTransitionTime": now}]}

    meta = pod_obj["metadata"]
    return store.guaranteed_update(POD, meta["namespace"], meta["name"], running,
                                   subresource="status")


def relabel(pod_obj, labels):
    def change(current):
        current["metadata"]["labels"] = labels

    meta = pod_obj["metadata"]
    return store.guaranteed_update(POD, meta["namespace"], meta["name"], change)


def slices(service_name="web", namespace="default"):
    return store.list_objects(ENDPOINT_SLICE, namespace,
                              label_selector=f"kubernetes.io/service-name={service_name}").items


def reconcile_twice(module, key):
    """Reconcile, then again: the second run must write nothing."""
    module.reconcile(key)
    revision = store.current_revision()
    module.reconcile(key)
    assert store.current_revision() == revision, f"reconciling {key} again wrote something"
