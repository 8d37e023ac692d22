"""Due times: keys to reconcile again when the simulated clock reaches them.

A requeue-after hint becomes a Timer row; the periodic sync fires those that fell due. Kept in the
database so every worker sees them, they survive restarts, and a paused clock holds them.
"""
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Least

from cluster import clock

from .models import Timer

BATCH = 1000


def schedule(controller, key, after_seconds):
    """Come back to `key` in `after_seconds` of simulated time (the earliest request wins)."""
    due = clock.current().seconds() + after_seconds
    timers = Timer.objects.filter(controller=controller, key=key)
    if timers.update(due=Least(F("due"), due)):
        return
    try:
        with transaction.atomic():
            Timer.objects.create(controller=controller, key=key, due=due)
    except IntegrityError:  # another worker created it meanwhile
        timers.update(due=Least(F("due"), due))


def take_due():
    """Remove and return the (controller, key) pairs whose time has come."""
    now = clock.current().seconds()
    with transaction.atomic():
        due = list(Timer.objects.select_for_update(skip_locked=True).filter(due__lte=now)
                   .order_by("due").values_list("id", "controller", "key")[:BATCH])
        Timer.objects.filter(id__in=[pk for pk, _, _ in due]).delete()
    return [(controller, key) for _, controller, key in due]


def next_due():
    """Simulated seconds until the soonest timer (None when none is set)."""
    due = Timer.objects.order_by("due").values_list("due", flat=True).first()
    return None if due is None else max(0.0, due - clock.current().seconds())
