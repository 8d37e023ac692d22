"""Embedded mode: the Celery worker and beat run as threads inside the server process.

No Redis and no second process: tasks travel over Celery's in-memory transport, so the laptop in a
classroom runs the whole control plane with one command. The tasks are the same ones that
`celery worker` processes run in distributed mode.
"""
import logging
import threading

from celery import beat

from kubesim.celery import app

logger = logging.getLogger(__name__)
_started = threading.Event()


def running():
    return _started.is_set()


def start():
    """Start the in-process worker and beat, once."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_work, name="kubesim-worker", daemon=True).start()
    beat.EmbeddedService(app, thread=True).start()
    logger.info("control plane running in-process (embedded mode)")


def _work():
    # One task at a time: SQLite has one writer anyway, and keys stay in order.
    worker = app.Worker(pool="solo", loglevel="WARNING", quiet=True, redirect_stdouts=False,
                        without_heartbeat=True, without_gossip=True, without_mingle=True,
                        hostname="embedded@kubesim")
    worker.start()
