"""Signals the store sends. Receivers run after the writing transaction has committed."""
from django.dispatch import Signal

# Sent once a transaction with at least one write committed: the change log has grown.
changes_committed = Signal()


def announce_commit():
    changes_committed.send(sender=None)
