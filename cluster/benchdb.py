"""The throwaway database every `manage.py bench*` command works in, and a daphne serving it.

A benchmark never touches the configured data. On SQLite it works in a temporary file (with the
same WAL settings); on PostgreSQL only in a database whose name ends in `_bench`, which it drops
and recreates, and drops again at the end. PostgreSQL being down is an error, or, with
`--skip-if-unreachable` (as `make bench` runs it), a line saying so and nothing measured.
"""
import os
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
from django.core.management.base import CommandError
from django.db import DatabaseError, connection


def scratch_database(stdout, skip_if_unreachable=False):
    """A context manager giving (label, server_env) for a migrated throwaway database of the
    configured kind; None, said on `stdout`, when PostgreSQL is down and that may be skipped.

    `label` names the database for the report; `server_env` is what a server process needs in
    its environment to open the same database.
    """
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return _temporary_sqlite(db)
    if connection.vendor != "postgresql":
        raise CommandError(f"no benchmark for {connection.vendor}")
    if _postgres_reachable():
        return _scratch_postgres(db)
    where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    if not skip_if_unreachable:
        raise CommandError(f"PostgreSQL is not reachable at {where}")
    stdout.write(f"PostgreSQL is not reachable at {where}: skipped.")
    return None


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


def _postgres_reachable():
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


# --- a live server over it ---------------------------------------------------------------------

@contextmanager
def daphne(env_overrides):
    """The base URL of a daphne on a free port, with `env_overrides` (a scratch database's
    server_env) in its environment, stopped on leaving."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The API alone: a control plane in the server would react to the benchmark's pods and
    # compete for the same two cores.
    env = {**os.environ, "KUBESIM_CONTROL_PLANE": "off", **env_overrides}
    if not env.get("DATABASE_URL"):
        env.pop("DATABASE_URL", None)
    executable = Path(sys.executable).with_name("daphne")
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([str(executable), "-b", "127.0.0.1", "-p", str(port),
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
