"""manage.py bench_control_plane: the scheduler's throughput, a 10,000-replica Deployment to
Running with zero simulated delays, and the memory simulated nodes take.

Like `manage.py bench` it works in a throwaway database (cluster.benchdb: a temporary SQLite
file, or a PostgreSQL database whose name ends in `_bench`), never the configured one's data.
"""
from django.conf import settings
from django.core.management.base import BaseCommand

from cluster import benchdb
from cluster.management.commands.bench import _machine, _table
from workers import bench

SCHEDULING_TARGET = 300  # pods/s on 1,000 nodes
RUNNING_TARGET_SECONDS = 120  # 10,000 pods Running


class Command(BaseCommand):
    help = "Benchmark the control plane in a throwaway database."

    def add_arguments(self, parser):
        parser.add_argument("--pods", type=int, default=10_000, help="pending pods to schedule")
        parser.add_argument("--nodes", default="100,1000,5000", help="node counts to schedule on")
        parser.add_argument("--replicas", type=int, default=10_000, help="the Deployment's size")
        parser.add_argument("--memory-nodes", type=int, default=1000)
        parser.add_argument("--skip-if-unreachable", action="store_true")

    def handle(self, **o):
        database = benchdb.scratch_database(self.stdout, o["skip_if_unreachable"])
        if database is None:
            return
        settings.KUBESIM_CONTROL_PLANE = "off"  # the inline driver runs the loops, nothing else
        settings.KUBESIM_ZERO_DELAYS = True
        with database as (label, _):
            self.stdout.write(f"Kubesim control-plane bench, {_machine()}\n{label}\n")
            rows = self.measure(o)
        self.stdout.write(_table(rows))

    def measure(self, o):
        progress, rows = self.stderr.write, []
        n = o["memory_nodes"]
        if n:
            progress(f"{n} nodes: registering and syncing their kubelets ...")
            grown = bench.kubelet_memory(n)
            rows.append((f"memory: {n:,} simulated nodes (peak RSS growth)",
                         f"{grown / 2**20:,.1f} MiB", "one worker process, kubelets synced once",
                         None))
        for nodes in (int(x) for x in o["nodes"].split(",") if x):
            bench.clear_cluster()
            progress(f"scheduling {o['pods']:,} pods on {nodes:,} nodes: setting up ...")
            bench.add_nodes(nodes)
            bench.pending_pods(o["pods"])
            progress("scheduling ...")
            rate = bench.scheduling_rate()
            target = nodes == 1000
            rows.append((f"scheduler: {o['pods']:,} pending pods on {nodes:,} nodes",
                         f"{rate:,.0f} pods/s", "", _verdict(rate >= SCHEDULING_TARGET,
                                                             f">= {SCHEDULING_TARGET}/s")
                         if target else None))
        bench.clear_cluster()
        nodes = -(-o["replicas"] // 100)
        progress(f"Deployment of {o['replicas']:,} on {nodes} nodes to Running ...")
        bench.add_nodes(nodes)
        seconds, running = bench.deployment_to_running(o["replicas"])
        rows.append((f"Deployment of {o['replicas']:,} replicas to Running, zero delays",
                     f"{seconds:,.1f} s", f"{running:,} Running",
                     _verdict(running == o["replicas"] and seconds <= RUNNING_TARGET_SECONDS,
                              f"<= {RUNNING_TARGET_SECONDS}s")))
        return rows


def _verdict(met, target):
    return f"{target}: {'met' if met else 'MISSED'}"
