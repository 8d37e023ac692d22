"""`manage.py reset_demo`: the dashboard's reset button. Everything but the system namespaces is
deleted, the demo cluster seeded again, and the control plane's own state (kubelets, container
runtimes, timers, scheduling verdicts) forgotten. The clock is left as it is."""
from django.core.management.base import BaseCommand

from cluster.management import kubectl
from workers import operations


class Command(BaseCommand):
    help = "Reset the cluster to the demo cluster."

    def handle(self, *args, **options):
        deleted, results = operations.reset_demo()
        self.stdout.write(f"{deleted} objects deleted")
        for kind, obj, action in results:
            self.stdout.write(f"{kubectl.resource(kind)}/{obj['metadata']['name']} {action}")
