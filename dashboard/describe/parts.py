"""What a description is made of: fields (a label and a value), where a value is text, a link,
a state badge, several lines, nested fields or a table. Plain data only: the templates
(templates/dashboard/objects/describe/) escape every string in it, as they would any name."""
from dataclasses import dataclass

from cluster.printers.fields import parse_time

NONE = "<none>"
UNSET = "<unset>"


@dataclass
class Link:
    text: str
    url: str
    kind = "link"


@dataclass
class Badge:
    """A state word shown as base.css shows states: text, tint and border shape. `css` is a
    state class; left empty, the template picks one by the word (the status_class filter)."""
    text: str
    css: str = ""
    kind = "badge"


class Lines(list):
    """Values one under the other (labels, tolerations)."""
    kind = "lines"


class Fields(list):
    """Fields nested one level deeper (a container, System Info)."""
    kind = "fields"


@dataclass
class Table:
    headers: list
    rows: list  # lists of values (text, Link or Badge), one per header
    caption: str = ""  # what kubectl prints beside the heading: "(3 in total)"
    kind = "table"


@dataclass
class Field:
    label: str
    value: object = NONE

    @property
    def block(self):
        """Whether the value goes under its label (nested fields, tables, several lines)."""
        kind = getattr(self.value, "kind", "")
        return kind in ("fields", "table") or (kind == "lines" and len(self.value) > 1)


def rfc1123z(value):
    """A timestamp as kubectl describe prints it (Go's time.RFC1123Z): `Mon, 02 Jan 2006 15:04:05
    -0700`; "" when unset."""
    moment = parse_time(value)
    return moment.strftime("%a, %d %b %Y %H:%M:%S %z") if moment else ""


def go_text(value):
    """A scalar as Go's %v prints it: `true`, `3`, `<nil>`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "<nil>" if value is None else str(value)


def or_none(value):
    """kubectl's stringOrNone."""
    return value if value not in (None, "") else NONE


def mapping_lines(mapping, separator="="):
    """A map one `key=value` a line, sorted (printLabelsMultiline); `<none>` when empty."""
    return Lines(f"{k}{separator}{v}" for k, v in sorted((mapping or {}).items())) or NONE


def resource_fields(resources):
    """A ResourceList as `cpu: 500m` fields, names sorted as kubectl sorts them."""
    return Fields(Field(name, str(value)) for name, value in sorted((resources or {}).items()))
