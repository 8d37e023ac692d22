"""The Kubernetes API's paths (see requestinfo for the shapes under /api and /apis)."""
from django.urls import re_path

from . import discovery, metrics, openapi, operations, reviews, views
from .responses import api_view

urlpatterns = operations.urlpatterns + metrics.urlpatterns + reviews.urlpatterns + [
    re_path(r"^version/?$", api_view(discovery.version)),
    re_path(r"^(?P<endpoint>healthz|livez|readyz)(?:/(?P<check>[^/]+))?/?$",
            api_view(discovery.health)),
    re_path(r"^api/?$", api_view(discovery.api_versions)),
    re_path(r"^apis/?$", api_view(discovery.api_groups)),
    re_path(r"^openapi/v2/?$", api_view(openapi.openapi_v2)),
    re_path(r"^openapi/v3/?$", api_view(openapi.openapi_v3)),
    re_path(r"^openapi/v3/(?P<path>.+)$", api_view(openapi.openapi_v3_group_version)),
    re_path(r"^(?P<prefix>api|apis)/(?P<path>.+)$", views.resource),
]
