"""`manage.py kubeconfig [--server URL] [-o FILE]`: a kubeconfig for the running server.

    manage.py kubeconfig -o kubesim.yaml && kubectl --kubeconfig kubesim.yaml get nodes
"""
import os
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand

from cluster.api.auth import token


def kubeconfig(server):
    return {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "kubesim", "cluster": {"server": server}}],
        "users": [{"name": "kubesim-admin", "user": {"token": token()}}],
        "contexts": [{"name": "kubesim", "context": {
            "cluster": "kubesim", "user": "kubesim-admin", "namespace": "default"}}],
        "current-context": "kubesim",
        "preferences": {},
    }


def render(server):
    return yaml.safe_dump(kubeconfig(server.rstrip("/")), sort_keys=False)


class Command(BaseCommand):
    help = "Write a kubeconfig (with a bearer token) for the running server."

    def add_arguments(self, parser):
        default = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
        parser.add_argument("--server", default=default, help=f"API server URL ({default})")
        parser.add_argument("-o", "--output", help="file to write (stdout if omitted)")

    def handle(self, *args, **options):
        text = render(options["server"])
        if not options["output"]:
            self.stdout.write(text, ending="")
            return
        path = Path(options["output"])
        # The token is a credential: the file is readable by its owner only.
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        path.write_text(text)
        self.stdout.write(f"kubeconfig written to {path}")
