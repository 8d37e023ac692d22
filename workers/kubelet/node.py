"""The kubelet's side of its Node: registration, the heartbeat (the node Lease and the Ready
condition) and the images it has (status.images, which is also where the simulated node keeps
them: a pulled image stays there, as on a real node until image garbage collection).

Upstream renews the Lease every 10 s and posts the node status when something changed, else
every nodeStatusReportFrequency (5 min): an idle healthy node costs one Lease write per 10 s.
"""
import copy
import ipaddress
import math
import uuid
from datetime import UTC, datetime

from django.conf import settings

from cluster import kinds, store
from cluster.errors import NotFound
from cluster.models import ApiObject
from cluster.timestamps import parse

from . import nodeevents
from .status import stamp

NODE = kinds.lookup("nodes")
LEASE = kinds.BY_KIND[("coordination.k8s.io", "Lease")]
LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40
RENEW_INTERVAL_SECONDS = 10  # a quarter of the lease duration, as the kubelet's
REPORT_FREQUENCY_SECONDS = 300  # nodeStatusReportFrequency
MAX_IMAGES = 50  # nodeStatusMaxImages: the largest images are reported
# A /24 per node, as kind's: the first node gets 10.244.0.0/24 and 172.18.0.2, the next
# 10.244.1.0/24 and 172.18.0.3, ... Past 10.255.255.0 the pod subnets wrap to 10.128.0.0, so a
# cluster can have 32,768 nodes (10.96.0.0/12, the Service range, is never used).
POD_CIDRS = ipaddress.ip_network("10.128.0.0/9")
FIRST_POD_CIDR = (244 - 128) * 256  # 10.244.0.0/24's place in POD_CIDRS
NODE_IPS = ipaddress.ip_network("172.18.0.0/16")  # kind's docker network
FIRST_NODE_IP = 2  # .1 is the network's gateway
_EPSILON = 1e-3  # float slack: a renewal due at exactly now is due

CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory",
     "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)
CAPACITY = {"cpu": "4", "ephemeral-storage": "100Gi", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
            "memory": "8Gi", "pods": "110"}


def host_ip(node):
    addresses = (node.get("status") or {}).get("addresses") or ()
    return next((a["address"] for a in addresses if a.get("type") == "InternalIP"), "")


def pod_cidr(node):
    cidr = (node.get("spec") or {}).get("podCIDR")
    return ipaddress.ip_network(cidr) if cidr else None


def images(node):
    """The normalized references of the images the node has."""
    return frozenset(name for image in (node.get("status") or {}).get("images") or ()
                     for name in image.get("names") or ())


# --- registration ----------------------------------------------------------------------------

def register(node):
    """Fill in what a kubelet registers and the Node lacks; returns the Node as stored."""
    meta, spec = node["metadata"], node.get("spec") or {}
    status = node.get("status") or {}
    name = meta["name"]
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name,
              "kubernetes.io/os": "linux"} | (meta.get("labels") or {})
    if labels != meta.get("labels") or not spec.get("podCIDR"):
        node = copy.deepcopy(node)
        node["metadata"]["labels"] = labels
        if not spec.get("podCIDR"):
            cidr = str(_free_cidr(name))
            node["spec"] = {**spec, "podCIDR": cidr, "podCIDRs": [cidr]}
        node = store.update(node)
    missing = {"capacity": CAPACITY, "allocatable": CAPACITY,
               "nodeInfo": _node_info(name),
               "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}}}
    missing = {k: v for k, v in missing.items() if not status.get(k)}
    if not status.get("addresses"):
        missing["addresses"] = [{"type": "InternalIP", "address": str(_free_ip(name))},
                                {"type": "Hostname", "address": name}]
    if missing:
        node = store.update({**node, "status": {**(node.get("status") or {}), **missing}},
                            subresource="status")
    return node


def _node_info(name):
    def stable(kind):
        return uuid.uuid5(uuid.NAMESPACE_DNS, f"{kind}.{name}.kubesim.io")

    return {"architecture": "amd64", "bootID": str(stable("boot")),
            "containerRuntimeVersion": "containerd://2.1.0", "kernelVersion": "6.8.0-60-generic",
            "kubeProxyVersion": "", "kubeletVersion": f"v{settings.KUBESIM_KUBERNETES_VERSION}",
            "machineID": stable("machine").hex, "operatingSystem": "linux",
            "osImage": "Debian GNU/Linux 12 (bookworm)", "systemUUID": str(stable("system"))}


def _subnet(index):
    number = (FIRST_POD_CIDR + index) % (POD_CIDRS.num_addresses // 256)
    return ipaddress.ip_network((int(POD_CIDRS.network_address) + number * 256, 24))


def _node_ip(index):
    return NODE_IPS.network_address + FIRST_NODE_IP + index


def _free_cidr(name):
    """The first free subnet from the node count on: one cheap query when nodes only join."""
    nodes = ApiObject.objects.of_kind(NODE)
    index = nodes.count() - 1
    while nodes.filter(spec__podCIDR=str(_subnet(index))).exists():
        index += 1
    return _subnet(index)


def _free_ip(name):
    """The address that goes with the node's subnet: unique as the subnets are."""
    subnet = pod_cidr(store.get(NODE, None, name)) or _free_cidr(name)
    offset = (int(subnet.network_address) - int(_subnet(0).network_address)) // 256
    return _node_ip(offset % (POD_CIDRS.num_addresses // 256))


# --- heartbeat -------------------------------------------------------------------------------

def post_status(node, pulled, now):
    """Keep the node Ready and its images listed, writing only on a change or when the last
    report is 5 min old. Returns seconds until the next report is due."""
    status = node.get("status") or {}
    old = {c["type"]: c for c in status.get("conditions") or ()}
    new_images = _images(status.get("images") or [], pulled)
    changed = new_images != (status.get("images") or [])
    conditions = []
    for condition_type, value, reason, message in CONDITIONS:
        before = old.get(condition_type) or {}
        same = (before.get("status"), before.get("reason"), before.get("message")) == \
            (value, reason, message)
        changed |= not same
        conditions.append({"type": condition_type, "status": value, "reason": reason,
                           "message": message, "lastHeartbeatTime": before.get("lastHeartbeatTime"),
                           "lastTransitionTime": before["lastTransitionTime"]
                           if before.get("status") == value else stamp(now)})
    last = parse(old.get("Ready", {}).get("lastHeartbeatTime"))
    age = now - last.timestamp() if last else REPORT_FREQUENCY_SECONDS
    if not changed and age < REPORT_FREQUENCY_SECONDS:
        return REPORT_FREQUENCY_SECONDS - age
    for condition in conditions:
        condition["lastHeartbeatTime"] = stamp(now)
    owned = {c[0] for c in CONDITIONS}
    kept = [c for c in status.get("conditions") or () if c["type"] not in owned]
    new_status = {**status, "conditions": kept + conditions}
    if new_images:
        new_status["images"] = new_images
    store.update({**node, "status": new_status}, subresource="status")
    nodeevents.on_conditions(node["metadata"]["name"], status.get("conditions"), conditions)
    return REPORT_FREQUENCY_SECONDS


def _images(listed, pulled):
    """status.images with the newly pulled ones: digest then tag, largest first, 50 at most."""
    names = {name for image in listed for name in image["names"]}
    added = [{"names": [b.image_id, b.image], "sizeBytes": b.size}
             for b in pulled if b.image not in names]
    if not added:
        return listed
    return sorted(listed + added, key=lambda image: -image["sizeBytes"])[:MAX_IMAGES]


def renew_lease(node, now):
    """Renew the node's Lease in kube-node-lease when due; returns seconds until the next."""
    name = node["metadata"]["name"]
    try:
        lease = store.get(LEASE, LEASE_NAMESPACE, name)
    except NotFound:
        lease = None
    renewed = parse((lease or {}).get("spec", {}).get("renewTime"))
    if renewed and now - renewed.timestamp() < RENEW_INTERVAL_SECONDS - _EPSILON:
        return RENEW_INTERVAL_SECONDS - (now - renewed.timestamp())
    spec = {"holderIdentity": name, "leaseDurationSeconds": LEASE_DURATION_SECONDS,
            "renewTime": _micro_time(now)}
    if lease is None:
        store.create({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {
            "name": name, "namespace": LEASE_NAMESPACE, "ownerReferences": [{
                "apiVersion": "v1", "kind": "Node", "name": name,
                "uid": node["metadata"]["uid"]}]}, "spec": spec})
    else:
        store.update({**lease, "spec": {**lease.get("spec", {}), **spec}})
    return RENEW_INTERVAL_SECONDS


def _micro_time(seconds):
    """metav1.MicroTime: RFC 3339 with microseconds, truncated as Go formats it."""
    whole = math.floor(seconds)
    moment = datetime.fromtimestamp(whole, UTC).replace(microsecond=int((seconds - whole) * 1e6))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
