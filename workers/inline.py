"""The control plane run in the calling thread until it settles: for tests and benchmarks.

The same dispatcher, timers and `runtime.process` as the Celery workers, with the queue a local
deque. With the clock paused, `advance(seconds)` steps simulated time and lets every due
transition happen, in order: the manual clock of the control loops' tests.
"""
from collections import deque
from contextlib import contextmanager

from cluster import clock

from . import coordination, dispatch, runtime, timers


@contextmanager
def _local_queue():
    pending = deque()
    previous_backend = coordination.use(coordination.LocalCoordination())
    previous_submit = runtime.submit_with(lambda name, key: pending.append((name, key)))
    try:
        yield pending
    finally:
        runtime.submit_with(previous_submit)
        coordination.use(previous_backend)


def run_until_idle(max_reconciles=1_000_000):
    """Dispatch changes and fire due timers until nothing is left to do now; returns how many
    reconciles ran."""
    done = 0
    with _local_queue() as pending:
        while True:
            while dispatch.dispatch() == dispatch.BATCH:
                pass
            for name, key in timers.take_due():
                runtime.add(name, key)
            if not pending:
                return done
            while pending:
                runtime.process(*pending.popleft())
                done += 1
                if done >= max_reconciles:
                    raise RuntimeError(f"the control plane did not settle in {done} reconciles")


def advance(seconds):
    """Move the (paused) clock `seconds` forward, stopping at every due time on the way and
    settling there, so each transition happens when it falls due."""
    run_until_idle()
    left = seconds
    while left > 0:
        due = timers.next_due()
        delta = left if due is None else min(max(due, 1e-3), left)
        clock.step(delta)
        left -= delta
        run_until_idle()
