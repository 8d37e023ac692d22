"""The dashboard's kubeconfig download: the same file `manage.py kubeconfig` writes, pointed at
the address the browser used to reach this server."""
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from cluster.management.commands.kubeconfig import render


@require_GET
def download(request):
    response = HttpResponse(render(request.build_absolute_uri("/")),
                            content_type="application/yaml")
    response["Content-Disposition"] = 'attachment; filename="kubesim-kubeconfig.yaml"'
    response["Cache-Control"] = "no-store"  # it carries the bearer token
    return response
