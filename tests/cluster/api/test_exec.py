"""exec, attach and portforward: a simulated pod has no processes, so the answer is an immediate
400 Status (the handler is called directly until views.py routes these subresources to it)."""
import pytest
from django.test import RequestFactory

from cluster import kinds
from cluster.api import subresources
from cluster.api.requestinfo import RequestInfo
from cluster.errors import BadRequest, NotFound

from .objects import PODS, pod

pytestmark = pytest.mark.django_db


def _call(subresource, name="web", query=""):
    request = RequestFactory().post(f"{PODS}/{name}/{subresource}{query}")
    info = RequestInfo("", "v1", kinds.lookup("pods"), "default", name, subresource)
    subresources.no_processes(request, info)


@pytest.mark.parametrize("subresource,verb", [
    ("exec", "exec into"), ("attach", "attach to"), ("portforward", "forward ports to")])
def test_a_simulated_pod_has_no_processes(api, subresource, verb):
    api.post(PODS, pod("web"))
    with pytest.raises(BadRequest) as raised:
        _call(subresource)
    assert raised.value.status()["code"] == 400
    assert raised.value.status()["message"] == (
        f"kubesim simulates pods: there are no processes to {verb} (pod web, container app)")


def test_exec_names_the_requested_container(api):
    api.post(PODS, pod("web"))
    with pytest.raises(BadRequest, match=r"container sidecar\)"):
        _call("exec", query="?container=sidecar&command=sh")


def test_exec_into_a_missing_pod_is_not_found(api):
    with pytest.raises(NotFound):
        _call("exec", name="ghost")
