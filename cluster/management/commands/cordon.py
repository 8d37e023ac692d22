"""`manage.py cordon NODE`: kubectl cordon, marking the node unschedulable."""
from django.core.management.base import BaseCommand

from cluster.errors import StatusError
from cluster.management import kubectl
from workers import operations


class Command(BaseCommand):
    help = "Mark a node as unschedulable, as kubectl cordon does."

    def add_arguments(self, parser):
        parser.add_argument("node")

    def handle(self, *args, **options):
        try:
            changed = operations.cordon(options["node"])
        except StatusError as e:
            kubectl.fail(self, e)
        self.stdout.write(f"node/{options['node']} {'cordoned' if changed else 'already cordoned'}")
