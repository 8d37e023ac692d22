"""Manifests as kubectl reads them: multi-document YAML, JSON streams and `kind: List`.

YAML is read the way kubectl's sigs.k8s.io/yaml reads it (go-yaml v2, YAML 1.1): `yes`/`on`/`y`
are booleans, `1e3` is a number, timestamps stay the strings they were written as, keys become
strings, and alias expansion is bounded by go-yaml's ratio of aliased to total decoded nodes.
PyYAML's (libyaml's) parser supplies the events; building values from them here, rather than
with PyYAML's constructors, gives go-yaml's typing and keeps every node's line, so an API field
path like `spec.template.spec.containers[0].image` maps back to a line in the upload.
"""
import base64
import functools
import json
import math
import re
from dataclasses import dataclass, field

import yaml
from django.conf import settings
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingStartEvent,
    ScalarEvent,
)

from .errors import BadRequest, RequestEntityTooLarge
from .patch import json_type

MAX_DEPTH = 100  # nesting no Kubernetes object needs; deeper is refused before it costs anything
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ManifestError(BadRequest):
    """A manifest kubectl itself refuses before sending anything: reported as `error: ...`."""


@dataclass
class Document:
    obj: dict
    index: int  # position of the YAML document or JSON value in the upload, from 0
    line: int  # where the object starts, from 1
    source: str = "<stdin>"
    _tree: object = field(default=lambda: None, repr=False, compare=False)
    _path: tuple = field(default=(), repr=False, compare=False)  # ("items", 2) for a List item

    def line_of(self, field_path):
        """The line of an API field path (`spec.containers[0].image`, `metadata.labels[app]`),
        or of its nearest ancestor present in the source."""
        tree = self._tree()
        if tree is None:
            return self.line
        return _find(tree, [*self._path, *_segments(field_path)])

    def where(self, field_path=None):
        line = self.line_of(field_path) if field_path else self.line
        return f"document {self.index} (line {line})"


def parse(data, source="<stdin>"):
    """The objects of an upload, Lists expanded, empty documents skipped."""
    limit = settings.KUBESIM_MAX_REQUEST_BYTES
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise RequestEntityTooLarge(f"Request entity too large: limit is {limit}")
    text = _decode(data, source)
    values = _json_stream(text, source) if text.lstrip().startswith("{") else _yaml_stream(text, source)
    documents = []
    for index, (value, line, tree) in enumerate(values):
        if value is not None:
            documents += _objects(value, Document(value, index, line, source, tree))
    return documents


def _decode(data, source):
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ManifestError(f"error parsing {source}: line {line}: error converting YAML to JSON: "
                            f"yaml: invalid leading UTF-8 octet") from None


def _objects(value, doc):
    """The objects a document holds: itself, or the items of a list, as kubectl flattens them."""
    _check_object(value, doc)
    if value.get("items") is None:
        return [doc]
    items = value["items"]
    if not isinstance(items, list):
        raise _undecodable(doc, f"json: cannot unmarshal {json_type(items)} into Go struct field "
                                f".items of type []json.RawMessage")
    out = []
    item_kind = str(value.get("kind") or "").removesuffix("List")
    for i, item in enumerate(items):
        path = (*doc._path, "items", i)
        line = _find(doc._tree(), path) if doc._tree() else doc.line
        if item_kind and isinstance(item, dict) and not item.get("kind") and not item.get("apiVersion"):
            # A typed list (PodList) leaves its items' kind out: kubectl infers it from the list's.
            item = {**item, "kind": item_kind, "apiVersion": value.get("apiVersion")}
        out += _objects(item, Document(item, doc.index, line, doc.source, doc._tree, path))
    return out


def _check_object(value, doc):
    if not isinstance(value, dict):
        raise _undecodable(doc, f"json: cannot unmarshal {json_type(value)} into Go value of type "
                                f"map[string]interface {{}}")
    if value.get("items") is not None:
        return
    if "metadata" in value and not isinstance(value["metadata"], (dict, type(None))):
        raise _undecodable(doc, f".metadata accessor error: {value['metadata']} is of the type "
                                f"{json_type(value['metadata'])}, expected map[string]interface{{}}")
    for key, name in (("kind", "Kind"), ("apiVersion", "apiVersion")):
        if not value.get(key):
            data = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            raise _undecodable(doc, f"Object '{name}' is missing in '{data}'")


def _undecodable(doc, why):
    return ManifestError(f'unable to decode "{doc.source}": {doc.where()}: {why}')


# --- JSON -------------------------------------------------------------------------------------

def _json_stream(text, source):
    """Successive JSON values, as kubectl decodes an upload that starts with `{`."""
    decoder = json.JSONDecoder(parse_float=_json_float, parse_constant=_no_constant)
    pos, index = 0, 0
    while (pos := _skip_space(text, pos)) < len(text):
        line = text.count("\n", 0, pos) + 1
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise ManifestError(f"error parsing {source}: document {index} (line {e.lineno}): json: "
                                f"{e.msg}: line {e.lineno} column {e.colno} (char {e.pos})") from None
        except ValueError as e:
            raise ManifestError(f"error parsing {source}: document {index} (line {line}): json: {e}") from None
        yield value, line, functools.cache(functools.partial(_compose_one, text[pos:end], line))
        pos, index = end, index + 1


def _no_constant(name):
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")  # as Go's


def _skip_space(text, pos):
    return json.decoder.WHITESPACE.match(text, pos).end()


def _json_float(text):
    """Floats as Go reads and writes them back: integral ones come out as integers."""
    return _integral(float(text))


def _integral(number):
    if math.isfinite(number) and number == int(number) and abs(number) < 2 ** 63:
        return int(number)
    return number


def _compose_one(text, first_line):
    """The node tree of a JSON value, for lines only: None if YAML cannot read it."""
    try:
        return next(_compose(yaml.parse(text, Loader=_LOADER), first_line - 1), None)
    except (yaml.YAMLError, _Failure):
        return None


# --- YAML -------------------------------------------------------------------------------------

class _Failure(Exception):
    """go-yaml's error text, and the line it happened at."""

    def __init__(self, message, line):
        super().__init__(message)
        self.message, self.line = message, line


class _Node:
    __slots__ = ("anchor", "kind", "line", "plain", "tag", "value")

    def __init__(self, kind, tag, value, line, plain=False, anchor=None):
        self.kind, self.tag, self.value, self.line = kind, tag, value, line
        self.plain, self.anchor = plain, anchor


_SCALAR, _SEQUENCE, _MAPPING, _ALIAS = "scalar", "sequence", "mapping", "alias"


def _yaml_stream(text, source):
    index = 0
    try:
        for tree in _compose(yaml.parse(text, Loader=_LOADER)):
            value = _Decoder().value(tree) if tree is not None else None
            yield value, tree.line if tree else 1, (lambda tree=tree: tree)
            index += 1
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise _syntax_error(source, index, mark.line + 1 if mark else 1, e.problem or e.context) from None
    except yaml.reader.ReaderError as e:
        raise _syntax_error(source, index, text.count("\n", 0, e.position) + 1, e.reason) from None
    except _Failure as e:
        raise ManifestError(f"error parsing {source}: document {index} (line {e.line}): "
                            f"error converting YAML to JSON: {e.message}") from None


def _syntax_error(source, index, line, problem):
    return ManifestError(f"error parsing {source}: document {index} (line {line}): "
                         f"error converting YAML to JSON: yaml: line {line}: {problem}")


def _compose(events, line_offset=0):
    """Node trees, one per document, from parser events; aliases stay alias nodes.

    Nesting is counted as the events arrive: libyaml slows down badly on deep flow nesting, so a
    document nested past MAX_DEPTH is refused before the parser gets far into it.
    """
    anchors, stack, root = {}, [], None
    for event in events:
        if isinstance(event, DocumentStartEvent):
            anchors, stack, root = {}, [], None
            continue
        if isinstance(event, DocumentEndEvent):
            yield root
            continue
        if isinstance(event, CollectionEndEvent):
            stack.pop()
            continue
        line = event.start_mark.line + 1 + line_offset
        if isinstance(event, AliasEvent):
            if event.anchor not in anchors:
                raise _Failure(f"yaml: unknown anchor '{event.anchor}' referenced", line)
            node = _Node(_ALIAS, None, anchors[event.anchor], line, anchor=event.anchor)
        elif isinstance(event, ScalarEvent):
            node = _Node(_SCALAR, event.tag, event.value, line, plain=event.implicit[0])
        elif isinstance(event, CollectionStartEvent):
            kind = _MAPPING if isinstance(event, MappingStartEvent) else _SEQUENCE
            node = _Node(kind, event.tag, [], line)
        else:
            continue  # stream start and end
        if getattr(event, "anchor", None) and node.kind != _ALIAS:
            anchors[event.anchor] = node
        if stack:
            stack[-1].value.append(node)  # a mapping's children alternate key, value
        else:
            root = node
        if node.kind in (_MAPPING, _SEQUENCE):
            stack.append(node)
            if len(stack) > MAX_DEPTH:
                raise _Failure(f"yaml: exceeded max depth of {MAX_DEPTH}", line)


_STR, _BOOL, _NULL, _INT, _FLOAT = (f"tag:yaml.org,2002:{t}" for t in ("str", "bool", "null", "int", "float"))
_BINARY, _TIMESTAMP, _MERGE = (f"tag:yaml.org,2002:{t}" for t in ("binary", "timestamp", "merge"))
_WORDS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
# strconv.ParseInt(s, 0, 64): 0x, 0o and 0b prefixes, and a leading 0 for octal.
_GO_INT = re.compile(r"[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_TYPE_TAGS = {bool: _BOOL, type(None): _NULL, int: _INT, float: _FLOAT, str: _STR}


def _resolve(text):
    """A plain scalar's value under go-yaml v2's rules (its resolve())."""
    if text in _WORDS:
        return _WORDS[text]
    if text[:1] not in ".+-0123456789":
        return text
    plain = text.replace("_", "") if text[0] != "." else text
    if _GO_INT.fullmatch(plain):
        digits = plain.lstrip("+-")
        base = 8 if len(digits) > 1 and digits[0] == "0" and digits[1] in "01234567" else 0
        number = int(plain, base)
        if -2 ** 63 <= number < 2 ** 64:  # past uint64 Go reads a float
            return number
    if _YAML_FLOAT.fullmatch(plain):
        number = float(plain)
        if math.isfinite(number):  # Go's ParseFloat fails out of range: the text stays a string
            return number
    return text


class _Decoder:
    """Values from node trees, as go-yaml decodes into interface{} and sigs.k8s.io/yaml converts
    the result to JSON, counting nodes to refuse alias bombs as go-yaml does."""

    def __init__(self):
        self.decoded = self.aliased = self.alias_depth = self.depth = 0
        self.expanding = set()

    def value(self, node):
        self._count(node)
        if node.kind == _ALIAS:
            return self._alias(node)
        if node.kind == _SCALAR:
            return self._scalar(node)
        self.depth += 1
        if self.depth > MAX_DEPTH:  # aliases can nest what the parser saw as shallow
            raise _Failure(f"yaml: exceeded max depth of {MAX_DEPTH}", node.line)
        try:
            if node.kind == _SEQUENCE:
                return [self.value(child) for child in node.value]
            return self._mapping(node)
        finally:
            self.depth -= 1

    def _count(self, node):
        self.decoded += 1
        self.aliased += self.alias_depth > 0
        if (self.aliased > 100 and self.decoded > 1000
                and self.aliased / self.decoded > _allowed_alias_ratio(self.decoded)):
            raise _Failure("yaml: document contains excessive aliasing", node.line)

    def _alias(self, node):
        if node.value in self.expanding:
            raise _Failure(f"yaml: anchor '{node.anchor}' value contains itself", node.line)
        self.expanding.add(node.value)
        self.alias_depth += 1
        try:
            return self.value(node.value)
        finally:
            self.alias_depth -= 1
            self.expanding.discard(node.value)

    def _scalar(self, node):
        if node.tag is None and not node.plain:
            return node.value  # quoted or block scalars are strings
        if node.tag in (None, "!", _STR, _BOOL, _NULL, _INT, _FLOAT, _TIMESTAMP):
            return self._typed(node)
        if node.tag == _BINARY:
            try:
                return base64.b64decode(node.value, validate=True).decode("utf-8", "replace")
            except ValueError:
                raise _Failure("yaml: !!binary value contains invalid base64 data", node.line) from None
        return node.value  # other tags leave the text as it is

    def _typed(self, node):
        if node.tag in (_STR, "!"):
            return node.value
        value = _resolve(node.value)
        if isinstance(value, float) and not math.isfinite(value):
            raise _Failure(f"json: unsupported value: {_go_float(value)}", node.line)
        if node.tag in (None, _TIMESTAMP):
            return _integral(value) if isinstance(value, float) else value
        tag = _TYPE_TAGS[type(value)]
        if node.tag == _FLOAT and tag == _INT:
            return value
        if tag != node.tag:
            raise _Failure(f"yaml: cannot decode !!{tag.rsplit(':', 1)[1]} `{node.value}` as a "
                           f"!!{node.tag.rsplit(':', 1)[1]}", node.line)
        return _integral(value) if isinstance(value, float) else value

    def _mapping(self, node):
        """Entries in order, the last assignment of a key winning, as go-yaml v2 fills a map."""
        out = {}
        children = node.value
        for key_node, value_node in zip(children[::2], children[1::2]):
            if _is_merge(key_node):
                self._merge(value_node, out)
                continue
            key = self.value(key_node)
            if isinstance(key, (dict, list)):
                raise _Failure(f"yaml: invalid map key: {_go_syntax(key)}", key_node.line)
            value = self.value(value_node)
            if key is None:
                raise _Failure(f"Unsupported map key of type: %!s(<nil>), key: <nil>, value: "
                               f"{_go_syntax(value)}", key_node.line)
            out[_key_text(key)] = value
        return out

    def _merge(self, node, out):
        """`<<: *base` or `<<: [*a, *b]`: earlier maps win over later ones, as in go-yaml."""
        maps = node.value[::-1] if node.kind == _SEQUENCE else [node]
        if any(_target(m).kind != _MAPPING for m in maps):
            raise _Failure("yaml: map merge requires map or sequence of maps as the value", node.line)
        for m in maps:
            out.update(self.value(m))


def _key_text(key):
    """A key as JSON needs it: sigs.k8s.io/yaml turns numbers and booleans into strings."""
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        return f"{key:g}"
    return str(key)


def _go_syntax(value):
    """Roughly Go's %#v of a decoded YAML value, as go-yaml and sigs.k8s.io/yaml print them."""
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(map(_go_syntax, value)) + "}"
    if isinstance(value, dict):
        return "map[interface {}]interface {}{" + ", ".join(
            f"{_go_syntax(k)}:{_go_syntax(v)}" for k, v in value.items()) + "}"
    return "<nil>" if value is None else json.dumps(value, ensure_ascii=False)


def _go_float(value):
    return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")


def _is_merge(node):
    return node.kind == _SCALAR and node.value == "<<" and (
        (node.tag is None and node.plain) or node.tag == _MERGE)


def _allowed_alias_ratio(decoded):
    """go-yaml's bound: 99% of a small document may come from aliases, 10% of a huge one."""
    low, high = 400_000, 4_000_000
    if decoded <= low:
        return 0.99
    if decoded >= high:
        return 0.10
    return 0.99 - 0.89 * (decoded - low) / (high - low)


# --- field paths to lines ---------------------------------------------------------------------

_SEGMENT = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")


def _segments(field_path):
    """`spec.containers[0].image` → ["spec", "containers", "0", "image"]."""
    return [bracket or name for bracket, name in _SEGMENT.findall(field_path or "")]


def _find(node, path):
    """The line of the node at a path of keys and indexes, or of the deepest one on the way
    there; an entry of a mapping is on its key's line (`labels:`, not the first label)."""
    line = node.line
    for segment in path:
        found = _child(_target(node), str(segment))
        if found is None:
            break
        line, node = found
    return line


def _target(node):
    """What an alias stands for (anchors are never put on aliases, so one step is enough)."""
    return node.value if node.kind == _ALIAS else node


def _child(node, segment):
    """(line, node) of a sequence item or of a mapping entry's value, or None."""
    if node.kind == _SEQUENCE:
        if segment.isdigit() and int(segment) < len(node.value):
            item = node.value[int(segment)]
            return item.line, item
        return None
    if node.kind != _MAPPING:
        return None
    children = node.value
    # The last assignment wins, and a merge assigns the keys of the maps it merges.
    for key, value in reversed(list(zip(children[::2], children[1::2]))):
        if _is_merge(key):
            maps = value.value if value.kind == _SEQUENCE else [value]
            found = next(filter(None, (_child(_target(m), segment) for m in maps)), None)
            if found:
                return found
        elif key.kind == _SCALAR and _scalar_key(key) == segment:
            return key.line, value
    return None


def _scalar_key(node):
    try:
        return _key_text(_Decoder()._scalar(node))
    except _Failure:
        return None
