from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = "Control plane workers"

    def ready(self):
        from cluster.signals import changes_committed

        from . import dispatch

        changes_committed.connect(dispatch.on_commit, dispatch_uid="workers.dispatch")
