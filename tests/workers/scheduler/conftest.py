import pytest

from cluster import clock
from workers.scheduler import scheduler


@pytest.fixture
def schedule(db, settings):
    """One scheduling cycle, on a paused clock, with ties broken the same way every run."""
    settings.KUBESIM_SCHEDULER_SEED = 7
    clock.pause()
    return lambda: scheduler.reconcile(scheduler.QUEUE)
