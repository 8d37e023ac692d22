"""Bearer-token authentication for the API paths, as kube-apiserver's token authenticator.

The token is derived from SECRET_KEY with HMAC rather than stored: every process (daphne, the
workers, `manage.py kubeconfig`) computes the same token with no shared file, and rotating
SECRET_KEY rotates the token. A request with no Authorization header stays allowed (anonymous), so
the README's curl examples keep working; only a WRONG token is refused with 401.

Service account tokens (TokenRequest, `kubectl create token`) are JWTs with upstream's claims,
signed with HS256 under a key derived from SECRET_KEY (upstream signs RS256 with the service
account key; a token is opaque to its holder either way). One is accepted while its signature
holds and the WALL clock is within nbf..exp: tokens are for real clients. Unlike upstream, the
service account is not looked up again (a token outlives its ServiceAccount until it expires).
"""
import base64
import hashlib
import hmac
import json
import time
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings

from .responses import respond

API_PREFIXES = ("/api", "/apis", "/openapi", "/version", "/healthz", "/livez", "/readyz")


def token():
    digest = hmac.new(settings.SECRET_KEY.encode(), b"kubesim-admin", hashlib.sha256)
    return digest.hexdigest()


ISSUER = "https://kubernetes.default.svc.cluster.local"  # kubeadm's --service-account-issuer
AUDIENCES = [ISSUER]  # --api-audiences defaults to the issuer
_HEADER = {"alg": "HS256", "typ": "JWT"}


def _signing_key():
    return hmac.new(settings.SECRET_KEY.encode(), b"kubesim-service-account-key", hashlib.sha256).digest()


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(signing_input):
    return _b64(hmac.new(_signing_key(), signing_input.encode(), hashlib.sha256).digest())


def service_account_token(account, audiences, issued_at, expiration_seconds):
    """A signed JWT for a ServiceAccount, with the claims upstream's token generator writes."""
    meta = account["metadata"]
    claims = {"aud": audiences, "exp": issued_at + expiration_seconds, "iat": issued_at,
              "iss": ISSUER, "jti": str(uuid.uuid4()),
              "kubernetes.io": {"namespace": meta["namespace"],
                                "serviceaccount": {"name": meta["name"], "uid": meta["uid"]}},
              "nbf": issued_at, "sub": f"system:serviceaccount:{meta['namespace']}:{meta['name']}"}
    signing_input = ".".join(_b64(json.dumps(part, separators=(",", ":")).encode())
                             for part in (_HEADER, claims))
    return f"{signing_input}.{_sign(signing_input)}"


def token_claims(token):
    """The claims of a service account token this server signed and that is valid now (wall
    clock), else None."""
    parts = token.split(".")
    if len(parts) != 3 or not hmac.compare_digest(_sign(f"{parts[0]}.{parts[1]}"), parts[2]):
        return None
    try:
        claims = json.loads(_unb64(parts[1]))
    except ValueError:
        return None
    now = time.time()
    if not isinstance(claims, dict) or not claims.get("nbf", 0) <= now < claims.get("exp", 0):
        return None
    return claims


def is_api_path(path):
    return any(path == p or path.startswith(p + "/") for p in API_PREFIXES)


# Who a request is, as SelfSubjectReview's userInfo says it. The kubeconfig's user is a member of
# system:masters, the group every authorizer lets do anything.
ADMIN = {"username": "kubesim-admin", "groups": ["system:masters", "system:authenticated"]}
ANONYMOUS = {"username": "system:anonymous", "groups": ["system:unauthenticated"]}


def user_info(request):
    """The user a request authenticates as: the admin, a service account, or anonymous (no
    Authorization header); None for a token this server did not issue."""
    header = request.headers.get("Authorization")
    if header is None:
        return ANONYMOUS
    scheme, _, given = header.partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer":
        return None
    if hmac.compare_digest(given.encode(), token().encode()):
        return ADMIN
    claims = token_claims(given)
    if claims is None:
        return None
    namespace = claims["kubernetes.io"]["namespace"]
    return {"username": claims["sub"],
            "uid": claims["kubernetes.io"]["serviceaccount"]["uid"],
            "groups": ["system:serviceaccounts", f"system:serviceaccounts:{namespace}",
                       "system:authenticated"],
            "extra": {"authentication.kubernetes.io/credential-id": [f"JTI={claims['jti']}"]}}


def refused(request):
    """None when the request may go on; the 401 Status kube-apiserver answers otherwise."""
    if not is_api_path(request.path) or user_info(request) is not None:
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
