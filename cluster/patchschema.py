"""What strategic merge patch needs to know of each field: its patch strategy and merge key.

kube-apiserver reads them from the Go types' struct tags (`patchStrategy:"merge"
patchMergeKey:"name"`); the OpenAPI definitions published from those types carry the same as
x-kubernetes-patch-strategy and x-kubernetes-patch-merge-key, and those are what is read here, from
the definitions kubernetes-validate ships (the ones validation checks against). So container ports
merge by containerPort (the patch merge key; x-kubernetes-list-map-keys is server-side apply's
containerPort+protocol), finalizers merge as a set, volumes merge by name, and a list without a
strategy (tolerations, ...) is replaced whole.

Every type is read once: `Type.field(key)` is cached per type and key.
"""
import functools
from dataclasses import dataclass

GVK = "x-kubernetes-group-version-kind"


@dataclass(frozen=True)
class Field:
    type: "Type | None"  # the field's type; for a list, its elements' type
    strategy: str = ""  # "merge", "replace" or "" (replace, for lists; merge, for maps)
    merge_key: str = ""
    retain_keys: bool = False
    name: str = ""  # the Go struct holding the field, for upstream's error messages


class Type:
    """A struct (properties) or a map (additionalProperties) of the definitions."""

    def __init__(self, definitions, schema, name=""):
        self.definitions, self.schema, self.name = definitions, schema, name
        self._fields = {}

    def field(self, key):
        """The Field for `key`, or None when the type has no such field."""
        if key not in self._fields:
            self._fields[key] = self._lookup(key)
        return self._fields[key]

    def _lookup(self, key):
        prop = (self.schema.get("properties") or {}).get(key)
        if prop is None:
            values = self.schema.get("additionalProperties")
            if not isinstance(values, dict):
                return None
            return Field(self._type_of(values), name=self.name)  # a map's values: no strategy
        strategies = [s for s in (prop.get("x-kubernetes-patch-strategy") or "").split(",") if s]
        retain = "retainKeys" in strategies
        strategy = next((s for s in strategies if s != "retainKeys"), "")
        return Field(self._type_of(prop), strategy, prop.get("x-kubernetes-patch-merge-key", ""),
                     retain, self.name)

    def _type_of(self, prop):
        types = prop.get("type")
        if types == "array" or (isinstance(types, list) and "array" in types):
            prop = prop.get("items") or {}
        ref = prop.get("$ref") or next((s["$ref"] for s in prop.get("allOf") or ()
                                        if "$ref" in s), None)
        if ref:
            return _type(self.definitions, ref.rsplit("/", 1)[1])
        if prop.get("properties") or isinstance(prop.get("additionalProperties"), dict):
            return _inline_type(self.definitions, prop)
        return None


_TYPES = {}


def _type(definitions, name):
    """The Type of definition `name`, one per definitions and name."""
    key = (id(definitions), name)
    if key not in _TYPES:
        schema = definitions.get(name) or {}
        _TYPES[key] = Type(definitions, schema, name.rsplit(".", 1)[-1])
    return _TYPES[key]


def _inline_type(definitions, schema):
    key = (id(definitions), id(schema))
    if key not in _TYPES:
        _TYPES[key] = Type(definitions, schema)
    return _TYPES[key]


def of(definitions, name):
    """The Type of a definition in `definitions` ({name: schema}, refs by their last segment)."""
    return _type(definitions, name)


@functools.cache
def _kubernetes():
    from .validation.schema import definitions  # the JSON schemas validation already loaded

    defs = definitions()
    by_gvk = {}
    for name, schema in defs.items():
        gvks = schema.get(GVK) or []
        if len(gvks) == 1:  # DeleteOptions, WatchEvent, ... belong to every group
            gvk = gvks[0]
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            by_gvk[api_version, gvk["kind"]] = name
    return defs, by_gvk


def for_object(obj):
    """The Type of a Kubernetes object, by its apiVersion and kind; None for one unknown."""
    if not isinstance(obj, dict):
        return None
    defs, by_gvk = _kubernetes()
    name = by_gvk.get((obj.get("apiVersion"), obj.get("kind")))
    return _type(defs, name) if name else None
