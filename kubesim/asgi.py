"""ASGI entry point, served by daphne: HTTP (the Kubernetes API and the dashboard) and websockets."""
import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubesim.settings")

django_asgi_app = get_asgi_application()

# Imported after Django is set up: Channels' routing reads settings.
from channels.routing import ProtocolTypeRouter

application = ProtocolTypeRouter({"http": django_asgi_app})

if settings.KUBESIM_CONTROL_PLANE == "embedded":
    from workers import embedded

    embedded.start()
