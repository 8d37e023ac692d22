"""The runtime: queueing keys once, one worker per key, requeue hints as timers, the dispatcher."""
import pytest

from cluster import clock, store
from cluster.errors import Conflict
from workers import coordination, dispatch, inline, runtime, timers
from workers.models import DispatchCursor, Timer
from workers.result import Result, key_of

pytestmark = pytest.mark.django_db


class Recorder:
    """A controller that records what it is asked, and answers as told."""

    def __init__(self, answer=None):
        self.keys, self.answer = [], answer

    def reconcile(self, key):
        self.keys.append(key)
        return self.answer(key) if callable(self.answer) else self.answer

    def keys_for(self, event_type, obj):
        return [key_of(obj)] if obj["kind"] == "ConfigMap" else []


@pytest.fixture
def recorder(monkeypatch):
    rec = Recorder()
    monkeypatch.setattr(runtime, "controllers", lambda: {"fake": rec})
    monkeypatch.setattr(runtime, "controller", lambda name: rec)
    return rec


@pytest.fixture
def local_queue():
    sent = []
    previous = coordination.use(coordination.LocalCoordination())
    submit = runtime.submit_with(lambda name, key: sent.append((name, key)))
    yield sent
    runtime.submit_with(submit)
    coordination.use(previous)


def configmap(name):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


def test_a_queued_key_is_queued_once(local_queue):
    runtime.add("fake", "default/a")
    runtime.add("fake", "default/a")
    runtime.add("fake", "default/b")
    assert local_queue == [("fake", "default/a"), ("fake", "default/b")]


def test_a_key_changed_while_processing_runs_again(local_queue, recorder):
    def change_during(key):
        if len(recorder.keys) == 1:
            runtime.add("fake", key)  # a change lands mid-reconcile: queued again
            runtime.process("fake", key)  # a second worker takes it: the lock turns it away

    recorder.answer = change_during
    runtime.process("fake", "default/a")
    assert recorder.keys == ["default/a"]  # never two at once
    # The first send is the one the second worker took; the second is the holder's rerun.
    assert local_queue == [("fake", "default/a"), ("fake", "default/a")]
    assert not coordination.backend().take_dirty("fake|default/a")


def test_a_conflict_requeues_the_key(local_queue, recorder):
    def conflict(key):
        raise Conflict("the object has been modified")

    recorder.answer = conflict
    runtime.process("fake", "default/a")
    assert local_queue == [("fake", "default/a")]


def test_a_requeue_hint_becomes_a_timer(recorder):
    clock.pause()
    recorder.answer = Result.after(30)
    with inline._local_queue():
        runtime.process("fake", "default/a")
    timer = Timer.objects.get()
    assert (timer.controller, timer.key) == ("fake", "default/a")
    assert timer.due == pytest.approx(clock.current().seconds() + 30)


def test_the_earliest_requeue_wins():
    clock.pause()
    timers.schedule("fake", "k", 30)
    timers.schedule("fake", "k", 10)
    timers.schedule("fake", "k", 20)
    assert timers.next_due() == pytest.approx(10)


def test_timers_fire_when_the_simulated_clock_reaches_them():
    clock.pause()
    timers.schedule("fake", "k", 10)
    clock.step(9)
    assert timers.take_due() == []
    clock.step(1)
    assert timers.take_due() == [("fake", "k")]
    assert timers.take_due() == []


def test_the_dispatcher_queues_each_changed_key_once(local_queue, recorder):
    dispatch.dispatch()  # start past the cluster's own set-up
    local_queue.clear()
    cm = store.create(configmap("a"))
    store.update({**cm, "data": {"x": "1"}})
    store.create(configmap("b"))
    assert dispatch.dispatch() == 3
    assert sorted(local_queue) == [("fake", "default/a"), ("fake", "default/b")]
    assert DispatchCursor.objects.get().revision == store.current_revision()
    assert dispatch.dispatch() == 0


def test_the_dispatcher_resyncs_when_the_log_was_compacted(local_queue, recorder, settings):
    recorder.resync_keys = lambda: ["default/everything"]
    dispatch.dispatch()
    settings.KUBESIM_EVENT_LOG_MAX_COUNT = 1
    for name in "abc":
        store.create(configmap(name))
    store.compact()
    DispatchCursor.objects.update(revision=1)
    local_queue.clear()
    dispatch.dispatch()
    assert local_queue == [("fake", "default/everything")]


def test_inline_advance_stops_at_each_due_time(recorder):
    clock.pause()
    start = clock.current().seconds()
    seen = []

    def every_ten(key):
        seen.append(clock.current().seconds() - start)
        return Result.after(10)

    recorder.answer = every_ten
    store.create(configmap("a"))
    inline.advance(35)
    assert seen == pytest.approx([0, 10, 20, 30])
