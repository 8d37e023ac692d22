"""manage.py bench: the store's write, LIST and watch speed, beside its database's raw insert rate.

It never touches the configured data: see cluster.benchdb for the throwaway database it works in.
"""
import cProfile
import datetime
import io
import os
import platform
import pstats
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cluster import bench, benchdb, store

WRITE_OVERHEAD_TARGET = 3.0  # the store's creates and updates: at most 3x slower than raw inserts
LIST_TARGET_SECONDS = 1.0


class Command(BaseCommand):
    help = "Benchmark the cluster store in a throwaway database (never the configured one's data)."

    def add_arguments(self, parser):
        parser.add_argument("--writes", type=int, default=2000,
                            help="rows inserted, pods created and pods updated per rate (2000)")
        parser.add_argument("--pods", type=int, default=10_000, help="pods in the LISTed namespace")
        parser.add_argument("--watchers", type=int, default=10, help="concurrent watchers (10)")
        parser.add_argument("--runs", type=int, default=5, help="LISTs per median (5)")
        parser.add_argument("--no-http", action="store_true", help="skip the HTTP API measurements")
        parser.add_argument("--profile", action="store_true",
                            help="cProfile store.create and store.update; print the top functions")
        parser.add_argument("--skip-if-unreachable", action="store_true",
                            help="PostgreSQL down: say so and exit 0 (for `make bench`)")

    def handle(self, **options):
        if options["pods"] < options["writes"]:
            raise CommandError("--pods must be at least --writes")
        database = benchdb.scratch_database(self.stdout, options["skip_if_unreachable"])
        if database is None:
            return
        with database as (label, server_env):
            self.stdout.write(f"Kubesim bench, {_machine()}\n{label}\n")
            profile = cProfile.Profile() if options["profile"] else None
            rows, details = self.measure(options, server_env, profile)
        self.stdout.write(_table(rows))
        if profile:
            self.stdout.write(_profile_report(profile, details))

    def measure(self, o, server_env, profile):
        """The table's rows, and (when profiling) the SQL of one create and update and the time
        validation takes alone."""
        n, watchers, runs, progress = o["writes"], o["watchers"], o["runs"], self.stderr.write

        progress(f"raw inserts ({n}) ...")
        raw = bench.raw_inserts(n)
        floor = bench.raw_store_floor(n)
        rows = [("raw INSERT + COMMIT, 1 row per transaction", f"{raw:,.0f} rows/s", "", None),
                ("raw counter UPDATE + 2 INSERTs + COMMIT", f"{floor:,.0f} /s",
                 f"the store's minimum SQL: raw inserts are {raw / floor:.1f}x faster", None)]

        bench.create_namespace()
        progress(f"store.create ({n}) ...")
        with _profiling(profile):
            rate, pods = bench.creates(n)
        rows.append(_write_row("store.create, 1 Pod per transaction", rate, raw))
        progress(f"store.update ({n}) ...")
        updated_after = store.current_revision()
        with _profiling(profile):
            rate = bench.updates(pods)
        rows.append(_write_row("store.update, 1 Pod per transaction", rate, raw))
        details = None
        if profile:  # what the profile report explains the time with
            details = {"sql": bench.statements_per_write(), "validation": bench.validation_seconds()}

        progress(f"{watchers} store watchers reading the {n} updates ...")
        delivered = bench.store_watch(updated_after, n, watchers)
        rows.append(_watch_row(f"{watchers} threads reading store.changes_since", delivered, n))

        progress(f"filling the namespace to {o['pods']} pods, LIST x {runs} ...")
        bench.fill(o["pods"], n)
        seconds = bench.list_latency(o["pods"], runs)
        rows.append(_list_row(f"LIST {o['pods']:,} pods, store.list_objects", seconds, runs))

        if o["no_http"]:
            return rows, details
        if not bench.api_available():
            rows.append(("HTTP LIST and watch", "not measured", "the API serves no pods yet", None))
            return rows, details
        progress("starting daphne: LIST and watch over HTTP ...")
        with benchdb.daphne(server_env) as base:
            seconds = bench.http_list_latency(base, o["pods"], runs)
            rows.append(_list_row(f"LIST {o['pods']:,} pods, HTTP via daphne", seconds, runs))
            delivered = bench.http_watch(base, updated_after, n, watchers)
            rows.append(_watch_row(f"{watchers} HTTP ?watch=1 streams from daphne", delivered, n))
        return rows, details


# --- the report ------------------------------------------------------------------------------------

@contextmanager
def _profiling(profile):
    if profile is None:
        yield
        return
    profile.enable()
    try:
        yield
    finally:
        profile.disable()


def _profile_report(profile, details):
    """Where store.create and store.update spend their time: their SQL, the store's steps, then
    the hot spots."""
    out = io.StringIO()
    for write, sqls in details["sql"].items():
        out.write(f"\nSQL of one store.{write} ({len(sqls)} statements):\n")
        out.writelines(f"  {sql[:150]}\n" for sql in sqls)
    out.write(f"\nstrategy.validate_create of one Pod, alone and unprofiled: {details['validation'] * 1000:.2f} ms\n")
    stats = pstats.Stats(profile, stream=out)
    out.write("\nstore.create + store.update under cProfile (it slows the rates above), "
              "by cumulative time, the store's own steps:\n")
    stats.sort_stats("cumulative").print_stats(r"cluster/(store|strategy)\.py|commit|execute_sql", 30)
    out.write("\n... and by own time:\n")
    stats.sort_stats("tottime").print_stats(15)
    return out.getvalue()


def _write_row(what, rate, raw):
    overhead = raw / rate
    return (what, f"{rate:,.0f} /s", f"raw inserts are {overhead:.1f}x faster",
            _verdict(overhead, WRITE_OVERHEAD_TARGET, "x"))


def _list_row(what, seconds, runs):
    return what, f"{seconds:.3f} s", f"median of {runs}", _verdict(seconds, LIST_TARGET_SECONDS, "s")


def _watch_row(what, delivered, n):
    return f"watch: {what}", f"{delivered:,.0f} events/s", f"each catches up on the {n} updates", None


def _verdict(value, target, unit):
    return f"<= {target:g}{unit}: {'met' if value <= target else 'MISSED'}"


def _table(rows):
    widths = [max(len(r[i] or "") for r in rows) for i in range(3)]
    lines = []
    for what, result, detail, target in rows:
        cells = [what.ljust(widths[0]), result.rjust(widths[1]), (detail or "").ljust(widths[2]),
                 target or ""]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _machine():
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    # The load average says whether other work shared the cores while this ran.
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{when}: {model}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, load average {load}")
