"""Websocket routes, served by daphne beside the HTTP app (see kubesim/asgi.py)."""
from django.urls import path

from .consumers import cluster, logs

websocket_urlpatterns = [
    path("ws/cluster", cluster.ClusterConsumer.as_asgi(), name="ws-cluster"),
    path("ws/logs/<str:namespace>/<str:name>", logs.LogConsumer.as_asgi(), name="ws-logs"),
]
