"""`manage.py node add|remove|stop|start NAME`: the dashboard's node buttons, in the terminal.

    node add node-4 --cpu 8 --memory 16Gi --label disk=ssd --taint dedicated=db:NoSchedule
    node stop node-1     # its kubelet stops: NotReady after 50 s, pods evicted 300 s later
    node start node-1
    node remove node-4   # the Node goes; the pods still bound to it are deleted
"""
from django.core.management.base import BaseCommand

from cluster.errors import StatusError
from cluster.management import kubectl
from cluster.manifests import ManifestError
from workers import operations

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


class Command(BaseCommand):
    help = "Add or remove a node, or stop or start its kubelet."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="register a new node with a running kubelet")
        add.add_argument("name")
        add.add_argument("--cpu", default="4")
        add.add_argument("--memory", default="8Gi")
        add.add_argument("--pods", default="110", help="how many pods it takes")
        add.add_argument("--label", action="append", default=[], help="key=value, repeatable")
        add.add_argument("--taint", action="append", default=[],
                         help="key[=value]:Effect as kubectl taint takes it, repeatable")
        for action, what in (("remove", "delete the node"), ("stop", "stop its kubelet"),
                             ("start", "start its kubelet")):
            actions.add_parser(action, help=what).add_argument("name")

    def handle(self, *args, **options):
        name = options["name"]
        try:
            self.stdout.write(getattr(self, f"_{options['action']}")(name, options))
        except StatusError as e:
            kubectl.fail(self, e)

    def _add(self, name, options):
        operations.add_node(name, cpu=options["cpu"], memory=options["memory"], pods=options["pods"],
                            labels=dict(map(_label, options["label"])),
                            taints=[_taint(t) for t in options["taint"]])
        return f"node/{name} created"

    def _remove(self, name, options):
        operations.remove_node(name)
        return f"node/{name} deleted"

    def _stop(self, name, options):
        return f"kubelet on node/{name} {'stopped' if operations.stop_kubelet(name) else 'already stopped'}"

    def _start(self, name, options):
        return f"kubelet on node/{name} {'started' if operations.start_kubelet(name) else 'already running'}"


def _label(text):
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ManifestError(f"invalid label spec: {text}")
    return key, value


def _taint(text):
    """key[=value]:Effect."""
    spec, sep, effect = text.rpartition(":")
    key, _, value = spec.partition("=")
    if not sep or not key:
        raise ManifestError(f"invalid taint spec: {text}")
    if effect not in TAINT_EFFECTS:
        raise ManifestError(f"invalid taint effect: {effect}, unsupported taint effect")
    return {"key": key, **({"value": value} if value else {}), "effect": effect}
