"""What a reconcile returns: a hint for when to look at the key again (upstream's requeue).

    def reconcile(key: str) -> Result | None

`key` is client-go's "namespace/name" ("name" for cluster-scoped objects). None means done until
the next change to what the controller watches. A 409 Conflict raised from the store means the
world moved: the runner requeues the key at once, never overwrites.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    # Look again after this many *simulated* seconds (a pull finishing, a back-off ending, ...).
    requeue_after: float | None = None

    @classmethod
    def after(cls, seconds):
        return cls(requeue_after=max(0.0, float(seconds)))

    @staticmethod
    def soonest(*results):
        """The earliest of several hints (None when none asks to come back)."""
        due = [r.requeue_after for r in results if r is not None and r.requeue_after is not None]
        return Result(requeue_after=min(due)) if due else None


def split_key(key):
    """client-go's SplitMetaNamespaceKey: "ns/name" → ("ns", "name"); "name" → ("", "name")."""
    namespace, _, name = key.rpartition("/")
    return namespace, name


def key_of(obj):
    meta = obj["metadata"]
    return f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else meta["name"]
