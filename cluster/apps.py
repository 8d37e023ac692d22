from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClusterConfig(AppConfig):
    name = "cluster"
    verbose_name = "Cluster store"

    def ready(self):
        post_migrate.connect(_initialize, sender=self)


def _initialize(**kwargs):
    from .store import ensure_initialized

    ensure_initialized()
