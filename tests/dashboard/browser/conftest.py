"""Browser tests: Debian's Chromium, driven by Playwright, against a real daphne serving the
dashboard with the embedded control plane.

One server for the session (tests.livecluster: started as `make run` starts it, migrate, seed_demo,
daphne, on a free port with a throwaway KUBESIM_DATA_DIR); every test starts from the demo cluster again
(POST /kubesim/v1/reset). In the suite's PostgreSQL pass (DATABASE_URL names PostgreSQL) the
server gets a fresh PostgreSQL database of its own, so both passes drive the dashboard on their
database; Redis is not passed on (embedded mode, in-process channel layer).

Chromium is /usr/bin/chromium (`.ci/run` installs Debian's package). Without it the tests skip,
or fail under KUBESIM_REQUIRE_SERVICES=1. When a test fails, the server's log and a screenshot
of every page it opened are attached to the report.
"""
import os

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.livecluster import LiveCluster, suite_postgres_url

CHROMIUM = os.environ.get("KUBESIM_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}


# --- the server ---------------------------------------------------------------------------------

# Package scope: the server and the browser stop when the browser tests end. Playwright's sync
# API keeps an event loop running in the main thread while it lives, which later tests of
# asyncio code (asyncio.run, Django's async-context guard) must not see.
@pytest.fixture(scope="package")
def kubesim_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("browser-server")
    with LiveCluster(directory, postgres_url=suite_postgres_url()) as server:
        yield server


@pytest.fixture
def cluster(kubesim_server):
    """The demo cluster as seeded (three nodes, no pods), the clock running at normal speed."""
    kubesim_server.reset()
    kubesim_server.clock(paused=False, speed=1)
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
