"""Strategic merge patch as kube-apiserver applies it (apimachinery's StrategicMergeMapPatch).

Maps merge key by key (null deletes); a list merges only where its field's patch strategy is
"merge" (by the field's merge key for lists of objects, as a set for lists of scalars) and is
replaced otherwise; patchschema reads both from the Kubernetes OpenAPI definitions. The
directives kubectl's client-side apply and edit send are honoured: `$patch: replace|delete` on
maps and list elements, `$retainKeys`, `$setElementOrder/<list>` and
`$deleteFromPrimitiveList/<list>`. Element order follows upstream's rules ($setElementOrder, then
the patch's order, then the live object's), down to Go's insertion sort, and upstream's quirks
are kept: a value for a key the object lacks is taken as sent, directives inside it included.
"""
import copy
import functools

from . import patchschema
from .errors import BadRequest, StatusError
from .goformat import go_value

DIRECTIVE = "$patch"
RETAIN_KEYS = "$retainKeys"
SET_ELEMENT_ORDER = "$setElementOrder"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"
# mergepatch's errors that kube-apiserver answers with 400 BadRequest
BAD_PRIMITIVE_LIST = "invalid patch format of primitive list"
BAD_RETAIN_KEYS = "invalid patch format of retainKeys"
BAD_SET_ELEMENT_ORDER = "invalid patch format of setElementOrder list"
_NO_FIELD = patchschema.Field(None)


class PatchError(StatusError):
    """A plain Go error from the patch: kube-apiserver answers 500 with no reason."""
    code, reason = 500, ""

    def status(self):
        body = super().status()
        del body["reason"]
        return body


class Unprocessable(StatusError):
    """mergepatch.ErrNoListOfLists, which kube-apiserver turns into a generic 422."""
    code, reason = 422, "Invalid"

    def __init__(self, why):
        super().__init__("the server rejected our request due to an error in our request",
                         details={"causes": [{"message": why}]})


def apply(target, patch, schema=None):
    """`target` with the strategic merge `patch` (an object) applied; neither is changed.
    `schema` (a patchschema.Type) gives the merge keys; by default, those of target's kind."""
    if schema is None:
        schema = patchschema.for_object(target)
    original = copy.deepcopy(target) if isinstance(target, dict) else {}
    return merge_map(original, copy.deepcopy(patch), schema)


# --- maps -----------------------------------------------------------------------------------

def merge_map(original, patch, schema):
    """mergeMap: `original` and `patch` are the caller's own copies, changed in place."""
    if DIRECTIVE in patch:
        return _map_directive(patch)
    _retain_keys(original, patch)
    _merge_ordered_lists(original, patch, schema)
    for key, value in list(patch.items()):
        delete_list = key.startswith(DELETE_FROM_PRIMITIVE_LIST)
        if delete_list:
            key = _unprefixed(key, DELETE_FROM_PRIMITIVE_LIST, BAD_PRIMITIVE_LIST)
        if value is None:
            original.pop(key, None)
        elif key not in original or type(original[key]) is not type(value):
            original[key] = value
        elif isinstance(value, dict):
            field = _field(schema, key)
            original[key] = (value if field.strategy == "replace"
                             else merge_map(original[key], value, field.type))
        elif isinstance(value, list):
            field = _field(schema, key)
            original[key] = (value if field.strategy != "merge" else merge_list(
                original[key], value, field.type, field.merge_key, delete_list))
        else:
            original[key] = value
    return original


def _field(schema, key):
    # A field the type lacks has no strategy (upstream's typed decoding reports it afterwards).
    return (schema.field(key) if schema is not None else None) or _NO_FIELD


def _map_directive(patch):
    directive = patch[DIRECTIVE]
    if directive == "replace":
        del patch[DIRECTIVE]
        return patch
    if directive == "delete":
        return {}
    raise PatchError(f"unknown patch type: {go_value(directive)} in map: {go_value(patch)}")


def _retain_keys(original, patch):
    """$retainKeys: keys of the live map not listed go (a union's other members)."""
    if RETAIN_KEYS not in patch:
        return
    keep = patch.pop(RETAIN_KEYS)
    if not isinstance(keep, list):
        raise BadRequest(BAD_RETAIN_KEYS)
    keep = {k for k in keep if isinstance(k, str)}
    for key, value in patch.items():
        directive = key.startswith((DELETE_FROM_PRIMITIVE_LIST, SET_ELEMENT_ORDER))
        if value is not None and not directive and key not in keep:
            raise BadRequest(BAD_RETAIN_KEYS)
    for key in [k for k in original if k not in keep]:
        del original[key]


def _unprefixed(key, prefix, error):
    head, slash, rest = key.partition("/")
    if not slash or head != prefix:
        raise BadRequest(error)
    return rest


def _merge_ordered_lists(original, patch, schema):
    """$setElementOrder/<list>: merge the list now and put it in the order given (mergePatchIntoOriginal)."""
    for key in [k for k in patch if k.startswith(SET_ELEMENT_ORDER)]:
        order = patch.pop(key)
        if not isinstance(order, list):
            raise PatchError(_bad_arg_type([], order))
        name = _unprefixed(key, SET_ELEMENT_ORDER, BAD_SET_ELEMENT_ORDER)
        current, change = original.get(name), patch.get(name)
        for value in (current, change):
            if value is not None and not isinstance(value, list):
                raise PatchError(_bad_arg_type([], value))
        field = _field(schema, name)
        _check_order(change or [], order, field.merge_key)
        if current is None and change is None:
            continue
        if change is None or current is None:
            merged = current if change is None else change
        elif field.strategy == "merge":
            merged = merge_list(current, change, field.type, field.merge_key, False)
        else:
            merged = change
        in_order, server_only = _partition(merged, order, field.merge_key)
        kind = _element_type(current or [], change or [])
        original[name] = _normalize_order(in_order, server_only, order, current or [],
                                          field.merge_key, kind)
        patch.pop(name, None)


def _check_order(change, order, merge_key):
    """The patch list's items must come in $setElementOrder's order (deletions aside)."""
    if not change or not order:
        return
    items = _split_deletions(change)[0] if merge_key else change
    at = i = 0
    while at < len(items) and i < len(order):
        if isinstance(items[at], dict) and DIRECTIVE in items[at]:
            at += 1
            continue
        if _merge_key_equal(items[at], order[i], merge_key):
            at += 1
        i += 1
    if at < len(items) and i >= len(order):
        raise PatchError(f"The order in patch list:\n{go_value(change)}\n doesn't match "
                         f"{SET_ELEMENT_ORDER} list:\n{go_value(order)}\n")


# --- lists ----------------------------------------------------------------------------------

def merge_list(original, patch, item_type, merge_key, delete_list):
    """mergeSlice, for a list whose strategy is "merge"."""
    if not original and not patch:
        return original
    kind = _element_type(original, patch)
    if kind is not dict:
        if delete_list:  # $deleteFromPrimitiveList/<list>
            return [v for v in original if not any(_same(v, d) for d in patch)]
        merged = _dedup_scalars(original + patch)
    else:
        if not merge_key:
            raise PatchError("cannot merge lists without merge key for type struct")
        original, patch = _special_elements(original, patch, merge_key)
        merged = list(original)
        for item in patch:
            if merge_key not in item:
                raise PatchError(_no_merge_key(item, merge_key))
            at = _find(merged, merge_key, item[merge_key])
            if at is None:
                merged.append(item)
            else:
                merged[at] = merge_map(merged[at], item, item_type)
    in_patch, server_only = _partition(merged, patch, merge_key)
    return _normalize_order(in_patch, server_only, patch, original, merge_key, kind)


def _special_elements(original, patch, merge_key):
    """Elements carrying `$patch`: delete removes every match, replace drops the live list."""
    rest, replace = [], False
    for item in patch:
        if DIRECTIVE not in item:
            rest.append(item)
            continue
        directive = item[DIRECTIVE]
        if directive == "delete":
            if merge_key not in item:
                raise PatchError(_no_merge_key(item, merge_key))
            original = [o for o in original
                        if not (merge_key in o and _same(o[merge_key], item[merge_key]))]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise PatchError("merging lists cannot yet be specified in the patch")
        else:
            raise PatchError(f"unknown patch type: {go_value(directive)} in map: {go_value(item)}")
    return (rest, []) if replace else (original, rest)


def _element_type(*lists):
    """sliceElementType: the one Go type of all the elements."""
    found = None
    for items in lists:
        for item in items:
            if found is None:
                found = type(item)
                if found is list:
                    raise Unprocessable("lists of lists are not supported")
            elif type(item) is not found:
                raise PatchError(f"list element types are not identical: {go_value(list(lists))}")
    if found is None:
        raise PatchError("no elements in any of the given slices")
    return found


def _partition(items, by, merge_key):
    """The items present in `by` (by merge key, for objects) and the others, in order."""
    present, others = [], []
    for item in items:
        if merge_key:
            if not isinstance(item, dict):
                raise PatchError(_bad_arg_type({}, item))
            if merge_key not in item:
                raise PatchError(_no_merge_key(item, merge_key))
            found = _find(by, merge_key, item[merge_key]) is not None
        else:
            found = any(_same(item, b) for b in by)
        (present if found else others).append(item)
    return present, others


def _normalize_order(in_patch, server_only, patch_order, server_order, merge_key, kind):
    """Patch items in the patch's order, server-only items in the live order, interleaved."""
    in_patch = _sort_by(in_patch, patch_order, merge_key, kind)
    server_only = _sort_by(server_only, server_order, merge_key, kind)
    merged, i, j = [], 0, 0
    while i < len(server_only) or j < len(in_patch):
        if j >= len(in_patch) or (i < len(server_only) and _before(
                server_only[i], in_patch[j], server_order, merge_key, kind)):
            merged.append(server_only[i])
            i += 1
        else:
            merged.append(in_patch[j])
            j += 1
    return merged


def _before(left, right, order, merge_key, kind):
    li, ri = _index(order, left, merge_key, kind), _index(order, right, merge_key, kind)
    return li >= 0 and ri >= 0 and li < ri


def _sort_by(items, order, merge_key, kind):
    """normalizeSliceOrder: sorted by position in `order`, `$patch: delete` elements last."""
    deletions = []
    if kind is dict:
        for item in [*items, *order]:
            if not isinstance(item, dict):
                raise PatchError(_bad_arg_type({}, item))
            if merge_key not in item:
                raise PatchError(_no_merge_key(item, merge_key))
        items, deletions = _split_deletions(items)

    def less(a, b):  # upstream's: an item missing from `order` counts as smaller
        ia, ib = _index(order, a, merge_key, kind), _index(order, b, merge_key, kind)
        return ia < ib if ia >= 0 and ib >= 0 else True

    return _insertion_sort(items, less) + deletions


def _insertion_sort(items, less):
    """Go's sort.SliceStable on lists of up to 20 elements (each block is insertion sorted);
    longer lists, rare here, get Python's stable sort, the same wherever `less` is an order."""
    items = list(items)
    if len(items) > 20:
        return sorted(items, key=functools.cmp_to_key(
            lambda a, b: -1 if less(a, b) else (1 if less(b, a) else 0)))
    for i in range(1, len(items)):
        j = i
        while j > 0 and less(items[j], items[j - 1]):
            items[j], items[j - 1] = items[j - 1], items[j]
            j -= 1
    return items


def _split_deletions(items):
    keep, deletions = [], []
    for item in items:
        if not isinstance(item, dict):
            raise PatchError(_bad_arg_type({}, item))
        (deletions if item.get(DIRECTIVE) == "delete" else keep).append(item)
    return keep, deletions


def _index(items, value, merge_key, kind):
    def key(item):
        if kind is not dict:
            return item
        return item.get(merge_key) if isinstance(item, dict) else None
    wanted = key(value)
    return next((i for i, item in enumerate(items) if _same(key(item), wanted)), -1)


def _find(items, merge_key, value):
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise PatchError(f"value for key {i} is not a map.")
        if merge_key in item and _same(item[merge_key], value):
            return i
    return None


def _merge_key_equal(left, right, merge_key):
    if not merge_key:
        return _same(left, right)
    for item in (left, right):
        if not isinstance(item, dict):
            raise PatchError(_bad_arg_type({}, item))
        if merge_key not in item:
            raise PatchError(_no_merge_key(item, merge_key))
    return _same(left[merge_key], right[merge_key])


def _dedup_scalars(items):
    """deduplicateScalars, order quirks included: a duplicate is overwritten by the last item."""
    items, last = list(items), len(items) - 1
    i = 0
    while i < last:
        j = i + 1
        while j <= last:
            if _same(items[i], items[j]):
                items[j] = items[last]
                items = items[:last]
                last -= 1
                j -= 1
            j += 1
        i += 1
    return items


def _same(a, b):
    """Go's == on decoded JSON: values of different types (1 and 1.0, 1 and true) differ."""
    return type(a) is type(b) and a == b


# --- Go's words -------------------------------------------------------------------------------

_GO_TYPES = {dict: "map[string]interface {}", list: "[]interface {}", str: "string",
             int: "int64", float: "float64", bool: "bool", type(None): "<nil>"}


def _bad_arg_type(expected, actual):
    return (f"expected a {_GO_TYPES[type(expected)]}, but received a "
            f"{_GO_TYPES.get(type(actual), 'interface {}')}")


def _no_merge_key(item, merge_key):
    return f"map: {go_value(item)} does not contain declared merge key: {merge_key}"
