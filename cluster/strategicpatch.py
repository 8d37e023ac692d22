"""A first strategic merge patch: lists of objects merge by upstream's patch merge key, chosen
by field name (the keys apimachinery reads from x-kubernetes-patch-merge-key for core kinds);
`$patch: delete` removes a keyed element, `$patch: replace` replaces a map, null removes a key.
Other directives ($setElementOrder, $retainKeys, $deleteFromPrimitiveList) are dropped for now.
"""
import copy

MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
    "env": "name", "volumes": "name", "imagePullSecrets": "name",
    "ports": "containerPort", "volumeMounts": "mountPath", "volumeDevices": "devicePath",
    "conditions": "type", "ownerReferences": "uid", "hostAliases": "ip",
}


def apply(target, patch):
    """`target` with the strategic merge `patch` applied; neither is changed."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if not k.startswith("$")}
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        elif key in MERGE_KEYS and isinstance(value, list):
            current = result.get(key)
            result[key] = merge_list(current if isinstance(current, list) else [], value,
                                     MERGE_KEYS[key])
        else:
            result[key] = apply(result.get(key), value)
    return result


def merge_list(current, patch, merge_key):
    """Elements with the same merge key merge; new ones append; `$patch: delete` removes."""
    result = list(current)
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            return copy.deepcopy(patch)  # not a keyed list after all: replace, as a merge patch
        at = next((i for i, old in enumerate(result)
                   if isinstance(old, dict) and old.get(merge_key) == item[merge_key]), None)
        if item.get("$patch") == "delete":
            if at is not None:
                del result[at]
        elif at is None:
            result.append(apply({}, item))
        else:
            result[at] = apply(result[at], item)
    return result
