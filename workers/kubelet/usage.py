"""Simulated resource usage, what the resource metrics API (`kubectl top`) would report.

A running container uses what its catalog image uses idle, or what `kubesim.io/cpu` and
`kubesim.io/memory` say, with a little noise that changes every metrics window (15 s) and is
the same for everyone asking within it. CPU is throttled at the container's limit. A node adds
what its system daemons (kubelet, containerd, the OS) use.
"""
import hashlib

from cluster import clock
from cluster.models import Pod
from cluster.quantity import millicores
from workers.models import PodRuntime

from . import behaviour
from .lifecycle import INIT, REGULAR

WINDOW_SECONDS = 15  # metrics-server's resolution
NOISE = 0.1  # ± this share of the usage
SYSTEM = {"cpu": 60, "memory": 500 * 1024 * 1024}


def pod_usage(pod, record=None, now=None):
    """{"cpu": millicores, "memory": bytes} used by the pod's running containers."""
    if record is None:
        record = PodRuntime.objects.filter(pod_uid=pod["metadata"]["uid"]).values_list(
            "state", flat=True).first() or {}
    now = clock.current().seconds() if now is None else now
    total = {"cpu": 0, "memory": 0}
    if record.get("done"):
        return total
    window = int(now // WINDOW_SECONDS)
    for kind in (INIT, REGULAR):
        for spec in pod["spec"].get(kind) or ():
            ctr = (record.get(kind) or {}).get(spec["name"])
            if not ctr or ctr["stage"] not in ("running", "stopping"):
                continue
            b = behaviour.for_container(pod, spec)
            seed = f"{ctr['run']['id']}:{window}"
            cpu = b.cpu * (1 + _noise(seed + ":cpu"))
            limit = ((spec.get("resources") or {}).get("limits") or {}).get("cpu")
            if limit is not None:
                cpu = min(cpu, millicores(limit))
            total["cpu"] += round(cpu)
            total["memory"] += round(b.memory * (1 + _noise(seed + ":memory") / 2))
    return total


def node_usage(node_name):
    """What the node uses: its system daemons and every pod bound to it."""
    now = clock.current().seconds()
    records = dict(PodRuntime.objects.filter(node_name=node_name).values_list("pod_uid", "state"))
    total = dict(SYSTEM)
    for pod in Pod.objects.on_node(node_name).objects():
        record = records.get(pod["metadata"]["uid"])
        if record:
            for name, value in pod_usage(pod, record, now).items():
                total[name] += value
    return total


def _noise(seed):
    """A deterministic number in [-NOISE, NOISE] for this seed."""
    value = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big") / 2 ** 32
    return (value * 2 - 1) * NOISE
