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

from cluster.api import streams
from dashboard.routing import websocket_urlpatterns

application = ProtocolTypeRouter({
    # Static files (the dashboard's CSS, JS and vendored libraries) from the same server: a
    # classroom laptop has no web server in front of daphne.
    "http": ASGIStaticFilesHandler(django_asgi_app),
    # A page from another site must not open the dashboard's websocket (cross-site hijacking).
    # exec/attach/portforward over a websocket (cluster.api.streams). kubectl's dialer sends no
    # Origin, is refused here and falls back to SPDY, which gets the plain-HTTP Status.
    "websocket": AllowedHostsOriginValidator(URLRouter(
        websocket_urlpatterns + streams.websocket_urlpatterns)),
})

# Twisted (daphne's HTTP server) has no reason phrase for 422 and 429 and sends "Unknown Status";
# kube-apiserver sends Go's, which clients show (the Python client's ApiException.reason).
from twisted.web import http as twisted_http

twisted_http.RESPONSES.setdefault(422, b"Unprocessable Entity")
twisted_http.RESPONSES.setdefault(429, b"Too Many Requests")

if settings.KUBESIM_CONTROL_PLANE == "embedded":
    from workers import embedded

    embedded.start()
