"""The measurements behind `manage.py bench`: the store against the raw speed of its database.

Every function runs against Django's default connection, which the command has pointed at a
throwaway database first. Each returns plain numbers; the command prints them.
"""
import http.client
import json
import statistics
import threading
import time
from urllib.parse import urlparse

from django.db import connection, transaction
from django.urls import Resolver404, resolve

from . import kinds, store, strategy

POD = kinds.BY_KIND[("", "Pod")]
NAMESPACE = "bench"


def pod(name):
    """A small Pod, as a Deployment's template would give (about 300 bytes of JSON)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app": "bench", "tier": "web"}},
        "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10",
                                 "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]},
    }


def _rate(n, seconds):
    return n / seconds if seconds else float("inf")


def raw_inserts(n):
    """Rows/s of single-row INSERT + COMMIT into a scratch table: the floor under any store write."""
    body = json.dumps(pod("raw"))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_scratch (id BIGINT PRIMARY KEY, body TEXT NOT NULL)")
    try:
        start = time.perf_counter()
        for i in range(n):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("INSERT INTO bench_scratch (id, body) VALUES (%s, %s)", [i, body])
        return _rate(n, time.perf_counter() - start)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_scratch")


def raw_store_floor(n):
    """Writes/s of the least any store write must do, in raw SQL: take a revision from a counter
    row, insert the object, insert its change-log row, commit. Where the store's overhead stops
    being the database's and starts being Python's."""
    body = json.dumps(pod("raw"))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_counter (id INTEGER PRIMARY KEY, revision BIGINT NOT NULL)")
        cursor.execute("INSERT INTO bench_counter (id, revision) VALUES (1, 0)")
        cursor.execute("CREATE TABLE bench_objects (id BIGINT PRIMARY KEY, body TEXT NOT NULL)")
        cursor.execute("CREATE TABLE bench_log (revision BIGINT PRIMARY KEY, body TEXT NOT NULL)")
    try:
        start = time.perf_counter()
        for i in range(n):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("UPDATE bench_counter SET revision = revision + 1 WHERE id = 1 "
                               "RETURNING revision")
                revision = cursor.fetchone()[0]
                cursor.execute("INSERT INTO bench_objects (id, body) VALUES (%s, %s)", [i, body])
                cursor.execute("INSERT INTO bench_log (revision, body) VALUES (%s, %s)", [revision, body])
        return _rate(n, time.perf_counter() - start)
    finally:
        with connection.cursor() as cursor:
            for table in ("bench_counter", "bench_objects", "bench_log"):
                cursor.execute(f"DROP TABLE {table}")


def create_namespace():
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})


def creates(n, first=0):
    """(creates/s, the created pods): one store.create per transaction, as a controller's."""
    created = []
    start = time.perf_counter()
    for i in range(first, first + n):
        created.append(store.create(pod(f"pod-{i:05d}")))
    return _rate(n, time.perf_counter() - start), created


def updates(pods):
    """Updates/s of store.update with the resourceVersion the client holds (a label changes).

    Each is a read and a write transaction, as a controller's update from its informer cache.
    """
    start = time.perf_counter()
    for obj in pods:
        obj["metadata"]["labels"]["updated"] = "yes"
        store.update(obj)
    return _rate(len(pods), time.perf_counter() - start)


def fill(total, have, batch=500):
    """Top the namespace up to `total` pods through the store, many creates per commit (fast)."""
    for first in range(have, total, batch):
        with transaction.atomic():
            for i in range(first, min(first + batch, total)):
                store.create(pod(f"pod-{i:05d}"))


def statements_per_write():
    """The SQL one store.create and one store.update execute: {"create": [sql, ...], ...}."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as created:
        obj = store.create(pod("statements"))
    obj["metadata"]["labels"]["updated"] = "yes"
    with CaptureQueriesContext(connection) as updated:
        store.update(obj)
    store.delete(POD, NAMESPACE, "statements")
    return {"create": [q["sql"] for q in created.captured_queries],
            "update": [q["sql"] for q in updated.captured_queries]}


def validation_seconds(n=1000):
    """Seconds one Pod's validation takes alone (defaulted first, as the store does), unprofiled."""
    pods = [pod(f"validated-{i}") for i in range(n)]
    for obj in pods:
        strategy.prepare_for_create(POD, obj)
    start = time.perf_counter()
    for obj in pods:
        strategy.validate_create(POD, obj)
    return (time.perf_counter() - start) / n


def median_seconds(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def list_latency(expected, runs=5):
    """Median seconds of store.list_objects for the namespace (it must hold `expected` pods)."""
    count = len(store.list_objects(POD, NAMESPACE).items)
    assert count == expected, f"{count} pods listed, {expected} expected"
    return median_seconds(lambda: store.list_objects(POD, NAMESPACE), runs)


# --- watchers -----------------------------------------------------------------------------------

def _concurrently(watchers, follow):
    """Seconds until `watchers` threads running `follow(ready)` have all returned.

    The clock starts once every thread is running and waits on `ready` (a barrier), so thread
    start-up is not counted.
    """
    ready = threading.Barrier(watchers + 1)
    errors = []

    def run():
        try:
            follow(ready)
        except Exception as e:  # noqa: BLE001 (re-raised by the caller, not lost in the thread)
            errors.append(e)
            ready.abort()
        finally:
            connection.close()  # each thread has its own database connection

    threads = [threading.Thread(target=run, daemon=True) for _ in range(watchers)]
    for t in threads:
        t.start()
    try:
        ready.wait(timeout=30)
    except threading.BrokenBarrierError:
        for t in threads:
            t.join(timeout=5)
        raise (errors[0] if errors else RuntimeError("the watchers did not start")) from None
    start = time.perf_counter()
    for t in threads:
        t.join(timeout=300)
    if errors:
        raise errors[0]
    if any(t.is_alive() for t in threads):
        raise RuntimeError("a watcher did not see every event within 300 s")
    return time.perf_counter() - start


def store_watch(from_revision, wanted, watchers, batch=500):
    """Events/s delivered to `watchers` threads, each reading store.changes_since in batches.

    They catch up from `from_revision` until each has seen `wanted` Pod events (the benchmark
    wrote them before). Reading while writing in this one process would measure the GIL
    hand-offs between the threads instead: real watchers serve from other processes.
    """
    def follow(ready):
        ready.wait(timeout=30)
        revision, seen = from_revision, 0
        while seen < wanted:
            events = store.changes_since(revision, kind=POD, namespace=NAMESPACE, limit=batch)
            if not events:
                raise RuntimeError(f"only {seen} of {wanted} events after revision {from_revision}")
            revision, seen = events[-1][0], seen + len(events)

    return _rate(watchers * wanted, _concurrently(watchers, follow))


# --- over HTTP, when the API serves it ------------------------------------------------------------

def api_available():
    try:
        resolve(f"/api/v1/namespaces/{NAMESPACE}/pods")
        return True
    except Resolver404:
        return False


def _get(base, path, timeout=60):
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GET {path}: {resp.status} {body[:300]!r}")
        return body
    finally:
        conn.close()


def http_list_latency(base, expected, runs=5):
    path = f"/api/v1/namespaces/{NAMESPACE}/pods"
    count = len(json.loads(_get(base, path))["items"])
    assert count == expected, f"{count} pods listed over HTTP, {expected} expected"
    return median_seconds(lambda: _get(base, path), runs)


def http_watch(base, from_revision, wanted, watchers):
    """Events/s delivered to `watchers` real `?watch=1` streams, catching up from `from_revision`."""
    url = urlparse(base)

    def follow(ready):
        revision, seen, waited = from_revision, 0, False
        while seen < wanted:  # a stream the server ends is resumed from the last revision seen
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
            conn.request("GET", f"/api/v1/namespaces/{NAMESPACE}/pods?watch=1"
                                f"&resourceVersion={revision}&timeoutSeconds=300")
            if not waited:  # the stream replays from `revision`: no need to wait for headers
                ready.wait(timeout=30)
                waited = True
            resp = conn.getresponse()
            if resp.status != 200:
                raise RuntimeError(f"watch: {resp.status} {resp.read()[:300]!r}")
            while seen < wanted and (line := resp.readline()):
                event = json.loads(line)
                if event["type"] in ("ADDED", "MODIFIED", "DELETED"):
                    revision = int(event["object"]["metadata"]["resourceVersion"])
                    seen += 1
                elif event["type"] == "ERROR":
                    raise RuntimeError(f"watch error: {event['object']}")
            conn.close()

    return _rate(watchers * wanted, _concurrently(watchers, follow))
