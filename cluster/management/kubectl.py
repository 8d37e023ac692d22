"""What the terminal commands share with kubectl: resource names, error lines, reading `-f`,
durations."""
import re
import sys
from pathlib import Path

from django.conf import settings

from cluster import kinds, manifests
from cluster.errors import StatusError

MANIFEST_EXTENSIONS = (".json", ".yaml", ".yml")  # what kubectl reads from a directory


def resource(kind):
    """`deployment.apps` / `pod`: how kubectl names a kind in `deployment.apps/web created`."""
    return f"{kind.kind.lower()}.{kind.group}" if kind.group else kind.kind.lower()


def error_text(error):
    """The line kubectl prints for an error: the server's Status, or its own refusal."""
    if isinstance(error, StatusError) and not isinstance(error, manifests.ManifestError):
        return f"Error from server ({error.reason}): {error.message}"
    return f"error: {error}"


def lookup(name):
    try:
        return kinds.lookup(name)
    except kinds.UnknownKind as e:
        raise manifests.ManifestError(str(e)) from None


def read_manifests(filenames, stdin=None):
    """The documents of every `-f`: a file, a directory's manifests in name order, or `-`."""
    documents = []
    for name in filenames:
        for source, data in _sources(name, stdin or sys.stdin):
            documents += manifests.parse(data, source)
    return documents


def _sources(name, stdin):
    if name == "-":
        yield "STDIN", _read(getattr(stdin, "buffer", stdin))
        return
    path = Path(name)
    if not path.exists():
        raise manifests.ManifestError(f'the path "{name}" does not exist')
    if path.is_file():
        yield name, _read_path(path)
        return
    for child in sorted(path.iterdir()):  # kubectl does not descend without --recursive
        if child.is_file() and child.suffix in MANIFEST_EXTENSIONS:
            yield str(child), _read_path(child)


def _read_path(path):
    with path.open("rb") as f:
        return _read(f)


def _read(stream):
    """At most one byte past the limit: parse refuses the upload without reading it all."""
    return stream.read(settings.KUBESIM_MAX_REQUEST_BYTES + 1)


def fail(command, *errors):
    """Print the errors as kubectl does and exit 1."""
    for error in errors:
        command.stderr.write(error_text(error))
    raise SystemExit(1)


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_duration(text):
    """Seconds in a duration as kubectl's flags take it (Go's `1m30s`, `500ms`); a bare number is
    seconds."""
    if re.fullmatch(r"\d+(?:\.\d*)?|\.\d+", text):
        return float(text)
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise manifests.ManifestError(f'time: invalid duration "{text}"')
    return sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)


def format_duration(seconds):
    """A duration as Go prints it: `1m0s`, `1.5s`, `500ms`."""
    if seconds == 0:
        return "0s"
    if seconds < 1:
        for unit, scale in (("ms", 1e3), ("µs", 1e6), ("ns", 1e9)):
            if seconds * scale >= 1 or unit == "ns":
                return f"{_trim(seconds * scale)}{unit}"
    hours, rest = divmod(seconds, 3600)
    minutes, rest = divmod(rest, 60)
    text = f"{_trim(rest)}s"
    if hours or minutes:
        text = f"{int(minutes)}m{text}"
    return f"{int(hours)}h{text}" if hours else text


def _trim(number):
    return f"{number:.9f}".rstrip("0").rstrip(".")
