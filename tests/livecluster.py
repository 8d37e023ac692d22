"""A live Kubesim for end-to-end tests: daphne on a free port over a fresh SQLite database, the
embedded control plane, a kubeconfig from `manage.py kubeconfig`, and the real kubectl.

    with LiveCluster(tmp_dir, seed=True) as cluster:
        kubectl = cluster.kubectl()
        kubectl("apply", "-f", "web.yaml")           # stdout; fails the test on a non-zero exit
        done = kubectl.run("get", "pod", "x", check=False)   # the CompletedProcess
        cluster.clock(speed=20)                      # pods start 20x sooner
        cluster.wait_for(lambda: ..., "what we waited for")

Start one per module (module-scoped fixtures in the tests' conftest): a start costs seconds.
The suite's DATABASE_URL and REDIS_URL are not passed on: the server is the no-services quick
start of `make run` (or, with postgres_url, the same over a PostgreSQL database of its own).
"""
import http.client
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
KUBECTL = shutil.which("kubectl")
STARTUP_SECONDS = 60
TIMEOUT = 30  # seconds for any one kubectl call
# Not passed to the server: the suite's services, and an outer make's jobserver.
_DROPPED_ENV = ("DATABASE_URL", "REDIS_URL", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")


def suite_postgres_url():
    """The suite's DATABASE_URL when its pass runs on PostgreSQL (a live server then gets a
    database of its own on that server), else None."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


class LiveCluster:
    """daphne serving a fresh cluster in `directory` (its database, log and kubeconfig)."""

    def __init__(self, directory, *, seed=True, zero_delays=False, env=None, postgres_url=None):
        """postgres_url: serve from a fresh PostgreSQL database made on that server (dropped at
        stop) instead of SQLite in `directory`."""
        self.directory = Path(directory)
        self.seed, self.process, self.port = seed, None, None
        self.postgres_url, self.database = postgres_url, None
        self.env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        self.env.update(KUBESIM_DATA_DIR=str(self.directory), KUBESIM_CONTROL_PLANE="embedded",
                        HOME=str(self.directory))  # kubectl's cache goes there, not in ~
        if zero_delays:
            self.env["KUBESIM_ZERO_DELAYS"] = "1"
        self.env.update(env or {})
        self.log_path = self.directory / "server.log"
        self.kubeconfig = self.directory / "kubeconfig"

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self):
        if self.postgres_url:
            self._create_database()
        self.manage("migrate", "--noinput", "-v0")
        if self.seed:
            self.manage("seed_demo")
        self.port = free_port()
        with open(self.log_path, "wb") as log:
            # Its own process group, so that stop() ends daphne and anything it started.
            self.process = subprocess.Popen(
                [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(self.port),
                 "kubesim.asgi:application"], cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_until_ready()
            self.manage("kubeconfig", "--server", self.url, "-o", str(self.kubeconfig))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        self._stop_server()
        if self.database:
            self._admin(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
            self.database = None

    def _admin(self, statement):
        import psycopg

        with psycopg.connect(self.postgres_url.rsplit("/", 1)[0] + "/postgres",
                             autocommit=True) as admin:
            admin.execute(statement)

    def _create_database(self):
        self.database = f"kubesim_live_{uuid.uuid4().hex[:8]}"
        self._admin(f"CREATE DATABASE {self.database}")
        self.env["DATABASE_URL"] = self.postgres_url.rsplit("/", 1)[0] + "/" + self.database

    def _stop_server(self):
        if self.process is None:
            return
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        self.process = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def manage(self, *args):
        """`manage.py ARGS` on the server's database; its stdout."""
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                              check=False, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)}: {done.stderr}")
        return done.stdout

    def _wait_until_ready(self):
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                if self.request("GET", "/readyz", timeout=1) == (200, "ok"):
                    return
            except OSError:
                pass  # not listening yet
            time.sleep(0.1)
        raise RuntimeError(f"/readyz did not answer ok within {STARTUP_SECONDS}s:\n"
                           f"{self.log_tail()}")

    def log_tail(self, chars=6000):
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    # --- HTTP -----------------------------------------------------------------------------------

    def request(self, method, path, body=None, timeout=15):
        """(status, decoded JSON or text) for any status."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = None if body is None else json.dumps(body)
            connection.request(method, path, data, {"Content-Type": "application/json"})
            response = connection.getresponse()
            status, raw = response.status, response.read().decode(errors="replace")
        finally:
            connection.close()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw

    def ok(self, method, path, body=None):
        status, answer = self.request(method, path, body)
        if not 200 <= status < 300:
            raise AssertionError(f"{method} {path}: {status} {answer}")
        return answer

    def get(self, path):
        """The object or list at an API path, or None when it is not found."""
        status, answer = self.request("GET", path)
        if status == 404:
            return None
        if status != 200:
            raise AssertionError(f"GET {path}: {status} {answer}")
        return answer

    # --- the simulation's controls --------------------------------------------------------------

    def clock(self, *, speed=None, paused=None, step=None):
        """Speed up, pause, resume or step (seconds) the simulated clock: its state after."""
        body = {k: v for k, v in (("speed", speed), ("paused", paused), ("step", step))
                if v is not None}
        return self.ok("POST" if body else "GET", "/kubesim/v1/clock", body or None)

    def reset(self):
        """The demo cluster as seeded again."""
        return self.ok("POST", "/kubesim/v1/reset", {})

    def wait_for(self, condition, what, seconds=30, step=None):
        """condition()'s first truthy answer, polling; `step` simulated seconds between polls
        make a paused or slow clock move on."""
        deadline, last = time.monotonic() + seconds, None
        while time.monotonic() < deadline:
            last = condition()
            if last:
                return last
            if step:
                self.clock(step=step)
            time.sleep(0.1)
        raise AssertionError(f"timed out after {seconds}s waiting for {what} (last: {last!r})")

    def pods(self, namespace="default", selector=""):
        path = f"/api/v1/namespaces/{namespace}/pods"
        if selector:
            path += "?labelSelector=" + selector.replace("=", "%3D").replace(",", "%2C")
        return self.ok("GET", path)["items"]

    def wait_for_running(self, namespace="default", selector="", count=None, seconds=30):
        """The pods matching `selector` once `count` of them (any, if None) are Running and Ready."""
        def ready():
            pods = [p for p in self.pods(namespace, selector)
                    if not p["metadata"].get("deletionTimestamp")]
            enough = pods and (count is None or len(pods) == count)
            return pods if enough and all(is_ready(p) for p in pods) else None
        return self.wait_for(ready, f"pods {selector or '(all)'} Running and Ready", seconds)

    # --- kubectl --------------------------------------------------------------------------------

    def kubectl(self):
        return Kubectl(self.kubeconfig, self.env, self.directory)


def is_ready(pod):
    status = pod.get("status") or {}
    return status.get("phase") == "Running" and any(
        c["type"] == "Ready" and c["status"] == "True" for c in status.get("conditions") or ())


class Kubectl:
    """The real kubectl with the cluster's kubeconfig. Calling it runs it and returns stdout,
    failing on a non-zero exit; run() returns the CompletedProcess."""

    def __init__(self, kubeconfig, env, cwd):
        self.kubeconfig, self.env, self.cwd = kubeconfig, env, cwd

    def command(self, *args):
        return [KUBECTL or "kubectl", "--kubeconfig", str(self.kubeconfig), *map(str, args)]

    def run(self, *args, input=None, env=None, check=True, timeout=TIMEOUT):
        done = subprocess.run(self.command(*args), env={**self.env, **(env or {})}, cwd=self.cwd,
                              input=input, capture_output=True, text=True, timeout=timeout,
                              check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(map(str, args))} exited with "
                                 f"{done.returncode}:\n{done.stderr}\n{done.stdout}")
        return done

    def __call__(self, *args, **kwargs):
        return self.run(*args, **kwargs).stdout

    def json(self, *args):
        """`kubectl ARGS -o json`, decoded."""
        return json.loads(self(*args, "-o", "json"))

    def popen(self, *args, env=None):
        """kubectl running in the background (a follow, a watch): stdout and stderr piped as
        bytes, unbuffered; read its lines with read_lines()."""
        return subprocess.Popen(self.command(*args), env={**self.env, **(env or {})},
                                cwd=self.cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, bufsize=0)


def read_lines(process, count, seconds=TIMEOUT):
    """The next `count` lines (text) of a popen()ed kubectl's stdout, failing after `seconds`
    instead of blocking forever on a stream that went quiet."""
    deadline = time.monotonic() + seconds
    pending = getattr(process, "pending", b"")
    while pending.count(b"\n") < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([process.stdout], [], [], left)[0]:
            raise AssertionError(f"got {pending!r}, then nothing for {seconds}s")
        chunk = os.read(process.stdout.fileno(), 65536)
        if not chunk:
            raise AssertionError(f"the stream ended after {pending!r}: "
                                 f"{process.stderr.read().decode(errors='replace')}")
        pending += chunk
    *lines, process.pending = pending.split(b"\n", count)
    return [line.decode() + "\n" for line in lines]
