"""Field paths and the FieldsV1 encoding of a set of them, as structured-merge-diff writes them.

A path is a tuple of elements:
  ("f", name)          a field of a struct or a key of a map        f:name
  ("k", ((key, v),))   an item of an associative list, by its keys  k:{"name":"web"}
  ("v", value)         an item of a set                             v:"x"
  ("i", index)         an item of a list by position                i:0
A set of paths is a Python set. In FieldsV1 each path is a nested object; "." marks a path that
is a member of the set itself as well as the parent of others.
"""
import json

from ..errors import BadRequest


def _json(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def element_text(pe):
    tag, value = pe
    if tag == "f":
        return "f:" + value
    if tag == "k":
        return "k:" + _json(dict(value))
    if tag == "v":
        return "v:" + _json(value)
    return f"i:{value}"


def _value_order(value):
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (3, value)
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, str(value))


def element_order(pe):
    """Fields, then keyed items, then set items, then indices, as PathElement.Compare orders."""
    tag, value = pe
    if tag == "f":
        return (0, value)
    if tag == "k":
        return (1, tuple((name, _value_order(v)) for name, v in value))
    if tag == "v":
        return (2, _value_order(value))
    return (3, value)


def path_text(path):
    """`.spec.containers[name="web"].image`, as Path.String() prints it (conflict messages)."""
    parts = []
    for tag, value in path:
        if tag == "f":
            parts.append("." + value)
        elif tag == "k":
            parts.append("[" + ",".join(f"{name}={_json(v)}" for name, v in value) + "]")
        elif tag == "v":
            parts.append(f"[={_json(value)}]")
        else:
            parts.append(f"[{value}]")
    return "".join(parts)


# --- FieldsV1 ---------------------------------------------------------------------------------

def tree(paths):
    """{element: [member, children]} for a set of paths."""
    root = [False, {}]
    for path in paths:
        node = root
        for pe in path:
            node = node[1].setdefault(pe, [False, {}])
        node[0] = True
    return root


def encode(paths):
    """The FieldsV1 object of a set of paths."""
    return _emit(tree(paths)[1])


def _emit(children, include_self=False):
    out = {".": {}} if include_self and children else {}
    for pe in sorted(children, key=element_order):
        member, grandchildren = children[pe]
        out[element_text(pe)] = _emit(grandchildren, include_self=member)
    return out


def decode(fields):
    """The set of paths a FieldsV1 object holds; BadRequest when it is not one."""
    paths = set()
    _collect(fields, (), paths)
    return paths


def _collect(node, path, paths):
    if not isinstance(node, dict):
        raise BadRequest(f"FieldsV1: expected an object at {path_text(path) or '.'}")
    if not node and path:
        paths.add(path)
    for text, child in node.items():
        if text == ".":
            paths.add(path)
        else:
            _collect(child, path + (parse_element(text),), paths)


def parse_element(text):
    tag, sep, rest = text.partition(":")
    if not sep or tag not in ("f", "k", "v", "i"):
        raise BadRequest(f"FieldsV1: unknown path element {text!r}")
    if tag == "f":
        return ("f", rest)
    if tag == "i":
        return ("i", int(rest))
    try:
        value = json.loads(rest)
    except ValueError:
        raise BadRequest(f"FieldsV1: unknown path element {text!r}") from None
    if tag == "k":
        if not isinstance(value, dict):
            raise BadRequest(f"FieldsV1: unknown path element {text!r}")
        return ("k", key_of(value))
    return ("v", hashable(value))


def key_of(fields):
    """The key element's value: the key fields sorted by name (as FieldList sorts them)."""
    return tuple(sorted((name, hashable(v)) for name, v in fields.items()))


def hashable(value):
    """A JSON value usable in a path: objects and arrays as their JSON text."""
    if isinstance(value, (dict, list)):
        return _json(value)
    return value
