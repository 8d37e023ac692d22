"""The API served by daphne over real HTTP: a watch streams while another request creates a pod."""
import http.client
import json

import pytest

TIMEOUT = 20  # seconds for any one step


@pytest.mark.e2e
def test_a_watch_over_http_sees_a_pod_another_request_creates(live_cluster):
    server = live_cluster.port
    watch = http.client.HTTPConnection("127.0.0.1", server, timeout=TIMEOUT)
    watch.request("GET", "/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=30")
    stream = watch.getresponse()  # the headers come at once, before any event
    assert stream.status == 200
    assert stream.getheader("Content-Type") == "application/json"
    assert stream.getheader("Transfer-Encoding") == "chunked"

    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
           "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}
    writer = http.client.HTTPConnection("127.0.0.1", server, timeout=TIMEOUT)
    writer.request("POST", "/api/v1/namespaces/default/pods", json.dumps(pod),
                   {"Content-Type": "application/json"})
    created = writer.getresponse()
    assert created.status == 201
    created = json.loads(created.read())

    event = json.loads(stream.readline())
    assert event["type"] == "ADDED"
    assert event["object"]["metadata"]["uid"] == created["metadata"]["uid"]
    watch.close()
    writer.close()
