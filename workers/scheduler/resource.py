"""What a pod requests and a node offers, in the integers the scheduler compares (millicores and
bytes), as component-helpers' resource.PodRequests and the framework's Resource count them."""
from functools import lru_cache

from cluster.quantity import int_value, millicores

CPU, MEMORY, EPHEMERAL_STORAGE, PODS = "cpu", "memory", "ephemeral-storage", "pods"
# Scoring counts a container that requests no cpu or memory as asking this much
# (schedutil.DefaultMilliCPURequest, DefaultMemoryRequest), so empty pods do not pile up.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024


@lru_cache(maxsize=4096)
def _amount(name, quantity):
    """cpu in millicores, everything else in whole units; cached, as the same few strings recur."""
    return millicores(quantity) if name == CPU else int_value(quantity)


def amounts(resource_list):
    """A ResourceList ({"cpu": "100m", ...}) as {"cpu": 100, ...}."""
    return {name: _amount(name, q) for name, q in (resource_list or {}).items()}


class Resource:
    """framework.Resource: cpu, memory and ephemeral storage, plus scalar (extended) resources."""

    __slots__ = ("ephemeral_storage", "memory", "milli_cpu", "scalar")

    def __init__(self, milli_cpu=0, memory=0, ephemeral_storage=0, scalar=None):
        self.milli_cpu, self.memory, self.ephemeral_storage = milli_cpu, memory, ephemeral_storage
        self.scalar = scalar or {}

    @classmethod
    def of(cls, values):
        scalar = {k: v for k, v in values.items()
                  if k not in (CPU, MEMORY, EPHEMERAL_STORAGE, PODS)}
        return cls(values.get(CPU, 0), values.get(MEMORY, 0), values.get(EPHEMERAL_STORAGE, 0),
                   scalar)

    def add(self, other, sign=1):
        self.milli_cpu += sign * other.milli_cpu
        self.memory += sign * other.memory
        self.ephemeral_storage += sign * other.ephemeral_storage
        for name, value in other.scalar.items():
            self.scalar[name] = self.scalar.get(name, 0) + sign * value

    def copy(self):
        return Resource(self.milli_cpu, self.memory, self.ephemeral_storage, dict(self.scalar))


def pod_requests(spec, non_missing=None):
    """resource.PodRequests: containers add up; an init container runs alone (with the sidecars
    started before it), so it counts only if larger; sidecars run throughout; overhead on top.

    `non_missing` fills in what a container leaves unset (the scoring defaults)."""
    def requests_of(container):
        values = amounts((container.get("resources") or {}).get("requests"))
        return {**non_missing, **values} if non_missing else values

    total = {}
    for container in spec.get("containers") or ():
        _add(total, requests_of(container))
    sidecars, init_peak = {}, {}
    for container in spec.get("initContainers") or ():
        values = requests_of(container)
        if container.get("restartPolicy") == "Always":
            _add(total, values)
            _add(sidecars, values)
            values = dict(sidecars)
        else:
            values = _add(dict(values), sidecars)
        for name, value in values.items():
            init_peak[name] = max(init_peak.get(name, 0), value)
    for name, value in init_peak.items():
        total[name] = max(total.get(name, 0), value)
    return _add(total, amounts(spec.get("overhead")))


def non_zero_requests(spec):
    """The cpu and memory scoring counts: PodRequests with the defaults for what is unset."""
    values = pod_requests(spec, {CPU: DEFAULT_MILLI_CPU_REQUEST, MEMORY: DEFAULT_MEMORY_REQUEST})
    return values.get(CPU, 0), values.get(MEMORY, 0)


def _add(into, values):
    for name, value in values.items():
        into[name] = into.get(name, 0) + value
    return into
