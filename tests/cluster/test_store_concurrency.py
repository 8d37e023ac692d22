"""Real concurrent writers, each thread on its own database connection.

Run with DATABASE_URL pointing at PostgreSQL (as .ci/run's second pass does) this is the proof that
racing writers lose no update; on SQLite it shows the same guarantees under its single-writer lock.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from cluster import kinds, store
from cluster.errors import AlreadyExists, Conflict

pytestmark = pytest.mark.django_db(transaction=True)

CM = kinds.lookup("configmaps")
WRITERS = 8


def run_concurrently(fn, n=WRITERS):
    """Run fn(i) on n threads released together; return their results (exceptions included)."""
    barrier = threading.Barrier(n)

    def worker(i):
        try:
            barrier.wait(timeout=30)
            return fn(i)
        except Exception as e:  # noqa: BLE001 - the test inspects what each writer got
            return e
        finally:
            connections.close_all()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(worker, range(n)))


def counter():
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "counter"},
            "data": {"n": "0"}}


def test_racing_read_modify_writes_lose_no_update():
    store.create(counter())
    increments = 15

    def bump(obj):
        obj["data"]["n"] = str(int(obj["data"]["n"]) + 1)

    def writer(_):
        done = 0
        while done < increments:
            try:
                store.guaranteed_update(CM, "default", "counter", bump)
                done += 1
            except Conflict:
                continue  # a controller would requeue the key
        return done

    results = run_concurrently(writer)
    assert results == [increments] * WRITERS
    assert store.get(CM, "default", "counter")["data"]["n"] == str(increments * WRITERS)


def test_writers_holding_the_same_resource_version_one_wins():
    stale = store.create(counter())

    def writer(i):
        return store.update({**stale, "data": {"n": str(i + 1)}})

    results = run_concurrently(writer)
    winners = [r for r in results if isinstance(r, dict)]
    assert len(winners) == 1, results
    assert all(isinstance(r, Conflict) for r in results if r not in winners)
    assert store.get(CM, "default", "counter") == winners[0]


def test_racing_creates_of_one_name_make_one_object():
    results = run_concurrently(lambda i: store.create({**counter(), "data": {"by": str(i)}}))
    assert sum(isinstance(r, dict) for r in results) == 1, results
    assert sum(isinstance(r, AlreadyExists) for r in results) == WRITERS - 1


def test_concurrent_writes_get_unique_revisions_committed_in_order():
    start = store.current_revision()

    def writer(i):
        return [store.create({**counter(), "metadata": {"name": f"c-{i}-{j}"}})
                for j in range(10)]

    results = run_concurrently(writer)
    revisions = sorted(int(o["metadata"]["resourceVersion"]) for batch in results for o in batch)
    assert revisions == list(range(start + 1, start + 1 + WRITERS * 10))
    logged = [r for r, _, _ in store.changes_since(start, limit=1000)]
    assert logged == revisions  # the change log has every revision, in order, without gaps


def test_runs_on_the_configured_database():
    # The PostgreSQL pass of .ci/run must really exercise PostgreSQL's locking, not SQLite's.
    import os

    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
