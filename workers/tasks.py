"""Celery tasks: thin wrappers over the control loops' runtime."""
from celery import shared_task

from . import dispatch as dispatcher
from . import runtime, timers


@shared_task(name="kubesim.reconcile", ignore_result=True, autoretry_for=(Exception,),
             retry_backoff=0.1, retry_backoff_max=30, max_retries=8)
def reconcile(controller, key):
    runtime.process(controller, key)


@shared_task(name="kubesim.dispatch", ignore_result=True)
def dispatch():
    dispatcher.started()
    while dispatcher.dispatch() == dispatcher.BATCH:
        pass


@shared_task(name="kubesim.fire_timers", ignore_result=True)
def fire_timers():
    while due := timers.take_due():
        for controller, key in due:
            runtime.add(controller, key)


@shared_task(name="kubesim.resync", ignore_result=True)
def resync():
    dispatcher.resync()
