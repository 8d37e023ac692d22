"""Bearer-token authentication for the API paths, as kube-apiserver's token authenticator.

The token is derived from SECRET_KEY with HMAC rather than stored: every process (daphne, the
workers, `manage.py kubeconfig`) computes the same token with no shared file, and rotating
SECRET_KEY rotates the token. A request with no Authorization header stays allowed (anonymous), so
the README's curl examples keep working; only a WRONG token is refused with 401.
"""
import hashlib
import hmac

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings

from .responses import respond

API_PREFIXES = ("/api", "/apis", "/openapi", "/version", "/healthz", "/livez", "/readyz")


def token():
    digest = hmac.new(settings.SECRET_KEY.encode(), b"kubesim-admin", hashlib.sha256)
    return digest.hexdigest()


def is_api_path(path):
    return any(path == p or path.startswith(p + "/") for p in API_PREFIXES)


def refused(request):
    """None when the request may go on; the 401 Status kube-apiserver answers otherwise."""
    if not is_api_path(request.path):
        return None
    header = request.headers.get("Authorization")
    if header is None:
        return None  # anonymous
    scheme, _, given = header.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token()):
        return None
    return respond(request, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                             "status": "Failure", "message": "Unauthorized",
                             "reason": "Unauthorized", "code": 401}, status=401)


class BearerTokenMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        return refused(request) or self.get_response(request)

    async def _acall(self, request):
        return refused(request) or await self.get_response(request)
