"""Services, Endpoints and EndpointSlices: addresses and ports."""
from .definitions import AGE, NAME, column, wide_column
from .fields import get, name
from .format import age, format_labels

SERVICE_COLUMNS = (
    NAME,
    column("Type", "type determines how the Service is exposed."),
    column("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned "
                         "randomly."),
    column("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster "
                          "will also accept traffic for this service."),
    column("Port(s)", "The list of ports that are exposed by this service."),
    AGE,
    wide_column("Selector", "Route service traffic to pods with label keys and values matching "
                            "this selector."),
)
ENDPOINTS_COLUMNS = (
    NAME,
    column("Endpoints", "The set of all endpoints is the union of all subsets."),
    AGE,
)
ENDPOINT_SLICE_COLUMNS = (
    NAME,
    column("AddressType", "addressType specifies the type of address carried by this "
                          "EndpointSlice."),
    column("Ports", "ports specifies the list of network ports exposed by each endpoint in "
                    "this slice."),
    column("Endpoints", "endpoints is a list of unique endpoints in this slice."),
    AGE,
)

LOAD_BALANCER_WIDTH = 16


def _load_balancer_ips(svc, wide):
    """loadBalancerStatusStringer: the ingress IPs (or host names), sorted; cut short unless
    wide."""
    ingress = get(svc, "status.loadBalancer.ingress") or ()
    text = ",".join(sorted({i.get("ip") or i.get("hostname") for i in ingress
                            if i.get("ip") or i.get("hostname")}))
    if not wide and len(text) > LOAD_BALANCER_WIDTH:
        text = text[:LOAD_BALANCER_WIDTH - 3] + "..."
    return text


def _external_ip(svc, service_type, wide):
    spec = svc.get("spec") or {}
    external = spec.get("externalIPs") or []
    if service_type in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if service_type == "LoadBalancer":
        balancer = _load_balancer_ips(svc, wide)
        if external:
            return ",".join((balancer.split(",") if balancer else []) + external)
        return balancer or "<pending>"
    if service_type == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def _service_ports(ports):
    """makePortString: `80/TCP`, `80:30080/TCP` with a node port."""
    text = ",".join(
        f"{p.get('port')}:{p['nodePort']}/{p.get('protocol', 'TCP')}" if p.get("nodePort")
        else f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in ports or ())
    return text or "<none>"


def service_cells(svc, now, wide):
    spec = svc.get("spec") or {}
    service_type = spec.get("type", "ClusterIP")  # as defaulting sets it
    cluster_ips = spec.get("clusterIPs") or [spec.get("clusterIP") or "<none>"]
    return [
        name(svc), service_type, cluster_ips[0], _external_ip(svc, service_type, wide),
        _service_ports(spec.get("ports")), age(svc, now), format_labels(spec.get("selector")),
    ]


def _host_port(host, port):
    """net.JoinHostPort: an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _format_endpoints(subsets, limit=3):
    """formatEndpoints: the first three `ip:port`s and how many more."""
    if not subsets:
        return "<none>"
    shown, count, more = [], 0, False
    for subset in subsets:
        addresses = [a.get("ip", "") for a in subset.get("addresses") or ()]
        # A headless service's subset may have no ports: its addresses alone.
        ports = [p.get("port", 0) for p in subset.get("ports") or ()] or [None]
        for port in ports:
            count += len(addresses)
            for ip in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(ip if port is None else _host_port(ip, port))
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if more else text


def endpoints_cells(obj, now, wide):
    return [name(obj), _format_endpoints(obj.get("subsets")), age(obj, now)]


def _first_of(items, limit=3):
    """The first `limit` items, `,`-joined, `+ N more...` after them; `<unset>` if none."""
    items = list(items)
    text = ",".join(items[:limit])
    if len(items) > limit:
        return f"{text} + {len(items) - limit} more..."
    return text or "<unset>"


def _port_text(port):
    if port.get("port") is not None:
        return str(port["port"])
    return port["name"] if port.get("name") is not None else "*"


def endpoint_slice_cells(obj, now, wide):
    ports = map(_port_text, obj.get("ports") or ())
    addresses = (a for e in obj.get("endpoints") or () for a in e.get("addresses") or ())
    return [name(obj), obj.get("addressType", ""), _first_of(ports), _first_of(addresses),
            age(obj, now)]
