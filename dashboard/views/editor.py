"""The manifest editor: Validate (a server dry run), Apply, file upload, the examples, and Edit
on a live object's YAML.

Every POST is CSRF-checked. An htmx request gets the editor's output fragment (results, errors at
their lines) to swap into the page; a plain form post gets the whole page with the same fragment
and the text as it was posted, so nothing typed is lost when something fails.
"""
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cluster import kinds, store
from cluster.errors import Conflict, NotFound, StatusError
from dashboard.manifests import edits, examples, runs, uploads
from dashboard.manifests.problems import failure

PAGE, OUTPUT = "dashboard/editor/page.html", "dashboard/editor/output.html"
BY_PLURAL = {k.plural: k for k in kinds.KINDS}
CLUSTER_SCOPE = "_"  # the namespace segment of a cluster-scoped object's URL


@require_GET
def editor(request):
    """The editor, empty or holding the example `?example=<kind>` (the Examples menu without JS)."""
    text = examples.text(request.GET.get("example", "")) or ""
    return render(request, PAGE, _page_context(text))


@require_POST
def validate(request):
    text = request.POST.get("manifest", "")
    outcome = runs.validate(text)
    return _respond(request, _page_context(text), result=_result(outcome, _validate_heading(outcome)),
                    failures=outcome.failures)


@require_POST
def apply(request):
    text = request.POST.get("manifest", "")
    outcome = runs.apply(text)
    return _respond(request, _page_context(text), result=_result(outcome, _apply_heading(outcome)),
                    failures=outcome.failures)


@require_POST
def upload(request):
    """Files are loaded into the editor, not applied: the user looks, validates, then applies."""
    try:
        loaded = uploads.read(request.FILES.getlist("files"))
    except StatusError as e:
        text = request.POST.get("manifest", "")  # the editor's text stays as it was
        return _respond(request, _page_context(text), result=_error("Nothing was loaded."),
                        failures=[failure(e)])
    heading = (f"Loaded {', '.join(loaded.names)} into the editor. Look it over, then Validate "
               f"or Apply.")
    return _respond(request, _page_context(loaded.text), result=_message("success", heading),
                    loaded=loaded.text)


@require_GET
def example(request, kind):
    """An example manifest as text, for the Examples menu to load into the editor."""
    text = examples.text(kind.lower())
    if text is None:
        raise Http404(f'no example for "{kind}"')
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


@require_http_methods(["GET", "POST"])
def edit(request, resource, namespace, name):
    kind, namespace = _object_kind(resource, namespace)
    if request.method == "GET":
        try:
            obj = store.get(kind, namespace, name)
        except NotFound as e:
            raise Http404(e.message) from None
        return render(request, PAGE, _edit_context(kind, obj, edits.as_yaml(obj),
                                                   obj["metadata"]["resourceVersion"]))
    return _save(request, kind, namespace, name)


def _save(request, kind, namespace, name):
    text = request.POST.get("manifest", "")
    version = request.POST.get("resource_version", "")
    dry_run = bool(request.POST.get("dry_run"))
    target = {"apiVersion": kind.api_version, "kind": kind.kind,
              "metadata": {"name": name, "namespace": namespace}}
    try:
        saved = edits.save(kind, namespace, name, text, version, dry_run=dry_run)
    except edits.Refused as refused:
        return _respond(request, _edit_context(kind, target, text, version),
                        result=_refusal_result(refused.error), failures=[refused.failure],
                        latest=_latest(kind, namespace, name, refused.error))
    if dry_run or not saved.changed:
        return _respond(request, _edit_context(kind, saved.object, text, version),
                        result=_message("success", saved.line))
    # Saved: the editor now holds the object as stored, at its new resourceVersion.
    new_text = edits.as_yaml(saved.object)
    new_version = saved.object["metadata"]["resourceVersion"]
    return _respond(request, _edit_context(kind, saved.object, new_text, new_version),
                    result=_message("success", "Saved. The editor holds the object as stored now.",
                                    [runs.Line(saved.line, saved.object)]),
                    loaded=new_text, saved_version=new_version)


# --- what the page shows ----------------------------------------------------------------------

def _respond(request, page, **output):
    """The output fragment for htmx; for a plain post the page, holding the text as posted."""
    context = {**page, **output}
    if request.htmx:
        return render(request, OUTPUT, {**context, "fragment": True})
    return render(request, PAGE, context)


def _page_context(text):
    return {"nav": "editor", "text": text, "examples": examples.menu(), "mode": "editor"}


def _edit_context(kind, obj, text, version):
    return {**_page_context(text), "mode": "edit", "kind": kind, "object": obj,
            "resource_version": version, "title": f"{kind.plural}/{obj['metadata']['name']}"}


def _message(level, heading, lines=(), warnings=()):
    return {"level": level, "heading": heading, "lines": list(lines), "warnings": list(warnings)}


def _error(heading):
    return _message("error", heading)


def _result(outcome, heading):
    return _message("success" if outcome.ok else "error", heading, outcome.lines,
                    outcome.warnings)


def _count(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def _validate_heading(outcome):
    if outcome.ok:
        return f"{_count(len(outcome.lines), 'object')} valid. Nothing was changed (a dry run)."
    problems = _count(len(outcome.problems), "error")
    if outcome.lines:
        return f"{problems}; {_count(len(outcome.lines), 'object')} valid. Nothing was changed."
    return f"{problems}. Nothing was changed."


def _apply_heading(outcome):
    if outcome.ok:
        return f"Applied {_count(len(outcome.lines), 'object')}."
    return f"{_count(len(outcome.problems), 'error')}. Nothing was applied: every object or none."


def _refusal_result(error):
    if isinstance(error, Conflict):
        return _error("Not saved: the object changed after you opened it. Your text is kept.")
    if isinstance(error, NotFound) and not (error.details or {}).get("causes"):
        return _error("Not saved: the object no longer exists. Your text is kept.")
    return _error("Not saved. Your text is kept.")


def _latest(kind, namespace, name, error):
    """On a conflict, the object as it is now, to compare with (and, if wanted, start again)."""
    if not isinstance(error, Conflict):
        return None
    try:
        obj = store.get(kind, namespace, name)
    except NotFound:
        return None
    return {"text": edits.as_yaml(obj), "resource_version": obj["metadata"]["resourceVersion"],
            "object": obj}


def _object_kind(resource, namespace):
    kind = BY_PLURAL.get(resource)
    if kind is None:
        raise Http404(f'the server doesn\'t have a resource type "{resource}"')
    if kind.namespaced == (namespace == CLUSTER_SCOPE):
        raise Http404("no such object")
    return kind, namespace if kind.namespaced else None
