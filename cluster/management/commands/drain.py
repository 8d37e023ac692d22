"""`manage.py drain NODE`: kubectl drain. Cordons the node, evicts its pods through the Eviction
API's code, then waits (polling the store each second, in real time) until they are gone.

An evicted pod goes once its kubelet has stopped it, in simulated time: with the clock paused, or
on a node whose kubelet is stopped, it never does, and drain waits as kubectl drain waits on a
dead node. --timeout bounds the wait (0s, the default, waits for ever, as kubectl's).
"""
import time

from django.core.management.base import BaseCommand

from cluster.errors import StatusError
from cluster.management import kubectl
from workers import operations

POLL_SECONDS = 1.0


class Command(BaseCommand):
    help = "Drain a node in preparation for maintenance, as kubectl drain does."

    def add_arguments(self, parser):
        parser.add_argument("node")
        parser.add_argument("--force", action="store_true",
                            help="also evict pods that no controller manages")
        parser.add_argument("--ignore-daemonsets", action="store_true",
                            help="leave DaemonSet-managed pods where they are")
        parser.add_argument("--delete-emptydir-data", action="store_true",
                            help="also evict pods using emptyDir (their data is lost)")
        parser.add_argument("--grace-period", type=int, default=-1,
                            help="seconds each pod has to terminate; -1 keeps its own")
        parser.add_argument("--timeout", default="0s",
                            help="how long to wait before giving up, e.g. 1m30s; 0s waits for ever")

    def handle(self, *args, **options):
        name = options["node"]
        try:
            timeout = kubectl.parse_duration(options["timeout"])
            changed = operations.cordon(name)
        except StatusError as e:
            kubectl.fail(self, e)
        self.stdout.write(f"node/{name} {'cordoned' if changed else 'already cordoned'}")
        grace = options["grace_period"]
        try:
            drained = operations.evict_pods(
                name, force=options["force"], ignore_daemonsets=options["ignore_daemonsets"],
                delete_emptydir_data=options["delete_emptydir_data"],
                grace_period_seconds=None if grace < 0 else grace)
        except operations.DrainError as e:
            self._unable(name, e, e.errors)
        except StatusError as e:
            kubectl.fail(self, e)
        if drained.warnings:
            self.stderr.write(f"Warning: {drained.warnings}")
        for pod in drained.pods:
            self.stdout.write(f"evicting pod {pod['metadata']['namespace']}/{pod['metadata']['name']}")
        pending = self._wait(drained.pods, timeout)
        if pending:
            errors = [f'error when waiting for pod "{p["metadata"]["name"]}" in namespace '
                      f'"{p["metadata"]["namespace"]}" to terminate: global timeout reached: '
                      f"{kubectl.format_duration(timeout)}" for p in pending]
            error = operations.DrainError(errors)
            self.stderr.write(f'There are pending pods in node "{name}" when an error occurred: {error}')
            for pod in pending:
                self.stderr.write(f"pod/{pod['metadata']['name']}")
            self._unable(name, error, errors)
        self.stdout.write(f"node/{name} drained")

    def _wait(self, pods, timeout):
        """Print each pod as it goes; returns those still there when the timeout ran out."""
        start = time.monotonic()
        while True:
            left = operations.remaining(pods)
            for pod in pods:
                if pod not in left:
                    self.stdout.write(f"pod/{pod['metadata']['name']} evicted")
            pods = left
            elapsed = time.monotonic() - start
            if not pods or (timeout and elapsed >= timeout):
                return pods
            time.sleep(min(POLL_SECONDS, timeout - elapsed) if timeout else POLL_SECONDS)

    def _unable(self, name, error, errors):
        self.stderr.write(f'error: unable to drain node "{name}" due to error: {error}, continuing command...')
        self.stderr.write("There are pending nodes to be drained:")
        self.stderr.write(f" {name}")
        for line in errors:
            self.stderr.write(line)
        raise SystemExit(1)
