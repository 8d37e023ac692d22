"""ASGI entry point, served by daphne: HTTP (the Kubernetes API and the dashboard) and websockets."""
import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubesim.settings")

django_asgi_app = get_asgi_application()

# Imported after Django is set up: Channels' routing reads settings.
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from dashboard.routing import websocket_urlpatterns

application = ProtocolTypeRouter({
    # Static files (the dashboard's CSS, JS and vendored libraries) from the same server: a
    # classroom laptop has no web server in front of daphne.
    "http": ASGIStaticFilesHandler(django_asgi_app),
    # A page from another site must not open the dashboard's websocket (cross-site hijacking).
    "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
})

if settings.KUBESIM_CONTROL_PLANE == "embedded":
    from workers import embedded

    embedded.start()
