"""GET pods/NAME/log: the simulated kubelet's container logs, as the API server proxies them.

Without `follow` the answer is the log as text. With it the log streams: what is there now, then
each new line as simulated time makes the container print it, until the container stops, the
pod goes, or the client leaves.
"""
import asyncio
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse

from .. import clock, store, timestamps
from ..errors import BadRequest, MethodNotAllowed, NotFound
from .options import boolean, integer

TEXT = "text/plain"


def _options(request):
    query = request.GET
    since = None
    if query.get("sinceSeconds"):
        seconds = integer(query["sinceSeconds"])
        if seconds is None or seconds < 1:
            raise BadRequest("sinceSeconds: Invalid value: must be greater than 0")
        since = clock.now() - timedelta(seconds=seconds)
    elif query.get("sinceTime"):
        try:
            since = timestamps.parse(query["sinceTime"])
        except ValueError:
            raise BadRequest(f'parsing time "{query["sinceTime"]}" as RFC 3339 failed') from None
    tail = integer(query.get("tailLines")) if query.get("tailLines") else None
    return {"tail_lines": tail, "previous": boolean(query.getlist("previous")),
            "timestamps": boolean(query.getlist("timestamps")), "since": since}


def _read(info, container, options):
    from workers.kubelet.logs import logs

    pod = store.get(info.kind, info.namespace, info.name)
    return pod, logs(pod, container, **options)


def _running(pod, container):
    statuses = (pod.get("status") or {}).get("containerStatuses") or ()
    return any("running" in (s.get("state") or {}) for s in statuses
               if not container or s["name"] == container)


async def serve(request, info):
    if request.method != "GET":
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    # sinceSeconds reads the simulated clock, from the database: not in the event loop.
    container, options = request.GET.get("container"), await sync_to_async(_options)(request)
    pod, text = await sync_to_async(_read)(info, container, options)
    if not boolean(request.GET.getlist("follow")) or options["previous"]:
        return HttpResponse(text, content_type=TEXT)
    return StreamingHttpResponse(_follow(info, container, options, pod, text), content_type=TEXT)


async def _follow(info, container, options, pod, first):
    yield first.encode()
    whole = {**options, "tail_lines": None}
    _, text = await sync_to_async(_read)(info, container, whole)
    sent = len(text.splitlines())
    while _running(pod, container):
        await asyncio.sleep(settings.KUBESIM_WATCH_POLL_SECONDS * 10)
        try:
            pod, text = await sync_to_async(_read)(info, container, whole)
        except (NotFound, BadRequest):
            return  # the pod went, or its container is no longer there to read
        lines = text.splitlines(keepends=True)
        if len(lines) > sent:
            yield "".join(lines[sent:]).encode()
            sent = len(lines)
