"""`manage.py delete KIND NAME... | -f FILE`: kubectl delete, object by object as kubectl goes."""
from django.core.management.base import BaseCommand

from cluster import store
from cluster.apply import resolve
from cluster.errors import StatusError
from cluster.management import kubectl
from cluster.manifests import ManifestError

PROPAGATION = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan"}
FORCE_WARNING = ("warning: Immediate deletion does not wait for confirmation that the running "
                 "resource has been terminated. The resource may continue to run on the cluster "
                 "indefinitely.")


class Command(BaseCommand):
    help = "Delete resources by file names, stdin, or kind and names, as kubectl delete does."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("kind", nargs="?")
        parser.add_argument("names", nargs="*")
        parser.add_argument("-f", "--filename", action="append", default=[])
        parser.add_argument("-n", "--namespace")
        parser.add_argument("--grace-period", type=int, default=-1,
                            help="seconds the object has to terminate; -1 keeps its own default")
        parser.add_argument("--force", action="store_true", help="with --grace-period=0: at once")
        parser.add_argument("--cascade", choices=tuple(PROPAGATION), default="background")

    def handle(self, *args, **options):
        grace = options["grace_period"]
        try:
            if grace == 0 and not options["force"]:
                grace = 1  # as kubectl: --grace-period=0 means 1 unless --force says it all
            elif options["force"] and grace < 0:
                grace = 0
            if options["force"] and grace > 0:
                raise ManifestError("--force and --grace-period greater than 0 cannot be specified together")
            targets = self._targets(options)
        except StatusError as e:
            kubectl.fail(self, e)
        if grace == 0:
            self.stderr.write(FORCE_WARNING)
        errors = []
        for kind, namespace, name, source in targets:
            try:
                store.delete(kind, namespace, name, grace_period_seconds=None if grace < 0 else grace,
                             propagation_policy=PROPAGATION[options["cascade"]])
            except StatusError as e:
                if source:  # as kubectl's AddSourceToErr
                    e.message = f'error when deleting "{source}": {e.message}'
                errors.append(e)
                continue
            done = "force deleted" if grace == 0 else "deleted"
            self.stdout.write(f'{kubectl.resource(kind)} "{name}" {done}')
        if errors:
            kubectl.fail(self, *errors)

    def _targets(self, options):
        """(kind, namespace, name, source) of everything to delete."""
        if options["filename"]:
            if options["kind"]:
                raise ManifestError("Can not specify both resource names and a file")
            targets = []
            for doc in kubectl.read_manifests(options["filename"], options.get("stdin")):
                kind, obj = resolve(doc, options["namespace"])
                meta = obj["metadata"]
                targets.append((kind, meta.get("namespace"), meta.get("name", ""), doc.source))
            return targets
        if not options["kind"]:
            raise ManifestError("You must provide one or more resources by argument or filename.")
        if not options["names"]:
            raise ManifestError("resource(s) were provided, but no name was specified")
        kind = kubectl.lookup(options["kind"])
        namespace = (options["namespace"] or "default") if kind.namespaced else None
        return [(kind, namespace, name, None) for name in options["names"]]
