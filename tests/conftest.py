"""Shared fixtures. Services (PostgreSQL, Redis) are used for real when reachable.

A test that needs a service skips with the reason when the service is down, unless
KUBESIM_REQUIRE_SERVICES=1 (set by .ci/run), which turns that skip into a failure.
"""
import os
import socket
from urllib.parse import urlparse

import pytest

POSTGRES_URL = os.environ.get("KUBESIM_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("KUBESIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _reachable(url):
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port), timeout=1).close()
        return True
    except OSError:
        return False


def require_service(name, url):
    """Skip (or, under KUBESIM_REQUIRE_SERVICES=1, fail) when the service is not reachable."""
    if _reachable(url):
        return url
    why = f"{name} is not reachable at {url}"
    if os.environ.get("KUBESIM_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{why} (KUBESIM_REQUIRE_SERVICES=1)")
    pytest.skip(why)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url():
    return require_service("Redis", REDIS_URL)


@pytest.fixture
def postgres_url():
    return require_service("PostgreSQL", POSTGRES_URL)


@pytest.fixture(autouse=True)
def _no_background_control_plane(settings):
    """Unit tests drive control loops themselves (workers.inline); nothing reconciles behind them."""
    settings.KUBESIM_CONTROL_PLANE = "off"


@pytest.fixture(autouse=True)
def _fresh_clock():
    """Each test reads the simulated clock from its own database, not one a test before cached."""
    from cluster import clock

    clock.forget()
    yield
    clock.forget()
