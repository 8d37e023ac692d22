"""manage.py bench_dashboard: the cluster view's render time for a big cluster, and the latency
from a store write to the changed fragment arriving at 1 and at 50 websocket clients.

Like `manage.py bench` it works in a throwaway database (cluster.benchdb: a temporary SQLite
file, or a PostgreSQL database whose name ends in `_bench`), and starts its own daphne on a free
port with the control plane off: the only writes are the benchmark's.
"""
import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cluster import benchdb
from cluster.management.commands.bench import _machine, _table
from dashboard import bench

LATENCY_TARGET = 0.100  # p95 at 50 clients: the limit at which a response still feels instant
RENDER_TARGET = 1.0  # the whole cluster view, 100 nodes and 3,000 pods


class Command(BaseCommand):
    help = "Benchmark the live cluster view in a throwaway database."

    def add_arguments(self, parser):
        parser.add_argument("--nodes", type=int, default=100)
        parser.add_argument("--pods", type=int, default=3000)
        parser.add_argument("--clients", default="1,50", help="websocket clients, per round")
        parser.add_argument("--writes", type=int, default=40, help="writes per round")
        parser.add_argument("--spacing", type=float, default=0.3,
                            help="seconds between writes (past the 250 ms coalescing window)")
        parser.add_argument("--runs", type=int, default=5, help="page renders per median")
        parser.add_argument("--database-url",
                            help="run on this database instead (PostgreSQL, name ending in _bench)")
        parser.add_argument("--redis-url",
                            help="the server's channel layer on this Redis (channels_redis), "
                                 "as in distributed mode; default: in memory, as embedded")
        parser.add_argument("--skip-if-unreachable", action="store_true")

    def handle(self, **o):
        if o["database_url"]:
            return self.rerun(o)
        database = benchdb.scratch_database(self.stdout, o["skip_if_unreachable"])
        if database is None:
            return
        settings.KUBESIM_CONTROL_PLANE = "off"
        with database as (label, server_env):
            self.stdout.write(f"Kubesim dashboard bench, {_machine()}\n{label}\n")
            rows = self.measure(o, server_env)
        self.stdout.write(_table(rows))

    def rerun(self, o):
        """Settings are read once, at start: run again with DATABASE_URL set."""
        args = [f"--{name.replace('_', '-')}={o[name]}" for name in (
            "nodes", "pods", "clients", "writes", "spacing", "runs", "redis_url") if o[name]]
        args += ["--skip-if-unreachable"] if o["skip_if_unreachable"] else []
        done = subprocess.run(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_dashboard", *args],
            env={**os.environ, "DATABASE_URL": o["database_url"]}, check=False)
        if done.returncode:
            raise CommandError(f"the benchmark on {o['database_url']} failed")

    def measure(self, o, server_env):
        progress, rows = self.stderr.write, []
        progress(f"seeding {o['nodes']} nodes and {o['pods']:,} pods ...")
        bench.seed(o["nodes"], o["pods"])
        what = f"{o['nodes']} nodes, {o['pods']:,} pods"
        first, seconds = bench.render_seconds(o["runs"])
        rows.append((f"cluster view render, {what}, in process: first", f"{first * 1000:.0f} ms",
                     "every pod decoded", _verdict(first, RENDER_TARGET)))
        rows.append((f"cluster view render, {what}, in process: again", f"{seconds * 1000:.0f} ms",
                     f"median of {o['runs']}", _verdict(seconds, RENDER_TARGET)))
        connection.close()  # the server has the database to itself from here
        env = {**server_env, "LOG_LEVEL": "WARNING", "REDIS_URL": o["redis_url"] or ""}
        layer = "channels_redis" if o["redis_url"] else "in-memory channel layer"
        progress(f"starting daphne ({layer}) ...")
        with benchdb.daphne(env) as base:
            seconds, size = bench.http_page_seconds(base, o["runs"])
            rows.append((f"GET / over HTTP, {what}", f"{seconds * 1000:.0f} ms",
                         f"median of {o['runs']}, {size / 1024:,.0f} KiB",
                         _verdict(seconds, RENDER_TARGET)))
            for clients in (int(c) for c in o["clients"].split(",") if c):
                progress(f"{clients} websocket clients, {o['writes']} writes ...")
                samples = bench.latency(base, clients, o["writes"], o["spacing"])
                rows += _latency_rows(clients, samples, layer)
        return rows


def _latency_rows(clients, samples, layer):
    p50, p95 = bench.percentile(samples, 50), bench.percentile(samples, 95)
    detail = f"{len(samples)} arrivals, max {max(samples) * 1000:.0f} ms, {layer}"
    target = _verdict(p95, LATENCY_TARGET) if clients >= 50 else None
    return [(f"write → fragment, {clients} client{'s' if clients > 1 else ''}: p50",
             f"{p50 * 1000:.1f} ms", detail, None),
            (f"write → fragment, {clients} client{'s' if clients > 1 else ''}: p95",
             f"{p95 * 1000:.1f} ms", "", target)]


def _verdict(seconds, target):
    return f"<= {target * 1000:.0f} ms: {'met' if seconds <= target else 'MISSED'}"
