"""Timestamps as the Kubernetes API writes them: RFC 3339, UTC, whole seconds, on the cluster's
(simulated) clock."""
from datetime import datetime, timedelta

from . import clock


def now():
    return clock.now().replace(microsecond=0)


def timestamp(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(value):
    return datetime.fromisoformat(value) if value else None


def after(dt, seconds):
    return dt + timedelta(seconds=seconds)
