"""Errors as the editor shows them: each at its line, worded as the API and kubectl word them.

The store's Status errors carry one cause per bad field (`spec.replicas: Invalid value: -1: ...`);
cluster.apply adds each cause's line, and names the document and line of the whole error in its
message as `document N (line L)`, as do the manifest reader's syntax errors. The editor lists one
problem per cause at the cause's line, else one for the whole error at the line its message names.
"""
import re
from dataclasses import dataclass

from cluster.management import kubectl

_WHERE = re.compile(r"document (\d+) \(line (\d+)\)")


@dataclass(frozen=True)
class Problem:
    line: int | None  # from 1; None when the error names no line (an empty upload)
    text: str


@dataclass(frozen=True)
class Failure:
    """One error: kubectl's line for it when its causes are listed one by one (shortened to
    what precedes them; None when the error is its one problem), and its problems."""
    summary: str | None
    problems: tuple


def failure(error, document=None):
    """A StatusError (cluster.errors) as a Failure; `document` places causes that carry no line yet (errors
    from the store directly, not through cluster.apply)."""
    text = kubectl.error_text(error)
    causes = (error.details or {}).get("causes") or []
    line = _line(error, document)
    if not causes:
        return Failure(None, (Problem(line, text),))
    problems = tuple(Problem(_cause_line(cause, document, line), _cause_text(error, cause))
                     for cause in causes)
    return Failure(_without_causes(text, error, causes), problems)


def _line(error, document):
    """The line the message names (the last one: the innermost document's), else the object's."""
    found = _WHERE.findall(str(getattr(error, "message", error)))
    if found:
        return int(found[-1][1])
    if document is None:
        return None
    if getattr(error, "reason", "") == "Conflict":
        return document.line_of("metadata.resourceVersion")  # what went stale
    return document.line


def _cause_line(cause, document, fallback):
    if cause.get("line"):
        return cause["line"]
    if document is not None and cause.get("field"):
        return document.line_of(cause["field"])
    return fallback


def _cause_text(error, cause):
    """As the API's Invalid message lists a cause: `field: message`; other errors' causes
    (unknown fields, undecodable values) name their field in the message already."""
    if error.reason == "Invalid" and cause.get("field"):
        return f"{cause['field']}: {cause['message']}"
    return cause["message"]


def _without_causes(text, error, causes):
    """kubectl's line without the list of causes that follows it (shown one by one instead)."""
    listed = [_cause_text(error, c) for c in causes]
    for tail in (f"[{', '.join(listed)}]", ", ".join(listed)):
        if text.endswith(tail):
            return text.removesuffix(tail).rstrip(": ")
    return text
