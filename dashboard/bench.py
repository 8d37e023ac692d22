"""The measurements behind `manage.py bench_dashboard`: how long the cluster view takes to render
for a big cluster, and how long a store write takes to reach every open page as a fragment.

The cluster is written into the database the command set up; the latency is measured against a
real daphne serving it: websocket clients (the `websockets` package) connected as a browser's
htmx would, and writes through the HTTP API, as kubectl or a controller in another process would
make them.
"""
import asyncio
import http.client
import json
import statistics
import time
from urllib.parse import urlparse

from django.db import transaction
from django.template.loader import render_to_string

from cluster import store
from workers import operations

from . import fragments

NAMESPACE = "bench"
WATCHED_NODE = "node-000"  # its few pods show as chips: the label the writes change is visible
WATCHED_PODS = 10
READY = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
         "containerStatuses": [{"name": "app", "image": "registry.k8s.io/pause:3.10",
                                "ready": True, "restartCount": 0, "started": True,
                                "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}}]}


# --- the cluster ----------------------------------------------------------------------------------

def seed(nodes, pods):
    """`nodes` nodes and `pods` Ready pods: WATCHED_PODS on the first node, the rest spread."""
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    with transaction.atomic():
        for i in range(nodes):
            operations.add_node(f"node-{i:03d}", cpu="32", memory="128Gi", pods="110")
    placements = [(f"watch-{i}", WATCHED_NODE) for i in range(WATCHED_PODS)]
    placements += [(f"pod-{i:05d}", f"node-{1 + i % (nodes - 1):03d}")
                   for i in range(pods - WATCHED_PODS)]
    for start in range(0, len(placements), 500):
        with transaction.atomic():
            for name, node in placements[start:start + 500]:
                _ready_pod(name, node)


def _ready_pod(name, node):
    created = store.create({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app": "bench"}},
        "spec": {"nodeName": node, "containers": [{
            "name": "app", "image": "registry.k8s.io/pause:3.10",
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}})
    created["status"].update(READY)
    store.update(created, subresource="status")


# --- rendering the page ---------------------------------------------------------------------------

def render_seconds(runs):
    """The time to read the cluster and render the home page's template, in process: the first
    time (every pod's JSON decoded), and the median of `runs` after it (only changed pods)."""
    def once():
        start = time.perf_counter()
        context = fragments.page_context(fragments.CLUSTER, "")
        render_to_string("dashboard/cluster/home.html", {**context, "nav": "cluster"})
        return time.perf_counter() - start
    first = once()
    return first, statistics.median(once() for _ in range(runs))


def http_page_seconds(base, runs):
    """The median time to GET / from the server, whole body read; and its size in bytes."""
    url = urlparse(base)
    times, size = [], 0
    for _ in range(runs + 1):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        start = time.perf_counter()
        conn.request("GET", "/")
        response = conn.getresponse()
        size = len(response.read())
        times.append(time.perf_counter() - start)
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"GET / answered {response.status}")
    return statistics.median(times[1:]), size


# --- write-to-fragment latency ----------------------------------------------------------------------

def latency(base, clients, writes, spacing):
    """Seconds from just before each PATCH is sent until each client has the fragment holding
    its change: one sample per write and client."""
    return asyncio.run(_latency(base, clients, writes, spacing))


async def _latency(base, clients, writes, spacing):
    from websockets.asyncio.client import connect

    url = urlparse(base)
    revision = await asyncio.to_thread(_current_revision)
    uri = f"ws://{url.netloc}/ws/cluster?view=cluster&namespace=&revision={revision}"
    sockets = [await connect(uri, origin=base, max_size=None) for _ in range(clients)]
    try:
        await _drain(sockets)
        await _one_write(base, sockets, "watch-0", "warm-up")  # the first render compiles
        samples = []
        for i in range(writes):
            await asyncio.sleep(spacing)  # past the 250 ms window: coalescing adds no wait
            samples += await _one_write(base, sockets, f"watch-{i % WATCHED_PODS}", f"w{i}")
        return samples
    finally:
        for ws in sockets:
            await ws.close()


def _current_revision():
    from django.db import connection

    try:
        return store.current_revision()
    finally:
        connection.close()  # this thread is done with the database


async def _drain(sockets, quiet=0.5):
    """Read whatever the server sent on connecting (nothing, when the page is current)."""
    async def read(ws):
        try:
            while True:
                await asyncio.wait_for(ws.recv(), quiet)
        except TimeoutError:
            pass
    await asyncio.gather(*(read(ws) for ws in sockets))


async def _one_write(base, sockets, pod, value):
    marker = f"bench={value}"  # in the chip's title, with the pod's other labels

    async def arrival(ws):
        while marker not in await ws.recv():
            pass
        return time.perf_counter()

    waiting = [asyncio.ensure_future(arrival(ws)) for ws in sockets]
    start = time.perf_counter()
    await asyncio.to_thread(_patch_label, base, pod, value)
    arrivals = await asyncio.wait_for(asyncio.gather(*waiting), 30)
    return [t - start for t in arrivals]


def _patch_label(base, pod, value):
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("PATCH", f"/api/v1/namespaces/{NAMESPACE}/pods/{pod}",
                 json.dumps({"metadata": {"labels": {"bench": value}}}),
                 {"Content-Type": "application/merge-patch+json"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"PATCH {pod}: {response.status}")


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
