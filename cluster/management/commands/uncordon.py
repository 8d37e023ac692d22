"""`manage.py uncordon NODE`: kubectl uncordon, marking the node schedulable again."""
from django.core.management.base import BaseCommand

from cluster.errors import StatusError
from cluster.management import kubectl
from workers import operations


class Command(BaseCommand):
    help = "Mark a node as schedulable, as kubectl uncordon does."

    def add_arguments(self, parser):
        parser.add_argument("node")

    def handle(self, *args, **options):
        try:
            changed = operations.uncordon(options["node"])
        except StatusError as e:
            kubectl.fail(self, e)
        self.stdout.write(f"node/{options['node']} {'uncordoned' if changed else 'already uncordoned'}")
