"""`manage.py clock [pause|resume|speed N|step DURATION]`: the simulation clock's controls.

    clock              # what time the cluster thinks it is, and how fast it runs
    clock speed 10     # ten simulated seconds per real second
    clock pause
    clock step 5m      # jump ahead, paused or not
    clock resume
"""
from django.core.management.base import BaseCommand

from cluster import clock
from cluster.errors import StatusError
from cluster.management import kubectl
from cluster.timestamps import timestamp


class Command(BaseCommand):
    help = "Show, pause, resume, speed up or step the cluster's simulated clock."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action")
        actions.add_parser("pause", help="stop simulated time")
        actions.add_parser("resume", help="let simulated time run again")
        actions.add_parser("speed", help="simulated seconds per real second").add_argument(
            "speed", type=float)
        actions.add_parser("step", help="move simulated time forward, e.g. 30s, 5m").add_argument(
            "duration")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "speed":
                state = clock.set_speed(options["speed"])
            elif action == "step":
                state = clock.step(kubectl.parse_duration(options["duration"]))
            elif action:
                state = getattr(clock, action)()
            else:
                state = clock.current()
        except (StatusError, ValueError) as e:
            kubectl.fail(self, e)
        running = "paused" if state.paused else "running"
        self.stdout.write(f"{timestamp(state.now())} {running} at {state.speed:g}x")
