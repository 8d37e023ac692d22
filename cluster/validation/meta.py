"""ObjectMeta, labels, annotations and label selectors (apimachinery's ValidateObjectMeta...)."""
from .. import selectors
from . import field, names

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024


def validate_labels(labels, path):
    causes = []
    for key, value in (labels or {}).items():
        causes += [field.invalid(path, key, m) for m in names.label_key_errors(key)]
        causes += [field.invalid(path, value, m) for m in names.label_value_errors(value)]
    return causes


def validate_annotations(annotations, path):
    annotations = annotations or {}
    # Annotation keys follow the label key rule, except that case does not matter.
    causes = [field.invalid(path, key, m)
              for key in annotations for m in names.label_key_errors(key.lower())]
    size = sum(len(k.encode()) + len((v or "").encode()) for k, v in annotations.items())
    if size > TOTAL_ANNOTATION_SIZE_LIMIT:
        causes.append(field.too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return causes


def validate_object_meta(meta, path, name_errors, namespaced):
    causes = []
    generate_name, name = meta.get("generateName"), meta.get("name")
    if generate_name:
        causes += [field.invalid(f"{path}.generateName", generate_name, m)
                   for m in name_errors(generate_name, True)]
    if not name:
        causes.append(field.required(f"{path}.name", "name or generateName is required"))
    else:
        causes += [field.invalid(f"{path}.name", name, m) for m in name_errors(name)]
    namespace = meta.get("namespace")
    if namespaced and not namespace:
        causes.append(field.required(f"{path}.namespace"))
    elif namespaced:
        causes += [field.invalid(f"{path}.namespace", namespace, m)
                   for m in names.label_name_errors(namespace)]
    elif namespace:
        causes.append(field.forbidden(f"{path}.namespace", "not allowed on this type"))
    causes += validate_labels(meta.get("labels"), f"{path}.labels")
    causes += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    return causes


def validate_object_meta_update(new, old, path="metadata"):
    causes = []
    if old.get("deletionTimestamp"):
        added = [f for f in new.get("finalizers") or () if f not in (old.get("finalizers") or ())]
        if added:
            causes.append(field.forbidden(
                f"{path}.finalizers", "no new finalizers can be added if the object is being "
                                      f"deleted, found new finalizers {field.go_string_slice(added)}"))
    for key in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                "deletionGracePeriodSeconds"):
        if new.get(key) != old.get(key):
            causes.append(field.immutable(f"{path}.{key}", new.get(key)))
    return causes


def validate_label_selector(selector, path):
    if selector is None:
        return []
    causes = validate_labels(selector.get("matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(selector.get("matchExpressions") or ()):
        causes += _validate_requirement(expr, f"{path}.matchExpressions[{i}]")
    return causes


def _validate_requirement(expr, path):
    causes, operator, values = [], expr.get("operator") or "", expr.get("values") or []
    if operator in ("In", "NotIn"):
        if not values:
            causes.append(field.required(f"{path}.values",
                                         "must be specified when `operator` is 'In' or 'NotIn'"))
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            causes.append(field.forbidden(
                f"{path}.values", "may not be specified when `operator` is 'Exists' or "
                                  "'DoesNotExist'"))
    else:
        causes.append(field.invalid(f"{path}.operator", operator, "not a valid selector operator"))
    key = expr.get("key") or ""
    causes += [field.invalid(f"{path}.key", key, m) for m in names.label_key_errors(key)]
    for i, value in enumerate(values):
        causes += [field.invalid(f"{path}.values[{i}]", value, m)
                   for m in names.label_value_errors(value)]
    return causes


def selector_matches(selector, labels):
    """Whether a (valid) metav1.LabelSelector selects these labels; None selects nothing."""
    return selectors.from_label_selector(selector).matches({"metadata": {"labels": labels or {}}})
