"""Responses as kube-apiserver writes them: JSON objects, and a meta/v1 Status for every failure."""
import functools
import json
import logging

from asgiref.sync import iscoroutinefunction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..errors import StatusError

logger = logging.getLogger(__name__)

JSON = "application/json"
NO_CACHE = "no-cache, private"  # on every API response, as upstream's WithCacheControl
_PRETTY_AGENTS = ("curl", "Wget", "Mozilla/5.0")


def _pretty(request):
    """Indented for people, as upstream's isPrettyPrint: ?pretty, or curl, wget and browsers."""
    if "pretty" in request.GET:
        return request.GET["pretty"].lower() in ("1", "t", "true")
    return request.headers.get("User-Agent", "").startswith(_PRETTY_AGENTS)


def encode(body, pretty=False):
    text = json.dumps(body, indent=2) if pretty else json.dumps(body, separators=(",", ":"))
    return (text + "\n").encode()


def respond(request, body, status=200):
    response = HttpResponse(encode(body, _pretty(request)), status=status, content_type=JSON)
    response["Cache-Control"] = NO_CACHE
    return response


def success(code=None, details=None):
    """A Status Success, which some verbs answer with instead of an object."""
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    if details:
        body["details"] = details
    if code:
        body["code"] = code
    return body


def failure(error):
    body = error.status()
    if error.details == {}:  # go-restful's generic errors carry an empty details object
        body["details"] = {}
    return body


class InternalError(StatusError):
    def __init__(self, error):
        super().__init__(f"Internal error occurred: {error}",
                         details={"causes": [{"message": str(error)}]})


def api_view(view):
    """Exempt from CSRF (clients are programs, not browsers); answer every failure with a Status."""

    def fail(request, error):
        if not isinstance(error, StatusError):
            logger.exception("%s %s failed", request.method, request.path, exc_info=error)
            error = InternalError(error)
        return respond(request, failure(error), error.code)

    if iscoroutinefunction(view):
        @functools.wraps(view)
        async def wrapper(request, *args, **kwargs):
            try:
                return await view(request, *args, **kwargs)
            except Exception as e:  # noqa: BLE001 (any failure becomes a Status, never HTML)
                return fail(request, e)
    else:
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except Exception as e:  # noqa: BLE001
                return fail(request, e)
    return csrf_exempt(wrapper)


def bad_request(request, exception=None):
    """handler400: a request Django refuses before any view (a Host not in ALLOWED_HOSTS)."""
    from ..errors import BadRequest

    return respond(request, failure(BadRequest(str(exception) or "bad request")), 400)


def server_error(request):
    """handler500: a failure outside the API views' own handling still answers with a Status."""
    return respond(request, failure(StatusError("Internal error occurred")), 500)
