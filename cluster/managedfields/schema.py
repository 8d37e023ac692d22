"""Types as structured-merge-diff sees them, read from the Kubernetes OpenAPI definitions.

kube-openapi's schemaconv turns each definition into a struct (named fields), a map (any keys,
one element type), a list (atomic, set, or associative by its map keys) or a scalar. Lists with no
x-kubernetes-list-type fall back to their patch strategy: merge with a merge key is associative by
that key, merge alone a set, anything else atomic. A field the schema does not declare is
"deduced" from its value: objects are granular maps, lists atomic.
"""
import functools

from ..api.openapi.schemas import DEFS, by_gvk, definitions

STRUCT, MAP, LIST, SCALAR = "struct", "map", "list", "scalar"
# Key fields with a default value in the Go types (+default=TCP): an item that omits one is
# keyed by the default, as structured-merge-diff does.
KEY_DEFAULTS = {"protocol": "TCP"}


class Type:
    """One node of a schema. Children resolve lazily: definitions refer to each other."""

    def __init__(self, node):
        self.node = node
        self.kind, self.atomic, self.keys = _shape(node)
        self._children = {}

    def field(self, name):
        """The type of `name` in this struct or map, and whether the struct declares it."""
        if self.kind == STRUCT:
            props = self.node["properties"]
            if name in props:
                return self._child(name, props[name]), True
            return DEDUCED, False
        if self.kind == MAP:
            return self._child("*", self.node["additionalProperties"]), False
        return DEDUCED, False

    def element(self):
        if self.kind == LIST and isinstance(self.node.get("items"), dict):
            return self._child("[]", self.node["items"])
        return DEDUCED

    def _child(self, key, node):
        if key not in self._children:
            self._children[key] = resolve(node)
        return self._children[key]

    def shape_of(self, value):
        """This type's kind, or the value's own for deduced types."""
        return self.kind

    def is_leaf(self, shape):
        """Whether a value of this shape is one value as a whole (a scalar, or atomic)."""
        return shape == SCALAR or self.atomic


class _Deduced(Type):
    def __init__(self):
        super().__init__({})

    def field(self, name):
        return self, False

    def element(self):
        return self

    def shape_of(self, value):
        if isinstance(value, dict):
            return MAP
        return LIST if isinstance(value, list) else SCALAR

    def is_leaf(self, shape):
        return shape != MAP




def _ref(node):
    ref = node.get("$ref")
    if ref is None and len(node.get("allOf") or ()) == 1:
        ref = node["allOf"][0].get("$ref")
    return ref


def resolve(node):
    ref = _ref(node)
    if ref is not None:
        return named(ref.removeprefix(DEFS))
    return Type(node)


@functools.cache
def named(name):
    return Type(definitions()[name])


def _types(node):
    types = node.get("type")
    if isinstance(types, str):
        return {types}
    return set(types or ())


def _shape(node):
    """(kind, atomic, keys) of a schema node."""
    atomic_map = node.get("x-kubernetes-map-type") == "atomic"
    if isinstance(node.get("properties"), dict):
        return STRUCT, atomic_map, ()
    if isinstance(node.get("additionalProperties"), dict):
        return MAP, atomic_map, ()
    if "array" in _types(node) or "items" in node:
        return _list_shape(node)
    if "object" in _types(node):
        return SCALAR, True, ()  # free-form JSON: one value, as kube-openapi's untyped
    return SCALAR, False, ()


def _list_shape(node):
    list_type = node.get("x-kubernetes-list-type")
    if list_type is None:
        strategy = (node.get("x-kubernetes-patch-strategy") or "").split(",")
        key = node.get("x-kubernetes-patch-merge-key")
        if "merge" in strategy:
            return (LIST, False, (key,)) if key else (LIST, False, ())
        return LIST, True, ()
    if list_type == "map":
        return LIST, False, tuple(node.get("x-kubernetes-list-map-keys") or ())
    return LIST, list_type != "set", ()


@functools.cache
def for_kind(group, version, kind):
    """The root type of a kind; deduced when no definition names it."""
    name = by_gvk().get((group, version, kind))
    return named(name) if name else DEDUCED


DEDUCED = _Deduced()
