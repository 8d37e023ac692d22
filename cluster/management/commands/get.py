"""`manage.py get KIND [NAME...]`: kubectl get's tables, names, YAML and JSON."""
from django.core.management.base import BaseCommand

from cluster import store
from cluster.errors import NotFound, StatusError
from cluster.management import kubectl, printers
from cluster.manifests import ManifestError


class Command(BaseCommand):
    help = "Display one or many resources, as kubectl get does."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="pods, po, deployments.apps, ...")
        parser.add_argument("names", nargs="*")
        parser.add_argument("-n", "--namespace")
        parser.add_argument("-A", "--all-namespaces", action="store_true")
        parser.add_argument("-l", "--selector", help="a label selector, e.g. app=web,tier!=db")
        parser.add_argument("-o", "--output", choices=("yaml", "json", "name", "wide"))

    def handle(self, *args, **options):
        try:
            kind = kubectl.lookup(options["kind"])
            objects, missing = self._objects(kind, options)
        except StatusError as e:
            kubectl.fail(self, e)
        output, names = options["output"], options["names"]
        if output in ("yaml", "json"):
            if objects or not names:
                one = len(names) == 1 and objects
                document = objects[0] if one else printers.as_list(objects)
                self.stdout.write(printers.to_yaml(document) if output == "yaml"
                                  else printers.to_json(document), ending="")
        elif output == "name":
            for obj in objects:
                self.stdout.write(f"{kubectl.resource(kind)}/{obj['metadata']['name']}")
        elif objects:
            lines = printers.table(kind, objects, wide=output == "wide",
                                   namespace_column=options["all_namespaces"] and kind.namespaced)
            self.stdout.write("\n".join(lines))
        if missing:
            kubectl.fail(self, *missing)
        if not objects and not names and output not in ("yaml", "json"):
            namespace = options["namespace"] or "default"
            if kind.namespaced and not options["all_namespaces"]:
                self.stderr.write(f"No resources found in {namespace} namespace.")
            else:
                self.stderr.write("No resources found")

    def _objects(self, kind, options):
        """(objects, NotFound errors): the named objects, or those the selector matches."""
        names, namespace = options["names"], options["namespace"] or "default"
        if names and options["all_namespaces"]:
            raise ManifestError("a resource cannot be retrieved by name across all namespaces")
        if names and options["selector"]:
            raise ManifestError("name cannot be provided when a selector is specified")
        if not names:
            scope = None if options["all_namespaces"] or not kind.namespaced else namespace
            return store.list_objects(kind, scope, label_selector=options["selector"]).items, []
        objects, missing = [], []
        for name in names:
            try:
                objects.append(store.get(kind, namespace, name))
            except NotFound as e:
                missing.append(e)
        return objects, missing
