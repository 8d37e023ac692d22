"""The dispatcher: reads the change log and queues the keys each change affects.

It plays the informers' event handlers for every controller at once (a pod change wakes its owner
ReplicaSet, its node's kubelet, the scheduler ...). One dispatcher runs at a time — the cursor row
is locked while it reads — and keys are queued only after its transaction commits.
"""
import logging

from django.conf import settings
from django.db import transaction

from cluster import store
from cluster.errors import Gone

from . import coordination, embedded, memo, runtime
from .models import DispatchCursor

logger = logging.getLogger(__name__)
BATCH = 1000
_QUEUED = "dispatch|"


def on_commit(**kwargs):
    """A write committed: make sure a dispatch is on its way (one for a burst of writes).

    In embedded mode only the server process has a worker; a terminal command writing to the
    same database leaves the server's periodic dispatch to find its changes.
    """
    mode = settings.KUBESIM_CONTROL_PLANE
    if mode == "off" or (mode == "embedded" and not embedded.running()):
        return
    if coordination.backend().mark_queued(_QUEUED):
        from .tasks import dispatch as dispatch_task

        dispatch_task.delay()


def started():
    """A dispatch task began: writes from now on need another."""
    coordination.backend().unmark_queued(_QUEUED)


def keys_for(event_type, obj):
    """Every (controller, key) a change wakes."""
    for name, module in runtime.controllers().items():
        for key in module.keys_for(event_type, obj):
            yield name, key


def dispatch():
    """Read the change log past the cursor; returns the number of changes read."""
    with transaction.atomic():
        cursor = (DispatchCursor.objects.select_for_update(skip_locked=True).filter(pk=1).first()
                  or _first_cursor())
        if cursor is None:
            return 0  # another worker is dispatching right now
        try:
            changes = store.changes_since(cursor.revision, limit=BATCH)
        except Gone:
            logger.warning("change log compacted past revision %s: resyncing", cursor.revision)
            cursor.revision = store.compacted_revision()
            cursor.save()
            keys, changes = set(resync_keys()), []
        else:
            with memo.batch():
                keys = {k for _, event_type, obj in changes for k in keys_for(event_type, obj)}
            if changes:
                cursor.revision = changes[-1][0]
                cursor.save()
    for name, key in sorted(keys):
        runtime.add(name, key)
    return len(changes)


def _first_cursor():
    cursor, created = DispatchCursor.objects.get_or_create(pk=1)
    return cursor if created else None


def resync_keys():
    """Every key of every controller (the periodic resync)."""
    for name, module in runtime.controllers().items():
        for key in getattr(module, "resync_keys", lambda: ())():
            yield name, key


def resync():
    for name, key in resync_keys():
        runtime.add(name, key)
