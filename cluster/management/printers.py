"""kubectl get's output: each kind's table as kubectl prints it, and -o yaml / json.

The columns and cells are the API server's (`cluster.printers`); this module lays them out as
kubectl's table printer and tabwriter do."""
import json
import re

import yaml

from cluster import clock, printers

# kubectl's tabwriter (cli-runtime printers.GetNewTabWriter): each column but the last at least
# 6 wide and padded with 3 spaces past its widest cell.
MIN_WIDTH, PADDING = 6, 3
# What kubectl's WriteEscaped replaces so that a cell cannot drive the terminal.
_TERMINAL_ESCAPES = str.maketrans({"\x1b": "^[", "\r": "\\r"})


def table(kind, objects, *, wide=False, namespace_column=False, now=None):
    """The lines kubectl prints, header first: the kind's columns, its priority-1 ones only
    `wide` (-o wide), and with `namespace_column` (-A) the NAMESPACE of each object first."""
    now = now or clock.now()
    rows = [[c.header for c in printers.columns(kind, wide=wide)]]
    rows += [[_text(cell) for cell in printers.cells(kind, obj, now, wide=wide)]
             for obj in objects]
    if namespace_column:
        namespaces = ["NAMESPACE", *(_text(o["metadata"].get("namespace")) for o in objects)]
        rows = [[namespace, *row] for namespace, row in zip(namespaces, rows, strict=True)]
    return _aligned(rows)


def _text(cell):
    return printers.cell_text(cell).translate(_TERMINAL_ESCAPES)


def _aligned(rows):
    widths = [max(MIN_WIDTH, *(len(row[i]) + PADDING for row in rows))
              for i in range(len(rows[0]) - 1)]
    return ["".join(cell.ljust(w) for cell, w in zip(row, widths)) + row[-1] for row in rows]


# --- -o yaml, -o json -------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """YAML as kubectl writes it (go-yaml v2): multi-line strings as `|` blocks, and strings that
    would read back as something else double-quoted, `y` and `n` included."""

    def choose_scalar_style(self):
        style = super().choose_scalar_style()
        return '"' if style == "'" else style


def _represent_str(dumper, text):
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"),
                              list("yYnN"))


def to_yaml(obj):
    return yaml.dump(obj, Dumper=_Dumper, default_flow_style=False, allow_unicode=True,
                     sort_keys=True)


_GO_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                                  "\u2028": "\\u2028", "\u2029": "\\u2029"})


def to_json(obj):
    """As kubectl's JSON printer: Go's MarshalIndent with four spaces, keys sorted."""
    text = json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False)
    return text.translate(_GO_JSON_ESCAPES) + "\n"


def as_list(objects):
    """What kubectl prints for several objects with -o yaml or json."""
    return {"apiVersion": "v1", "items": objects, "kind": "List",
            "metadata": {"resourceVersion": ""}}
