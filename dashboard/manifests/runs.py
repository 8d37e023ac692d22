"""Running the editor's text: Validate (a server dry run of each document) and Apply (all
documents or none, as cluster.apply does), reported as kubectl reports them."""
from dataclasses import dataclass, field

from cluster import apply as cluster_apply
from cluster import manifests
from cluster.errors import StatusError
from cluster.management import kubectl

from .problems import failure

SOURCE = "manifest"  # how error messages name the editor's text, as kubectl names a file
DRY_RUN = " (server dry run)"


@dataclass(frozen=True)
class Line:
    """One of kubectl's result lines (`deployment.apps/web created`) and its object."""
    text: str
    object: dict | None = None  # linked to its page unless nothing was written


@dataclass
class Outcome:
    lines: list = field(default_factory=list)  # Line
    failures: list = field(default_factory=list)  # problems.Failure
    warnings: list = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self):
        return not self.failures

    @property
    def problems(self):
        return [p for f in self.failures for p in f.problems]


def validate(text):
    """A server dry run of each document on its own, so that every bad document is reported,
    not only the first (Apply stops at the first)."""
    outcome = Outcome(dry_run=True)
    try:
        documents = manifests.parse(text, SOURCE)
        if not documents:
            cluster_apply.apply(documents)  # refuses: "no objects passed to apply"
    except StatusError as e:
        outcome.failures.append(failure(e))
        return outcome
    for document in documents:
        try:
            _report(outcome, cluster_apply.apply([document], dry_run=True))
        except StatusError as e:
            outcome.failures.append(failure(e))
    return outcome


def apply(text):
    """Apply every document or none: the first error rolls the whole text back."""
    outcome = Outcome()
    try:
        _report(outcome, cluster_apply.apply(manifests.parse(text, SOURCE)))
    except StatusError as e:
        outcome.failures.append(failure(e))
    return outcome


def _report(outcome, results):
    for result in results:
        name = f"{kubectl.resource(result.kind)}/{result.object['metadata']['name']}"
        if outcome.dry_run:
            outcome.lines.append(Line(f"{name} {result.action}{DRY_RUN}"))
        else:
            outcome.lines.append(Line(f"{name} {result.action}", result.object))
        outcome.warnings += result.warnings
