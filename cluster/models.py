"""Cluster objects, stored as etcd's registry keys them: one row per (group, kind, namespace, name).

The whole object lives in the JSON columns (metadata, spec, status and the other top-level fields in
`body`); the plain columns are projections of it for the queries controllers and the API make.
Writes go through cluster.store, never through these models directly: the store assigns the
resourceVersion and appends the watch event in the same transaction.
"""
from django.db import models
from django.db.models import Q


class ClusterState(models.Model):
    """The one-row revision counter: etcd's cluster-wide revision.

    Every write takes the next revision by updating this row, which also serializes writers, so
    revisions commit in order and a watcher never sees revision N+1 before N.
    """

    revision = models.BigIntegerField(default=0)
    # Revisions at or below this are gone from the change log: watching from them gets 410 Gone.
    compacted_revision = models.BigIntegerField(default=0)
    # The simulation clock (see cluster.clock), here so that each write reads it with its revision.
    clock_speed = models.FloatField(default=1.0)
    clock_paused = models.BooleanField(default=False)
    clock_real_anchor = models.FloatField(default=0.0)  # epoch seconds
    clock_sim_anchor = models.FloatField(default=0.0)


class ApiObjectQuerySet(models.QuerySet):
    def of_kind(self, kind):
        return self.filter(group=kind.group, kind=kind.kind)

    def in_namespace(self, namespace):
        return self.filter(namespace=namespace) if namespace else self

    def on_node(self, node_name):
        return self.filter(node_name=node_name)

    def unscheduled(self):
        return self.filter(node_name="")

    def owned_by(self, uid):
        return self.filter(owner_uid=uid)

    def in_phase(self, *phases):
        return self.filter(phase__in=phases)

    def terminating(self):
        return self.filter(deletion_timestamp__isnull=False)

    def live(self):
        return self.filter(deletion_timestamp__isnull=True)

    def claimable_by(self, owner, selector):
        """What a controller claims from, in key order: the objects of its namespace it controls,
        and the orphans its LabelSelector matches (upstream's controller-uid and orphan indexes).
        The SQL may match more orphans than the selector: callers keep those it matches."""
        meta = owner["metadata"]
        return (self.in_namespace(meta["namespace"])
                .filter(models.Q(owner_uid=meta["uid"]) | (models.Q(owner_uid="") & selector.to_q()))
                .order_by("name"))

    def objects(self):
        """The API objects as dicts, the shape clients see, without building model instances."""
        return [ApiObject.assemble(*row) for row in self.values_list(*ApiObject.DICT_COLUMNS)]


class ApiObject(models.Model):
    group = models.CharField(max_length=253, blank=True)
    kind = models.CharField(max_length=63)
    namespace = models.CharField(max_length=63, blank=True)
    name = models.CharField(max_length=253)

    uid = models.CharField(max_length=36, unique=True)
    resource_version = models.BigIntegerField(db_index=True)
    generation = models.BigIntegerField(default=1)
    creation_timestamp = models.DateTimeField()
    deletion_timestamp = models.DateTimeField(null=True, blank=True)

    api_version = models.CharField(max_length=300)
    metadata = models.JSONField(default=dict)
    spec = models.JSONField(null=True, blank=True)
    status = models.JSONField(null=True, blank=True)
    body = models.JSONField(default=dict, blank=True)  # the kind's other top-level fields

    # Projections for the queries the control plane makes.
    node_name = models.CharField(max_length=253, blank=True, db_index=True)
    phase = models.CharField(max_length=32, blank=True, db_index=True)
    owner_uid = models.CharField(max_length=36, blank=True, db_index=True)  # the controller owner

    objects = ApiObjectQuerySet.as_manager()

    DICT_COLUMNS = ("api_version", "kind", "metadata", "spec", "status", "body")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "kind", "namespace", "name"], name="object_key"),
        ]

    def __str__(self):
        return f"{self.kind}/{self.namespace + '/' if self.namespace else ''}{self.name}"

    @staticmethod
    def assemble(api_version, kind, metadata, spec, status, body):
        obj = {"apiVersion": api_version, "kind": kind, "metadata": metadata}
        if spec is not None:
            obj["spec"] = spec
        if status is not None:
            obj["status"] = status
        obj.update(body)
        return obj

    def to_dict(self):
        return self.assemble(*(getattr(self, c) for c in self.DICT_COLUMNS))


class KindManager(models.Manager.from_queryset(ApiObjectQuerySet)):
    """The manager of a per-kind proxy model: its queryset holds only that kind."""

    def __init__(self, group, kind):
        super().__init__()
        self.group_name, self.kind_name = group, kind

    def get_queryset(self):
        return super().get_queryset().filter(group=self.group_name, kind=self.kind_name)


def _proxy(kind_name, group=""):
    meta = type("Meta", (), {"proxy": True, "app_label": "cluster"})
    return type(kind_name, (ApiObject,), {
        "__module__": __name__, "Meta": meta, "objects": KindManager(group, kind_name),
    })


Namespace = _proxy("Namespace")
Node = _proxy("Node")
Pod = _proxy("Pod")
Service = _proxy("Service")
Event = _proxy("Event")
Deployment = _proxy("Deployment", "apps")
ReplicaSet = _proxy("ReplicaSet", "apps")


class WatchEvent(models.Model):
    """The change log: one row per write, in revision order, like etcd's history before compaction."""

    ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"

    revision = models.BigIntegerField(primary_key=True)
    type = models.CharField(max_length=10)
    group = models.CharField(max_length=253, blank=True)
    kind = models.CharField(max_length=63)
    namespace = models.CharField(max_length=63, blank=True)
    name = models.CharField(max_length=253)
    object = models.JSONField()
    created = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.revision} {self.type} {self.kind}/{self.name}"

    @classmethod
    def matching(cls, kind=None, namespace=None, name=None):
        q = Q()
        if kind is not None:
            q &= Q(group=kind.group, kind=kind.kind)
        if namespace:
            q &= Q(namespace=namespace)
        if name:
            q &= Q(name=name)
        return cls.objects.filter(q)
