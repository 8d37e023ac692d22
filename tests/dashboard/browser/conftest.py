"""Browser tests: Debian's Chromium, driven by Playwright, against a real daphne serving the
dashboard with the embedded control plane.

One server for the session, started as `make run` starts it (migrate, seed_demo, daphne) on a
free port with a throwaway KUBESIM_DATA_DIR; every test starts from the demo cluster again
(POST /kubesim/v1/reset). In the suite's PostgreSQL pass (DATABASE_URL names PostgreSQL) the
server gets a fresh PostgreSQL database of its own, so both passes drive the dashboard on their
database; Redis is not passed on (embedded mode, in-process channel layer).

Chromium is /usr/bin/chromium (`.ci/run` installs Debian's package). Without it the tests skip,
or fail under KUBESIM_REQUIRE_SERVICES=1. When a test fails, the server's log and a screenshot
of every page it opened are attached to the report.
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("KUBESIM_CHROMIUM", "/usr/bin/chromium")
STARTUP_SECONDS = 60
VIEWPORT = {"width": 1280, "height": 800}
# Not passed to the server: the suite's services, and an outer make's jobserver.
_DROPPED_ENV = ("DATABASE_URL", "REDIS_URL", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")


# --- the server ---------------------------------------------------------------------------------

class Server:
    """A running daphne: its base URL, its log, and a JSON client for the API."""

    def __init__(self, url, log_path):
        self.url, self.log_path = url, log_path

    def api(self, method, path, body=None):
        """(status, decoded JSON or text) for any status."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=15) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def ok(self, method, path, body=None):
        status, answer = self.api(method, path, body)
        assert 200 <= status < 300, f"{method} {path}: {status} {answer}"
        return answer

    def log_tail(self, chars=6000):
        return self.log_path.read_text(errors="replace")[-chars:]


def _database_url(stack):
    """A fresh PostgreSQL database when the suite runs on PostgreSQL, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    import psycopg

    name = f"kubesim_browser_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True)
    stack.callback(admin.close)
    admin.execute(f"CREATE DATABASE {name}")
    stack.callback(admin.execute, f"DROP DATABASE {name} WITH (FORCE)")
    return url.rsplit("/", 1)[0] + "/" + name


def _server_env(data_dir, database_url):
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(KUBESIM_DATA_DIR=str(data_dir), KUBESIM_CONTROL_PLANE="embedded")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _stop(proc):
    """The whole process group: daphne and anything it started."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_until_healthy(server, proc):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"daphne exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            if server.api("GET", "/healthz") == (200, "ok"):
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.25)
    pytest.fail(f"/healthz did not answer within {STARTUP_SECONDS}s:\n{server.log_tail()}")


# Package scope: the server and the browser stop when the browser tests end. Playwright's sync
# API keeps an event loop running in the main thread while it lives, which later tests of
# asyncio code (asyncio.run, Django's async-context guard) must not see.
@pytest.fixture(scope="package")
def kubesim_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("browser-server")
    log_path = data_dir / "server.log"
    with ExitStack() as stack:
        env = _server_env(data_dir, _database_url(stack))
        manage = [str(VENV_BIN / "python"), "manage.py"]
        for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
            subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True,
                           capture_output=True, stdin=subprocess.DEVNULL)
        port = free_port()
        log = stack.enter_context(open(log_path, "wb"))
        proc = subprocess.Popen(
            [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port),
             "kubesim.asgi:application"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        stack.callback(_stop, proc)
        server = Server(f"http://127.0.0.1:{port}", log_path)
        _wait_until_healthy(server, proc)
        yield server


@pytest.fixture
def cluster(kubesim_server):
    """The demo cluster as seeded (three nodes, no pods), the clock running at normal speed."""
    kubesim_server.ok("POST", "/kubesim/v1/reset", {})
    kubesim_server.ok("POST", "/kubesim/v1/clock", {"paused": False, "speed": 1})
    return kubesim_server


# --- the browser --------------------------------------------------------------------------------

def _require_chromium():
    if os.access(CHROMIUM, os.X_OK):
        return
    why = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("KUBESIM_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{why} (KUBESIM_REQUIRE_SERVICES=1)")
    pytest.skip(why)


@pytest.fixture(scope="package")
def browser():
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    # The cluster view updates within a second; pods take a few seconds to pull and start.
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser, cluster):
    ctx = browser.new_context(base_url=cluster.url, viewport=VIEWPORT)
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def open_page(context, request):
    """open_page(path) → a page at that path that accepts every confirmation (destructive
    actions ask first) and records uncaught script errors and alerts (what injected markup
    would raise); the test fails on any."""
    pages, errors = [], []
    request.node.kubesim_pages = pages

    def on_dialog(dialog):
        if dialog.type != "confirm":
            errors.append(f"{dialog.type} dialog: {dialog.message}")
        dialog.accept()

    def open_(path):
        page = context.new_page()
        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error, page=page: errors.append(f"{page.url}: {error}"))
        pages.append(page)
        response = page.goto(path)
        assert response.ok, f"GET {path}: {response.status}"
        return page

    yield open_
    assert not errors, f"script errors or alerts in the page: {errors}"


# --- failure reports ----------------------------------------------------------------------------

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        server = item.funcargs.get("kubesim_server") or item.funcargs.get("cluster")
        if server is not None:
            report.sections.append(("daphne log (tail)", server.log_tail()))
        for i, page in enumerate(getattr(item, "kubesim_pages", [])):
            path = server.log_path.parent / f"{item.name}-{i}.png" if server else None
            try:
                page.screenshot(path=path)
                report.sections.append((f"page {i}", f"{page.url}\nscreenshot: {path}"))
            except PlaywrightError as e:  # a crashed page must not hide the test's own failure
                report.sections.append((f"page {i}", f"no screenshot: {e}"))
    return report
