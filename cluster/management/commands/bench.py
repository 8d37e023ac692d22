"""manage.py bench: the store's write, LIST and watch speed, beside its database's raw insert rate.

It never touches the configured data. On SQLite it works in a temporary file (with the same WAL
settings); on PostgreSQL only in a database whose name ends in `_bench`, which it drops and
recreates, and drops again at the end.
"""
import cProfile
import datetime
import io
import os
import platform
import pstats
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from cluster import bench, store

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
        db = settings.DATABASES["default"]
        if connection.vendor == "sqlite":
            database = _temporary_sqlite(db)
        elif connection.vendor == "postgresql":
            if not _postgres_reachable(db):
                where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
                if options["skip_if_unreachable"]:
                    self.stdout.write(f"PostgreSQL is not reachable at {where}: skipped.")
                    return
                raise CommandError(f"PostgreSQL is not reachable at {where}")
            database = _scratch_postgres(db)
        else:
            raise CommandError(f"no benchmark for {connection.vendor}")
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
        with _daphne(server_env) as base:
            seconds = bench.http_list_latency(base, o["pods"], runs)
            rows.append(_list_row(f"LIST {o['pods']:,} pods, HTTP via daphne", seconds, runs))
            delivered = bench.http_watch(base, updated_after, n, watchers)
            rows.append(_watch_row(f"{watchers} HTTP ?watch=1 streams from daphne", delivered, n))
        return rows, details


# --- the throwaway database --------------------------------------------------------------------

def _migrate():
    connection.close()
    call_command("migrate", verbosity=0, interactive=False)


@contextmanager
def _temporary_sqlite(db):
    with tempfile.TemporaryDirectory(prefix="kubesim-bench-") as data_dir:
        connection.close()
        # Same file name settings.py gives a KUBESIM_DATA_DIR, so a server started with
        # KUBESIM_DATA_DIR=data_dir opens this very database.
        db["NAME"] = os.path.join(data_dir, "kubesim.sqlite3")
        _migrate()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[cursor.fetchone()[0]]
        label = (f"SQLite {connection.Database.sqlite_version}, temporary file "
                 f"(journal_mode={journal}, synchronous={sync})")
        try:
            yield label, {"KUBESIM_DATA_DIR": data_dir, "DATABASE_URL": ""}
        finally:
            connection.close()


def _postgres_reachable(db):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "unable to connect to 'postgres'"
            with connection._nodb_cursor() as cursor:
                cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


@contextmanager
def _scratch_postgres(db):
    name = db["NAME"]
    if not name.endswith("_bench"):
        raise CommandError(f'bench drops and recreates its database: "{name}" does not end in '
                           f'"_bench". Try DATABASE_URL=postgres://postgres@127.0.0.1:5432/kubesim_bench')
    quoted = connection.ops.quote_name(name)

    def nodb(sql):
        with connection._nodb_cursor() as cursor:
            cursor.execute(sql)

    connection.close()
    nodb(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    nodb(f"CREATE DATABASE {quoted}")
    try:
        _migrate()
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        yield f"PostgreSQL {version}, database {name} (recreated)", {}
    finally:
        connection.close()
        nodb(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


# --- a live server, for the HTTP measurements ----------------------------------------------------

@contextmanager
def _daphne(env_overrides):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The API alone: a control plane in the server would react to the benchmark's pods and
    # compete for the same two cores.
    env = {**os.environ, "KUBESIM_CONTROL_PLANE": "off", **env_overrides}
    if not env.get("DATABASE_URL"):
        env.pop("DATABASE_URL", None)
    daphne = Path(sys.executable).with_name("daphne")
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([str(daphne), "-b", "127.0.0.1", "-p", str(port),
                                 "kubesim.asgi:application"], cwd=settings.BASE_DIR, env=env,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for_port(port, proc, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_for_port(port, proc, log, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise CommandError(f"daphne exited with {proc.returncode}:\n{log.read()[-3000:].decode()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise CommandError(f"daphne did not listen on port {port} within {seconds}s")


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
    return (f"{when}: {model}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")
