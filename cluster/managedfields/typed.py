"""Walks over objects by their schema, as structured-merge-diff's typed values do: the set of
fields an object sets, the difference between two objects, merging an applied configuration into
an object, and removing a set of fields from one."""
import copy
from dataclasses import dataclass, field

from .fieldpath import hashable, key_of
from .schema import KEY_DEFAULTS, LIST, SCALAR

MISSING = object()  # absent, as opposed to present and null


def item_element(t, item, index):
    """The path element of a list item: by its keys, by its value (sets), else by position."""
    if t.keys and isinstance(item, dict):
        return ("k", key_of({k: item.get(k, KEY_DEFAULTS.get(k)) for k in t.keys
                             if k in item or k in KEY_DEFAULTS}))
    if not t.keys and not t.atomic and not isinstance(item, (dict, list)):
        return ("v", hashable(item))
    return ("i", index)


def _items(t, values):
    """{element: item} of a list, in order (a duplicate key keeps the first)."""
    indexed = {}
    for i, item in enumerate(values):
        indexed.setdefault(item_element(t, item, i), item)
    return indexed


def _shape(t, value):
    shape = t.shape_of(value)
    if value is None:
        return SCALAR
    if shape == LIST:
        return shape if isinstance(value, list) else SCALAR
    if shape != SCALAR and not isinstance(value, dict):
        return SCALAR  # not what the schema says: one value, as a mismatched atom
    return shape


# --- ToFieldSet ---------------------------------------------------------------------------------

def field_set(value, t):
    """The paths an object (an applied configuration) sets, as TypedValue.ToFieldSet."""
    out = set()
    _set(value, t, (), out)
    return out


def _set(value, t, path, out):
    shape = _shape(t, value)
    if t.is_leaf(shape):
        out.add(path)
    elif shape == LIST:
        element = t.element()
        for i, item in enumerate(value):
            child = path + (item_element(t, item, i),)
            _set(item, element, child, out)
            out.add(child)
    else:
        for key, v in value.items():
            ft, declared = t.field(key)
            child = path + (("f", key),)
            _set(v, ft, child, out)
            if v is None or v == {} or not declared:
                out.add(child)


# --- Compare ------------------------------------------------------------------------------------

@dataclass
class Comparison:
    added: set = field(default_factory=set)
    modified: set = field(default_factory=set)
    removed: set = field(default_factory=set)

    def exclude(self, keep):
        """Only the paths `keep(path)` accepts."""
        return Comparison(*({p for p in s if keep(p)}
                            for s in (self.added, self.modified, self.removed)))


def compare(old, new, t):
    """What changed from `old` to `new` (old None: a create). Container nodes count as added or
    removed as wholes too. A create compares with the Go zero object, which already has its
    struct fields and, as null, its required ones (no omitempty): those are not added."""
    c = Comparison()
    if old is None:
        _compare(MISSING, new, t, (), c, implicit=True)
    else:
        _compare(old, new, t, (), c, implicit=False)
    c.added.discard(())
    c.removed.discard(())
    return c


def _empty(value):
    return value is MISSING or value is None or value == {} or value == []


def _compare(lhs, rhs, t, path, c, implicit):
    present = rhs if rhs is not MISSING else lhs
    shape = _shape(t, present)
    other = lhs if rhs is not MISSING else rhs
    if other is not MISSING and _shape(t, other) != shape:
        shape = SCALAR
    if t.is_leaf(shape) or (_empty(lhs) and _empty(rhs)):
        if lhs is MISSING:
            c.added.add(path)
        elif rhs is MISSING:
            c.removed.add(path)
        elif lhs != rhs:
            c.modified.add(path)
        return
    if shape == LIST:
        _compare_items(lhs, rhs, t, path, c)
    else:
        _compare_fields(lhs, rhs, t, path, c, implicit)
    if lhs is MISSING and not implicit:
        c.added.add(path)
    elif rhs is MISSING:
        c.removed.add(path)


def _compare_fields(lhs, rhs, t, path, c, implicit):
    lhs = lhs if isinstance(lhs, dict) else {}
    rhs = rhs if isinstance(rhs, dict) else {}
    required = t.node.get("required") or () if implicit else ()
    for key in {**lhs, **rhs}:
        ft, declared = t.field(key)
        zero = implicit and declared and (ft.kind == "struct" or key in required)
        _compare(lhs.get(key, MISSING), rhs.get(key, MISSING), ft, path + (("f", key),), c, zero)


def _compare_items(lhs, rhs, t, path, c):
    left = _items(t, lhs if isinstance(lhs, list) else [])
    right = _items(t, rhs if isinstance(rhs, list) else [])
    element = t.element()
    for pe in {**left, **right}:
        _compare(left.get(pe, MISSING), right.get(pe, MISSING), element, path + (pe,), c, False)


# --- Merge ----------------------------------------------------------------------------------------

def merge(lhs, rhs, t):
    """`rhs` (an applied configuration) merged into `lhs`: rhs wins on leaves, structs and maps
    merge by key, associative lists and sets by item."""
    if rhs is MISSING:
        return lhs
    if lhs is MISSING:
        return copy.deepcopy(rhs)
    shape = _shape(t, rhs)
    if t.is_leaf(shape) or _shape(t, lhs) != shape:
        return copy.deepcopy(rhs)
    if shape == LIST:
        return _merge_items(lhs, rhs, t)
    out = dict(lhs)
    for key, value in rhs.items():
        out[key] = merge(lhs.get(key, MISSING), value, t.field(key)[0])
    return out


def _merge_items(lhs, rhs, t):
    """Items of both in the live order, merged; the applied ones that are new follow."""
    right = _items(t, rhs)
    element = t.element()
    out, seen = [], set()
    for i, item in enumerate(lhs):
        pe = item_element(t, item, i)
        seen.add(pe)
        out.append(merge(item, right[pe], element) if pe in right else item)
    out += [copy.deepcopy(item) for pe, item in right.items() if pe not in seen]
    return out


# --- RemoveItems ----------------------------------------------------------------------------------

def remove(value, tree, t):
    """`value` without the paths of `tree` ({element: [member, children]}) and what is under
    them. A struct, map or list left empty goes (MISSING), as Go drops the null left."""
    shape = _shape(t, value)
    if t.is_leaf(shape) or not tree:
        return value
    if shape == LIST:
        element, out = t.element(), []
        for i, item in enumerate(value):
            node = tree.get(item_element(t, item, i))
            if node is None:
                out.append(item)
            elif not node[0]:
                kept = remove(item, node[1], element)
                if kept is not MISSING:
                    out.append(kept)
        return out or MISSING
    out = {}
    for key, v in value.items():
        node = tree.get(("f", key))
        if node is None:
            out[key] = v
        elif not node[0]:
            kept = remove(v, node[1], t.field(key)[0])
            if kept is not MISSING:
                out[key] = kept
    return out or MISSING


def ensure_named(paths, t):
    """The paths, and every struct field on the way to one (EnsureNamedFieldsAreMembers)."""
    out = set(paths)
    for path in paths:
        current = t
        for i, pe in enumerate(path[:-1]):
            if pe[0] == "f":
                current, declared = current.field(pe[1])
                if declared:
                    out.add(path[:i + 1])
            else:
                current = current.element()
    return out
