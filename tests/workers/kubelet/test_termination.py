"""Deletion: the kubelet stops the containers within the grace period, then removes the pod."""
import pytest

from cluster import store
from cluster.errors import NotFound
from cluster.models import WatchEvent
from workers.models import PodRuntime

from .conftest import POD, container, get, pod_due, reasons, stamp

pytestmark = pytest.mark.django_db


def running(make_pod, sync, step, **kwargs):
    make_pod(**kwargs)
    sync()
    step(1), step(2.6), step(0.5)
    assert get()["status"]["phase"] == "Running"


def test_nginx_stops_at_once_and_the_pod_is_removed(make_pod, sync, step):
    running(make_pod, sync, step)
    store.delete(POD, "default", "web")  # grace period 30 s
    sync()
    pod = get()
    assert pod["metadata"]["deletionGracePeriodSeconds"] == 30
    assert reasons(pod)[-1] == ("Killing", "Stopping container app")
    assert container(pod)["ready"] is True  # until it has stopped
    step(0.1)  # nginx handles SIGTERM
    with pytest.raises(NotFound):
        get()
    assert not PodRuntime.objects.exists()
    changes = list(WatchEvent.objects.filter(kind="Pod").order_by("-revision")[:2])
    removed, final = changes
    assert removed.type == "DELETED"
    assert final.type == "MODIFIED"
    assert final.object["status"]["phase"] == "Succeeded"
    terminated = container(final.object)["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (0, "Completed")
    assert terminated["finishedAt"] == stamp(4)


def test_sleep_ignores_sigterm_and_is_killed_when_the_grace_ends(make_pod, sync, step):
    make_pod(containers=[{"name": "app", "image": "busybox:1.36",
                          "command": ["sleep", "3600"]}], terminationGracePeriodSeconds=20)
    sync()
    step(1), step(0.9), step(0.3)
    store.delete(POD, "default", "web")
    sync()
    assert pod_due() == 20.0
    step(19.9)
    assert get()["metadata"]["deletionTimestamp"]
    step(0.1)
    with pytest.raises(NotFound):
        get()
    final = WatchEvent.objects.filter(kind="Pod", type="MODIFIED").order_by("-revision").first()
    assert final.object["status"]["phase"] == "Failed"
    assert container(final.object)["state"]["terminated"]["exitCode"] == 137


def test_a_pod_deleted_before_it_started_goes_at_once(make_pod, sync):
    make_pod()
    store.delete(POD, "default", "web")
    sync()
    with pytest.raises(NotFound):
        get()


def test_a_pod_deleted_while_pulling_stops_at_once(make_pod, sync, step):
    make_pod()
    sync()
    step(1)  # pulling
    store.delete(POD, "default", "web", grace_period_seconds=10)
    sync()
    with pytest.raises(NotFound):
        get()
