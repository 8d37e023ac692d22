"""The cluster's clock: simulated time that every process agrees on.

It lives in the ClusterState row: sim_now = sim_anchor + (real_now - real_anchor) × speed, frozen at
sim_anchor while paused. Every timestamp the cluster writes comes from it, so controllers compare
like with like at any speed. Each store write reads it for free with its revision; a paused clock
stepped by hand is the manual clock the control loops' unit tests drive.
"""
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from .models import ClusterState

FIELDS = ("clock_speed", "clock_paused", "clock_real_anchor", "clock_sim_anchor")


@dataclass(frozen=True)
class Clock:
    speed: float = 1.0
    paused: bool = False
    real_anchor: float = 0.0  # epoch seconds
    sim_anchor: float = 0.0

    def seconds(self, real_now=None):
        """Simulated time, in epoch seconds."""
        if self.paused:
            return self.sim_anchor
        real_now = time.time() if real_now is None else real_now
        return self.sim_anchor + (real_now - self.real_anchor) * self.speed

    def now(self):
        return datetime.fromtimestamp(self.seconds(), UTC)


# The clock changes rarely (speed, pause, step), while control loops read it constantly: keep the
# last one read for a moment. Every store write reads it afresh with its revision (`seen`), and
# a change made here is seen at once; one made by another process within FRESH_SECONDS.
FRESH_SECONDS = 0.25
_cached = threading.local()


def seen(clock):
    """Remember a clock just read from the database."""
    _cached.value = (time.monotonic(), clock)
    return clock


def current():
    read_at, clock = getattr(_cached, "value", (None, None))
    if read_at is not None and time.monotonic() - read_at < FRESH_SECONDS:
        return clock
    return seen(Clock(*ClusterState.objects.values_list(*FIELDS).get(pk=1)))


def forget():
    _cached.value = (None, None)


def now():
    return current().now()


def _change(**changes):
    """Re-anchor at the present moment, then apply the change: time never jumps back."""
    with transaction.atomic():
        state = ClusterState.objects.select_for_update().get(pk=1)
        real = time.time()
        sim = Clock(*(getattr(state, f) for f in FIELDS)).seconds(real)
        ClusterState.objects.filter(pk=1).update(
            clock_real_anchor=real, clock_sim_anchor=sim + changes.pop("advance", 0), **changes)
    forget()
    return current()


def set_speed(speed):
    if not speed > 0:
        raise ValueError("the clock's speed must be positive")
    return _change(clock_speed=float(speed))


def pause():
    return _change(clock_paused=True)


def resume():
    return _change(clock_paused=False)


def step(seconds):
    """Move simulated time forward by `seconds` (running or paused)."""
    if seconds < 0:
        raise ValueError("the clock only moves forward")
    return _change(advance=seconds)
