"""Responses as kube-apiserver writes them: JSON objects, and a meta/v1 Status for every failure."""
import functools
import json
import logging

from asgiref.sync import iscoroutinefunction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .. import conversion
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
    add_warning_header(request, response)
    return response


def in_version(request, response, api_version):
    """An answer about a kind asked for in another version than the stored one: its objects
    converted (cluster.conversion)."""
    if response.get("Content-Type") != JSON:
        return response
    response.content = encode(conversion.converted(json.loads(response.content), api_version),
                              _pretty(request))
    return response


# Upstream's warning recorder: past 4096 characters in all, each warning is cut to 256 and no
# more are added once the total is reached.
_WARNINGS_MAX_TOTAL, _WARNING_MAX = 4096, 256


def warn(request, text):
    """Record a warning for the response, once per text, as warning.AddWarning does."""
    warnings = request.__dict__.setdefault("_kube_warnings", [])
    if text and text not in warnings:
        warnings.append(text)


def add_warning_header(request, response):
    """The request's warnings as `Warning: 299 - "text"` (RFC 7234), what kubectl prints as
    `Warning: text`. Upstream sends one header line per warning; Django keeps one value per
    header, so they go comma-separated in one, which clients parse alike (RFC 7230 3.2.2)."""
    warnings = request.__dict__.get("_kube_warnings")
    if not warnings:
        return
    if sum(len(w) for w in warnings) > _WARNINGS_MAX_TOTAL:
        cut, total = [], 0
        for text in warnings:
            cut.append(text[:_WARNING_MAX])
            total += len(cut[-1])
            if total >= _WARNINGS_MAX_TOTAL:
                break
        warnings = cut
    value = ", ".join(_warning_value(w) for w in warnings)
    # Go writes the text's UTF-8 bytes as they are; a header value here is Latin-1.
    response["Warning"] = value.encode().decode("latin-1")


def _warning_value(text):
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    # Go's header writer turns line breaks into spaces.
    return '299 - "' + quoted.replace("\r", " ").replace("\n", " ") + '"'


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
