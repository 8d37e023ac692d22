"""NodePorts: a pod's host ports must be free on the node."""
from ..framework import SKIP, UNSCHEDULABLE, Status

NAME = "NodePorts"
ERR_REASON = "node(s) didn't have free ports for the requested pod ports"
_REJECTED = Status(UNSCHEDULABLE, ERR_REASON, plugin=NAME)
_ALL_IPS = "0.0.0.0"


class NodePorts:
    name = NAME

    def pre_filter(self, state, pod, snapshot):
        return None if pod.host_ports else SKIP

    def filter(self, state, pod, node):
        for ip, protocol, port in pod.host_ports:
            for used_ip, used_protocol, used_port in node.used_ports:
                # HostPortInfo.CheckConflict: 0.0.0.0 conflicts with every address.
                if ((port, protocol) == (used_port, used_protocol)
                        and (ip == used_ip or _ALL_IPS in (ip, used_ip))):
                    return _REJECTED
        return None
