"""cluster.printers.networking: services, endpoints and endpoint slices."""
from .objects import meta, row


def service(service_type="ClusterIP", ports=({"port": 80, "protocol": "TCP"},), **spec):
    return {"metadata": meta(), "spec": {"type": service_type, "clusterIP": "10.96.12.34",
                                         "clusterIPs": ["10.96.12.34"], "ports": list(ports),
                                         "selector": {"app": "web"}, **spec}}


def test_service_rows():
    assert row("Service", service()) == ["web", "ClusterIP", "10.96.12.34", "<none>", "80/TCP",
                                         "5m", "app=web"]
    node_port = service("NodePort", [{"port": 80, "nodePort": 30080, "protocol": "TCP"},
                                     {"port": 53, "protocol": "UDP"}], externalIPs=["1.2.3.4"])
    assert row("Service", node_port, wide=False)[1:5] == [
        "NodePort", "10.96.12.34", "1.2.3.4", "80:30080/TCP,53/UDP"]
    headless = service(ports=(), clusterIP="None", clusterIPs=["None"], selector={})
    assert row("Service", headless)[2:] == ["None", "<none>", "<none>", "5m", "<none>"]
    named = service("ExternalName", ports=(), externalName="db.example.com", clusterIPs=[])
    named["spec"].pop("clusterIP")
    assert row("Service", named)[1:4] == ["ExternalName", "<none>", "db.example.com"]


def test_load_balancer_external_ips():
    pending = service("LoadBalancer")
    assert row("Service", pending)[3] == "<pending>"
    balanced = service("LoadBalancer", externalIPs=["192.0.2.1"])
    balanced["status"] = {"loadBalancer": {"ingress": [
        {"ip": "203.0.113.10"}, {"hostname": "lb.example.com"}, {"ip": "203.0.113.10"}]}}
    assert row("Service", balanced)[3] == "203.0.113.10,lb.example.com,192.0.2.1"
    # Without -o wide a long balancer address list is cut at 16 characters.
    assert row("Service", balanced, wide=False)[3] == "203.0.113.10,..." + ",192.0.2.1"
    balanced["spec"]["externalIPs"] = []
    assert row("Service", balanced, wide=False)[3] == "203.0.113.10,..."


def test_endpoints_rows():
    ep = {"metadata": meta(), "subsets": [
        {"addresses": [{"ip": "10.244.1.5"}, {"ip": "10.244.2.6"}],
         "notReadyAddresses": [{"ip": "10.244.1.9"}],
         "ports": [{"name": "http", "port": 80}, {"name": "metrics", "port": 9090}]}]}
    assert row("Endpoints", ep) == [
        "web", "10.244.1.5:80,10.244.2.6:80,10.244.1.5:9090 + 1 more...", "5m"]
    headless = {"metadata": meta(), "subsets": [{"addresses": [{"ip": "fd00::5"}]}]}
    assert row("Endpoints", headless)[1] == "fd00::5"
    v6 = {"metadata": meta(), "subsets": [{"addresses": [{"ip": "fd00::5"}],
                                           "ports": [{"port": 80}]}]}
    assert row("Endpoints", v6)[1] == "[fd00::5]:80"
    assert row("Endpoints", {"metadata": meta()})[1] == "<none>"


def test_endpoint_slice_rows():
    es = {"metadata": meta("web-abc12"), "addressType": "IPv4",
          "ports": [{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "grpc"}, {}],
          "endpoints": [{"addresses": [f"10.244.1.{i}"], "conditions": {"ready": True}}
                        for i in range(5)]}
    assert row("EndpointSlice", es) == [
        "web-abc12", "IPv4", "80,grpc,*", "10.244.1.0,10.244.1.1,10.244.1.2 + 2 more...", "5m"]
    es["ports"].append({"port": 8443})
    assert row("EndpointSlice", es)[2] == "80,grpc,* + 1 more..."
    empty = {"metadata": meta("web-none"), "addressType": "IPv4", "ports": None,
             "endpoints": []}
    assert row("EndpointSlice", empty)[2:4] == ["<unset>", "<unset>"]
