"""Lookups kept for one dispatch batch.

The dispatcher asks every controller which keys each of up to a thousand changes wakes, and most
ask the same question for every pod change (the Services of its namespace, the Jobs or
ReplicaSets that could adopt an orphan): asked once per batch, not once per change. The answers
are as fresh as the batch, which the keys are anyway: a key is reconciled later against the store
as it is then.
"""
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

_answers = ContextVar("dispatch_batch_answers", default=None)


@contextmanager
def batch():
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def per_batch(lookup):
    """`lookup(*args)` answered once per batch (and every time outside one)."""
    @wraps(lookup)
    def cached(*args):
        answers = _answers.get()
        if answers is None:
            return lookup(*args)
        key = (lookup, args)
        if key not in answers:
            answers[key] = lookup(*args)
        return answers[key]
    return cached
