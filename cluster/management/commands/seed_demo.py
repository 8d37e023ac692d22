"""`manage.py seed_demo [--reset]`: the demo cluster, defined in cluster/fixtures/demo.yaml.

Its nodes are registered as kubelets register theirs: created when missing (no last-applied
annotation), left alone when present, so seeding twice changes nothing. `--reset` first deletes
every object except the four namespaces every cluster has (default, kube-system, kube-public,
kube-node-lease), which the store keeps; anything inside them goes too.
"""
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from cluster import kinds, manifests, store
from cluster.errors import NotFound
from cluster.management import kubectl
from cluster.timestamps import now, timestamp

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "demo.yaml"


def demo_objects():
    """The demo cluster's objects, their conditions stamped with the current time."""
    stamp = timestamp(now())
    objects = [doc.obj for doc in manifests.parse(FIXTURE.read_bytes(), str(FIXTURE))]
    for obj in objects:
        for condition in (obj.get("status") or {}).get("conditions") or ():
            condition.setdefault("lastHeartbeatTime", stamp)
            condition.setdefault("lastTransitionTime", stamp)
    return objects


def seed(*, reset=False):
    """(objects deleted, [(kind, object, "created" | "unchanged")]), in one transaction."""
    with transaction.atomic():
        store.ensure_initialized()
        deleted = _delete_all() if reset else 0
        results = []
        for obj in demo_objects():
            kind = kinds.for_object(obj)
            try:
                results.append((kind, store.get(kind, None, obj["metadata"]["name"]), "unchanged"))
            except NotFound:
                results.append((kind, store.create(obj), "created"))
    return deleted, results


def _delete_all():
    """Delete every object but the system namespaces: what namespaces hold first, them last."""
    deleted = 0
    for kind in sorted(kinds.KINDS, key=lambda k: (not k.namespaced, k.kind == "Namespace")):
        for obj in store.list_objects(kind).items:
            if kind.kind == "Namespace" and obj["metadata"]["name"] in kinds.SYSTEM_NAMESPACES:
                continue
            _force_delete(kind, obj)
            deleted += 1
    return deleted


def _force_delete(kind, obj):
    """Gone now, as if its finalizers had run and its grace period were over: watchers see the
    MODIFIED and DELETED events a real cluster would send."""
    meta = obj["metadata"]
    namespace, name = meta.get("namespace"), meta["name"]
    if meta.get("finalizers"):
        store.update({**obj, "metadata": {**meta, "finalizers": []}})
    if kind.kind == "Namespace":  # the namespace controller's steps: terminate, finalize, delete
        store.delete(kind, None, name)
        store.guaranteed_update(kind, None, name, lambda ns: ns["spec"].update(finalizers=[]),
                                subresource="finalize")
    try:
        store.delete(kind, namespace, name, grace_period_seconds=0)
    except NotFound:
        pass  # clearing its finalizers finished a deletion already under way


class Command(BaseCommand):
    help = "Seed the demo cluster: three nodes. With --reset, delete everything else first."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true",
                            help="delete every object except the system namespaces, then seed")

    def handle(self, *args, **options):
        deleted, results = seed(reset=options["reset"])
        if options["reset"]:
            self.stdout.write(f"{deleted} objects deleted")
        for kind, obj, action in results:
            self.stdout.write(f"{kubectl.resource(kind)}/{obj['metadata']['name']} {action}")
