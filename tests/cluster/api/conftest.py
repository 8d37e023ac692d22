"""A JSON client for the API paths."""
import json

import pytest
from django.test import Client


class Api:
    """Requests with JSON bodies; each answer is (status code, decoded body), the response `last`."""

    def __init__(self):
        self.client, self.last = Client(), None

    def request(self, method, path, body=None, content_type="application/json", **extra):
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        response = self.client.generic(method, path, body or "", content_type=content_type, **extra)
        self.last = response
        return response.status_code, json.loads(response.content) if response.content else None

    def get(self, path, **extra):
        return self.request("GET", path, **extra)

    def post(self, path, body, **extra):
        return self.request("POST", path, body, **extra)

    def put(self, path, body, **extra):
        return self.request("PUT", path, body, **extra)

    def patch(self, path, body, content_type="application/merge-patch+json", **extra):
        return self.request("PATCH", path, body, content_type=content_type, **extra)

    def delete(self, path, body=None, **extra):
        return self.request("DELETE", path, body, **extra)


@pytest.fixture
def api():
    return Api()


@pytest.fixture(scope="module")
def live_cluster(tmp_path_factory):
    """A live daphne over the demo cluster, one per test module (tests.livecluster). In the
    suite's PostgreSQL pass it serves from a fresh PostgreSQL database, as the browser tests do."""
    from tests.livecluster import LiveCluster, suite_postgres_url

    directory = tmp_path_factory.mktemp("live-cluster")
    with LiveCluster(directory, postgres_url=suite_postgres_url()) as cluster:
        yield cluster


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test against a live cluster gets the server's log in its report."""
    report = yield
    cluster = getattr(item, "funcargs", {}).get("live_cluster")
    if report.failed and cluster is not None:
        report.sections.append(("daphne log (tail)", cluster.log_tail()))
    return report
