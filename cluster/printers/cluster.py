"""The cluster's own objects: Nodes, Namespaces and Leases."""
from .definitions import AGE, NAME, column, wide_column
from .fields import get, name
from .format import age

NODE_ADDRESSES_DOC = "List of addresses reachable to the node."
NODE_COLUMNS = (
    NAME,
    column("Status", "The status of the node"),
    column("Roles", "The roles of the node"),
    AGE,
    column("Version", "Kubelet Version reported by the node."),
    wide_column("Internal-IP", NODE_ADDRESSES_DOC),
    wide_column("External-IP", NODE_ADDRESSES_DOC),
    wide_column("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian "
                            "GNU/Linux 7 (wheezy))."),
    wide_column("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. "
                                  "3.16.0-0.bpo.4-amd64)."),
    wide_column("Container-Runtime", "ContainerRuntime Version reported by the node through "
                                     "runtime remote API (e.g. containerd://1.4.2)."),
)
NAMESPACE_COLUMNS = (NAME, column("Status", "The status of the namespace"), AGE)
LEASE_COLUMNS = (
    NAME,
    column("Holder", "holderIdentity contains the identity of the holder of a current lease."),
    AGE,
)

NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
NODE_ROLE_LABEL = "kubernetes.io/role"


def node_status(node):
    """The STATUS column of a node: `Ready`, `NotReady` or `Unknown`, `,SchedulingDisabled`."""
    ready = [c for c in get(node, "status.conditions", ()) if c.get("type") == "Ready"]
    if not ready:
        status = ["Unknown"]
    else:  # the last Ready condition wins, as upstream's condition map has it
        status = ["Ready" if ready[-1].get("status") == "True" else "NotReady"]
    if get(node, "spec.unschedulable"):
        status.append("SchedulingDisabled")
    return ",".join(status)


def node_roles(node):
    """The ROLES column: from node-role.kubernetes.io/<role> and kubernetes.io/role labels."""
    roles = set()
    for key, value in (get(node, "metadata.labels") or {}).items():
        if key.startswith(NODE_ROLE_PREFIX) and key[len(NODE_ROLE_PREFIX):]:
            roles.add(key[len(NODE_ROLE_PREFIX):])
        elif key == NODE_ROLE_LABEL and value:
            roles.add(value)
    return ",".join(sorted(roles)) or "<none>"


def _node_address(node, address_type):
    return next((a.get("address") for a in get(node, "status.addresses") or ()
                 if a.get("type") == address_type), "<none>")


def node_cells(node, now, wide):
    info = get(node, "status.nodeInfo") or {}
    return [
        name(node), node_status(node), node_roles(node), age(node, now),
        info.get("kubeletVersion", ""),
        _node_address(node, "InternalIP"), _node_address(node, "ExternalIP"),
        info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


def namespace_cells(obj, now, wide):
    return [name(obj), get(obj, "status.phase", ""), age(obj, now)]


def lease_cells(obj, now, wide):
    return [name(obj), get(obj, "spec.holderIdentity", ""), age(obj, now)]
