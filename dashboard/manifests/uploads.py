"""Manifest files uploaded to the editor: read into its text (not applied), one after another as
the documents of one stream, each introduced by a comment naming its file."""
from dataclasses import dataclass

from django.conf import settings

from cluster.errors import RequestEntityTooLarge
from cluster.manifests import ManifestError

EXTENSIONS = (".yaml", ".yml", ".json")  # what kubectl reads from a directory


@dataclass(frozen=True)
class Loaded:
    text: str
    names: list  # the files' names, in order


def read(files):
    """The text of the uploaded files; ManifestError (or RequestEntityTooLarge) if one is not a
    manifest file, is not UTF-8, or they are more than a request may carry together."""
    if not files:
        raise ManifestError(f"no file chosen: choose one or more {', '.join(EXTENSIONS)} files")
    limit = settings.KUBESIM_MAX_REQUEST_BYTES
    if sum(f.size for f in files) > limit:
        raise RequestEntityTooLarge(f"Request entity too large: limit is {limit}")
    names = [_name(f) for f in files]
    texts = [_decode(f, name) for f, name in zip(files, names)]
    if len(texts) == 1:
        return Loaded(texts[0], names)  # as it is: a JSON file stays JSON
    parts = [f"# {name}\n{text.rstrip()}\n" for name, text in zip(names, texts)]
    return Loaded("---\n".join(parts), names)


def _name(upload):
    """The file's name, one line of printable text (it becomes a YAML comment)."""
    name = "".join(c if c.isprintable() else "?" for c in upload.name or "")
    if not name.lower().endswith(EXTENSIONS):
        raise ManifestError(f'error reading "{name}": a manifest file must end in '
                            f'{", ".join(EXTENSIONS)}')
    return name


def _decode(upload, name):
    data = upload.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ManifestError(f"error parsing {name}: line {line}: error converting YAML to JSON: "
                            f"yaml: invalid leading UTF-8 octet") from None
