"""`manage.py apply -f FILE|DIR|-`: kubectl apply against the simulated cluster, all or nothing."""
from django.core.management.base import BaseCommand

from cluster.apply import apply
from cluster.errors import StatusError
from cluster.management import kubectl


class Command(BaseCommand):
    help = "Apply a configuration to resources by file name or stdin, as kubectl apply does."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("-f", "--filename", action="append", required=True,
                            help="a manifest file, a directory of them, or - for stdin")
        parser.add_argument("-n", "--namespace", help="the namespace for objects that name none")
        parser.add_argument("--dry-run", nargs="?", const="server", default="none",
                            choices=("none", "server"), help="validate everything, write nothing")

    def handle(self, *args, **options):
        dry_run = options["dry_run"] == "server"
        try:
            documents = kubectl.read_manifests(options["filename"], options.get("stdin"))
            results = apply(documents, namespace=options["namespace"], dry_run=dry_run)
        except StatusError as e:
            kubectl.fail(self, e)
        for result in results:
            for warning in result.warnings:
                self.stderr.write(warning)
            name = result.object["metadata"]["name"]
            suffix = " (server dry run)" if dry_run else ""
            self.stdout.write(f"{kubectl.resource(result.kind)}/{name} {result.action}{suffix}")
