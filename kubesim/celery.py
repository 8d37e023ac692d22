"""The Celery app. Workers run the scheduler, controllers and simulated kubelets (see workers/).

Embedded mode (no REDIS_URL) uses an in-memory broker; distributed mode uses Redis.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubesim.settings")

app = Celery("kubesim")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
