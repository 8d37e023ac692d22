"""The simulation clock: shared through the database, pausable, steppable, faster than real time."""
import time

import pytest

from cluster import clock, kinds, store, timestamps

pytestmark = pytest.mark.django_db


def test_a_new_cluster_runs_on_real_time():
    assert abs(clock.current().seconds() - time.time()) < 5
    assert clock.current().speed == 1.0 and not clock.current().paused


def test_a_paused_clock_stands_still_and_steps_by_hand():
    frozen = clock.pause().seconds()
    assert clock.current().seconds() == frozen
    assert clock.step(90).seconds() == frozen + 90
    assert clock.current().seconds() == frozen + 90


def test_speed_scales_time_from_now_on():
    c = clock.set_speed(10)
    assert c.seconds(c.real_anchor + 3) == pytest.approx(c.sim_anchor + 30)
    with pytest.raises(ValueError):
        clock.set_speed(0)


def test_time_never_runs_back():
    with pytest.raises(ValueError):
        clock.step(-1)
    before = clock.current().seconds()
    assert clock.resume().seconds() >= before


def test_store_timestamps_come_from_the_cluster_clock():
    clock.pause()
    clock.step(3600)
    pod = store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                        "spec": {"containers": [{"name": "c", "image": "nginx"}],
                                 "nodeName": "node-1"}})
    created = timestamps.parse(pod["metadata"]["creationTimestamp"])
    assert created == timestamps.now()
    clock.step(10)
    marked, _ = store.delete(kinds.lookup("pods"), "default", "p")
    assert timestamps.parse(marked["metadata"]["deletionTimestamp"]) == timestamps.after(
        created, 10 + 30)
