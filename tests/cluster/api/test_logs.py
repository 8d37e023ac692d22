"""pods/NAME/log: the simulated kubelet's logs through the API, as kubectl logs reads them."""
import pytest

from cluster import clock, kinds, store
from workers import inline, operations

pytestmark = pytest.mark.django_db

LOG = "/api/v1/namespaces/default/pods/{}/log"


@pytest.fixture
def running_pod():
    clock.pause()
    operations.add_node("node-1")
    store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                  "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
    inline.advance(60)
    assert store.get(kinds.lookup("pods"), "default", "web")["status"]["phase"] == \
        "Running"


def test_the_log_of_a_running_container(client, running_pod):
    response = client.get(LOG.format("web"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "nginx" in text and text.endswith("\n")
    tail = client.get(LOG.format("web"), {"tailLines": "1", "timestamps": "true"}).content.decode()
    assert len(tail.splitlines()) == 1 and tail[:4].isdigit()  # an RFC 3339 timestamp first


def test_a_missing_pod_is_not_found(client):
    response = client.get(LOG.format("nobody"))
    assert response.status_code == 404
    assert response.json()["message"] == 'pods "nobody" not found'


def test_a_previous_run_that_never_was(client, running_pod):
    response = client.get(LOG.format("web"), {"previous": "true"})
    assert response.status_code == 400
    assert response.json()["reason"] == "BadRequest"


def test_since_seconds_reads_the_simulated_clock(client, running_pod):
    """kubectl logs --since=10s: the lines of the last 10 simulated seconds."""
    everything = client.get(LOG.format("web")).content.decode()
    response = client.get(LOG.format("web"), {"sinceSeconds": "3600"})
    assert response.status_code == 200, response.content
    assert response.content.decode() == everything
    clock.step(3600)
    recent = client.get(LOG.format("web"), {"sinceSeconds": "10"}).content.decode()
    assert len(recent.splitlines()) < len(everything.splitlines())
    assert client.get(LOG.format("web"), {"sinceSeconds": "0"}).status_code == 400
