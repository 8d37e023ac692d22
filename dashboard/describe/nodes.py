"""`kubectl describe node`: conditions, addresses, capacity, the pods it runs and what they
request of it."""
from fractions import Fraction

from cluster import kinds, printers, store
from cluster.errors import NotFound
from cluster.models import Pod
from cluster.printers.fields import get
from cluster.quantity import BINARY_SI, DECIMAL_SI, Quantity, int_value, millicores
from workers.scheduler.resource import CPU, EPHEMERAL_STORAGE, MEMORY, pod_requests

from . import common
from .parts import NONE, UNSET, Field, Fields, Lines, Link, Table, resource_fields, rfc1123z

LEASE = kinds.BY_KIND[("coordination.k8s.io", "Lease")]
NODE_LEASE_NAMESPACE = "kube-node-lease"
FINISHED = ("Succeeded", "Failed")
NODE_CONDITION_COLUMNS = ("type", "status", "lastHeartbeatTime", "lastTransitionTime", "reason",
                          "message")
SYSTEM_INFO = (("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
               ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"),
               ("Operating System", "operatingSystem"), ("Architecture", "architecture"),
               ("Container Runtime Version", "containerRuntimeVersion"),
               ("Kubelet Version", "kubeletVersion"), ("Kube-Proxy Version", "kubeProxyVersion"))
OVERCOMMITTED = "(Total limits may be over 100 percent, i.e., overcommitted.)"


def describe_node(node, now):
    meta, spec, status = node["metadata"], node.get("spec") or {}, node.get("status") or {}
    taints = Lines(map(taint_text, spec.get("taints") or ())) or NONE
    fields = [common.name(node), Field("Roles", printers.node_roles(node)),
              common.labels(meta.get("labels")), common.annotations(meta.get("annotations")),
              common.created(node), Field("Taints", taints),
              Field("Unschedulable", "true" if spec.get("unschedulable") else "false"),
              _lease(meta["name"])]
    fields += common.conditions(node, NODE_CONDITION_COLUMNS)
    fields.append(Field("Addresses", Fields(Field(a.get("type", ""), a.get("address", ""))
                                            for a in status.get("addresses") or ())))
    for label, key in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        if status.get(key):
            fields.append(Field(label, resource_fields(status[key])))
    info = status.get("nodeInfo") or {}
    fields.append(Field("System Info", Fields(Field(label, info.get(key, ""))
                                              for label, key in SYSTEM_INFO)))
    if spec.get("podCIDR"):
        fields.append(Field("PodCIDR", spec["podCIDR"]))
    if spec.get("podCIDRs"):
        fields.append(Field("PodCIDRs", ",".join(spec["podCIDRs"])))
    fields += node_resources(node, now)
    return fields + common.dependents(node, now) + [common.events(node, now)]


def taint_text(taint):
    """`key=value:effect`, as kubectl prints a taint."""
    value = f"={taint['value']}" if taint.get("value") else ""
    return f"{taint.get('key', '')}{value}:{taint.get('effect', '')}"


def _lease(node_name):
    try:
        lease = store.get(LEASE, NODE_LEASE_NAMESPACE, node_name)
    except NotFound as e:
        return Field("Lease", f"Failed to get lease: {e.message}")
    spec = lease.get("spec") or {}
    return Field("Lease", Fields([
        Field("HolderIdentity", spec.get("holderIdentity") or UNSET),
        Field("AcquireTime", rfc1123z(spec.get("acquireTime")) or UNSET),
        Field("RenewTime", rfc1123z(spec.get("renewTime")) or UNSET)]))


def node_resources(node, now):
    """Non-terminated Pods and Allocated resources (describeNodeResource)."""
    name = node["metadata"]["name"]
    pods = (Pod.objects.on_node(name).exclude(phase__in=FINISHED).order_by("namespace", "name")
            .objects())
    allocatable = get(node, "status.allocatable") or get(node, "status.capacity") or {}
    total = Allocatable(allocatable)
    rows = []
    requests_sum, limits_sum = {}, {}
    for pod in pods:
        requests, limits = pod_requests_and_limits(pod)
        _add(requests_sum, requests)
        _add(limits_sum, limits)
        rows.append([pod["metadata"].get("namespace", ""),
                     Link(pod["metadata"]["name"], common.object_url(pod)),
                     total.share(CPU, requests), total.share(CPU, limits),
                     total.share(MEMORY, requests), total.share(MEMORY, limits),
                     printers.age(pod, now)])
    headers = ["Namespace", "Name", "CPU Requests", "CPU Limits", "Memory Requests",
               "Memory Limits", "Age"]
    allocated = [[resource, total.share(resource, requests_sum),
                  total.share(resource, limits_sum)]
                 for resource in (CPU, MEMORY, EPHEMERAL_STORAGE)]
    allocated += [[resource, quantity_text(resource, requests_sum.get(resource, 0)),
                   quantity_text(resource, limits_sum.get(resource, 0))]
                  for resource in sorted(allocatable) if resource.startswith("hugepages-")]
    return [Field("Non-terminated Pods", Table(headers, rows, f"({len(pods)} in total)")),
            Field("Allocated resources", Table(["Resource", "Requests", "Limits"], allocated,
                                               OVERCOMMITTED))]


def pod_requests_and_limits(pod):
    """resourcehelper.PodRequestsAndLimits: limits add up the way requests do."""
    spec = pod.get("spec") or {}

    def as_requests(containers):
        return [{"resources": {"requests": (c.get("resources") or {}).get("limits") or {}},
                 **({"restartPolicy": c["restartPolicy"]} if c.get("restartPolicy") else {})}
                for c in containers or ()]

    limits_spec = {"containers": as_requests(spec.get("containers")),
                   "initContainers": as_requests(spec.get("initContainers")),
                   "overhead": spec.get("overhead")}
    return pod_requests(spec), pod_requests(limits_spec)


def _add(into, values):
    for key, value in values.items():
        into[key] = into.get(key, 0) + value


def quantity_text(resource, amount):
    """A summed amount as a Quantity prints: cpu from millicores, the rest in bytes."""
    if resource == CPU:
        return str(Quantity(Fraction(amount, 1000), DECIMAL_SI))
    return str(Quantity(Fraction(amount), BINARY_SI))


class Allocatable:
    """What the node offers, to give each amount as kubectl does: `500m (12%)`."""

    def __init__(self, resources):
        self.amounts = {name: millicores(value) if name == CPU else int_value(value)
                        for name, value in resources.items()
                        if name in (CPU, MEMORY, EPHEMERAL_STORAGE)}

    def share(self, resource, values):
        amount, offered = values.get(resource, 0), self.amounts.get(resource, 0)
        percent = int(amount / offered * 100) if offered else 0
        return f"{quantity_text(resource, amount)} ({percent}%)"
