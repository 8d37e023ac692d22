"""Keys given twice in one object of a request body, which strict decoding reports.

Python's decoders keep the last value of a repeated key, as Go's do; these find the repeats. In
JSON they are reported in document order (sigs.k8s.io/json's `duplicate field "spec.paused"`), in
YAML as go-yaml v2 words them (`line 12: key "paused" already set in map`).
"""
import json


class Sent:
    """A decoded JSON document and where its keys were: the order of keys as sent, for the
    objects that repeat one (the others keep it as dicts do)."""

    def __init__(self, obj, repeated):
        self.obj, self._repeated = obj, repeated

    def duplicates(self):
        """(path, position) of each repeated key, at its second occurrence."""
        found = []
        if self._repeated:
            self._walk(self.obj, (), (), found)
        return found

    def _walk(self, node, path, position, found):
        if isinstance(node, list):
            for i, item in enumerate(node):
                self._walk(item, (*path, i), (*position, i), found)
            return
        if not isinstance(node, dict):
            return
        keys = self.keys_as_sent(node)
        for index, key in enumerate(keys):
            if keys.index(key) != index:
                if _nth(keys, key, 2) == index:
                    found.append(((*path, key), (*position, index)))
                continue
            self._walk(node[key], (*path, key), (*position, _last(keys, key)), found)

    def keys_as_sent(self, node):
        return self._repeated[id(node)][1] if id(node) in self._repeated else list(node)

    def position(self, path, final=False):
        """A sort key putting paths in document order; `final` places the last step at its first
        occurrence (where an unknown field is reported) rather than at its last value's."""
        key, node = [], self.obj
        for depth, step in enumerate(path):
            if isinstance(node, dict):
                keys = self.keys_as_sent(node)
                if step not in keys:
                    key.append(len(keys))
                else:
                    first = final and depth == len(path) - 1
                    key.append(keys.index(step) if first else _last(keys, step))
                node = node.get(step)
            else:
                key.append(step if isinstance(step, int) else 0)
                ok = isinstance(node, list) and isinstance(step, int) and step < len(node)
                node = node[step] if ok else None
        return tuple(key)


def _last(keys, key):
    return len(keys) - 1 - keys[::-1].index(key)


def _nth(keys, key, n):
    seen = 0
    for i, k in enumerate(keys):
        seen += k == key
        if seen == n:
            return i
    return None


class Found:
    """What a decoder found repeated: the JSON document (a Sent), or go-yaml's lines."""

    def __init__(self):
        self.sent, self.yaml, self.yaml_lines = None, False, []


def load_json(text, **kwargs):
    """json.loads, remembering the keys of objects that repeat one."""
    repeated = {}

    def pairs_hook(pairs):
        obj = dict(pairs)
        if len(obj) != len(pairs):  # kept alive with it, so that its id stays its own
            repeated[id(obj)] = (obj, [k for k, _ in pairs])
        return obj

    return Sent(json.loads(text, object_pairs_hook=pairs_hook, **kwargs), repeated)


def yaml_duplicates(tree):
    """go-yaml v2's strict errors for repeated keys in a node tree (cluster.manifests' nodes)."""
    found = []
    _yaml_walk(tree, found, set())
    return found


def _yaml_walk(node, found, seen):
    if node is None or id(node) in seen or node.kind not in ("mapping", "sequence"):
        return
    seen.add(id(node))
    if node.kind == "sequence":
        for child in node.value:
            _yaml_walk(child, found, seen)
        return
    keys = set()
    for key, value in zip(node.value[::2], node.value[1::2]):
        if key.kind == "scalar" and key.value != "<<":
            if key.value in keys:
                found.append(f"line {key.line}: key {_go_key(key)} already set in map")
            keys.add(key.value)
        _yaml_walk(value, found, seen)


def _go_key(node):
    """The key as go-yaml's %#v prints it: strings quoted, numbers and booleans bare."""
    text = node.value
    if node.plain and (text.lstrip("-").isdigit() or text in ("true", "false")):
        return text
    return json.dumps(text)
