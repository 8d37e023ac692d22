"""Every failure is a Status with the code and reason kube-apiserver gives, never an HTML page."""
import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from django.core.asgi import get_asgi_application
from django.test import Client

from cluster import store

from .objects import CONFIGMAPS, PODS, configmap, pod

pytestmark = pytest.mark.django_db

NOT_FOUND = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
             "message": "the server could not find the requested resource", "reason": "NotFound",
             "details": {}, "code": 404}


@pytest.mark.parametrize("path", [
    "/api/v2/pods", "/api/v1/widgets", "/apis/apps/v1/pods", "/apis/nope/v1/things", "/apis/nope",
    "/api/v1/namespaces/default/nodes", "/api/v1/pods/web", "/api/v1/namespaces/default/pods/web/x",
    "/api/v1/namespaces/default/pods/web/status/more", "/apis/apps/v1/namespaces/default/daemonsets/d/scale",
])
def test_unknown_paths_are_404_not_found(api, path):
    status, body = api.get(path)
    assert status == 404 and body == NOT_FOUND
    assert api.last["Content-Type"] == "application/json"


def test_exec_attach_portforward_answer_at_once_that_no_process_runs(api):
    api.post(PODS, pod("web"))
    for sub in ("exec", "attach", "portforward"):
        code, body = api.get(f"{PODS}/web/{sub}")
        assert (code, body["reason"]) == (400, "BadRequest")
        assert "kubesim simulates pods: there are no processes" in body["message"]


@pytest.mark.parametrize(("method", "path"), [
    ("PUT", PODS), ("PATCH", PODS), ("POST", f"{PODS}/web"), ("POST", "/api/v1/pods"),
    ("DELETE", "/api/v1/pods"), ("DELETE", "/api/v1/namespaces"), ("DELETE", f"{PODS}/web/status"),
    ("GET", f"{PODS}/web/binding"), ("POST", "/api/v1/watch/namespaces/default/pods"),
    ("POST", "/version"), ("DELETE", "/api"),
])
def test_methods_a_path_does_not_serve_are_405(api, method, path):
    status, body = api.request(method, path, {})
    assert status == 405
    assert body["reason"] == "MethodNotAllowed"
    assert body["message"] == "the server does not allow this method on the requested resource"


def test_a_body_declared_over_the_limit_is_refused_unread(api, settings):
    settings.KUBESIM_MAX_REQUEST_BYTES = 100

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    status, body = api.request("POST", CONFIGMAPS, "", CONTENT_LENGTH="1000", **{"wsgi.input": Unreadable()})
    assert status == 413
    assert body["reason"] == "RequestEntityTooLarge"
    assert body["message"] == "Request entity too large: limit is 100"


def test_a_body_over_the_limit_is_413(api, settings):
    settings.KUBESIM_MAX_REQUEST_BYTES = 100
    status, body = api.post(CONFIGMAPS, configmap("c", big="x" * 200))
    assert status == 413 and body["code"] == 413
    assert api.get(f"{CONFIGMAPS}/c")[0] == 404


def test_a_body_of_undeclared_length_stops_being_read_past_the_limit(settings):
    """Over ASGI a chunked body declares no length: reading stops at the limit."""
    settings.KUBESIM_MAX_REQUEST_BYTES = 100
    chunks = [b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"',
              b"x" * 200, b'"}}']
    messages = [{"type": "http.request", "body": c, "more_body": i < 2} for i, c in enumerate(chunks)]
    sent = []

    async def receive():
        return messages.pop(0) if messages else await asyncio.Event().wait()

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": CONFIGMAPS, "query_string": b"",
             "headers": [(b"content-type", b"application/json"), (b"host", b"localhost")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    async_to_sync(asyncio.wait_for)(get_asgi_application()(scope, receive, send), 10)
    assert sent[0]["status"] == 413
    assert json.loads(b"".join(m.get("body", b"") for m in sent[1:]))["reason"] == "RequestEntityTooLarge"


def test_an_unexpected_failure_is_a_500_internal_error_status(api, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "get", broken)
    status, body = api.get(f"{PODS}/web")
    assert status == 500
    assert body["reason"] == "InternalError"
    assert body["message"] == "Internal error occurred: disk on fire"
    assert body["details"] == {"causes": [{"message": "disk on fire"}]}


def test_writes_need_no_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post(CONFIGMAPS, json.dumps(configmap("c")), content_type="application/json")
    assert response.status_code == 201


def test_people_get_indented_json(api):
    assert api.get(f"{PODS}?pretty=true")[0] == 200
    assert api.last.content.startswith(b'{\n  "kind": "PodList"')
    api.get(PODS, HTTP_USER_AGENT="curl/8.5.0")
    assert b'\n  "apiVersion": "v1"' in api.last.content
    api.get(PODS, HTTP_USER_AGENT="kubectl/v1.37.0")
    assert api.last.content.startswith(b'{"kind":"PodList","apiVersion":"v1"')
