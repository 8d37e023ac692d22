"""Field errors as apimachinery's validation/field package words them.

Each error is a Status cause: {"reason": "FieldValueInvalid", "message": "Invalid value: 3: ...",
"field": "spec.replicas"}. Bad values print as Go's fmt does for the Go type upstream holds
(`%q` for strings, `%#v` for maps and structs), so messages match a real cluster's.
"""
import json


class GoValue(str):
    """A bad value already rendered in Go syntax (a struct or a typed slice)."""


def go(value):
    """Render a bad value as field.Error.ErrorBody does."""
    if isinstance(value, GoValue):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, dict):
        return go_string_map(value)
    if isinstance(value, list):
        return go_string_slice(value)
    return str(value)


def go_quote(text):
    return json.dumps(text, ensure_ascii=False)


def go_string_map(mapping):
    """`map[string]string{"a":"b"}`: Go's %#v, keys sorted."""
    if mapping is None:
        return GoValue("map[string]string(nil)")
    items = ", ".join(f"{go_quote(k)}:{go_quote(str(v))}" for k, v in sorted(mapping.items()))
    return GoValue(f"map[string]string{{{items}}}")


def go_string_slice(items, type_name="[]string"):
    if items is None:
        return GoValue(f"{type_name}(nil)")
    return GoValue(f"{type_name}{{{', '.join(go_quote(str(i)) for i in items)}}}")


def go_label_selector(selector):
    """A *metav1.LabelSelector as %#v prints it."""
    if selector is None:
        return "null"
    exprs = selector.get("matchExpressions")
    if exprs is None:
        rendered = "[]v1.LabelSelectorRequirement(nil)"
    else:
        rendered = "[]v1.LabelSelectorRequirement{" + ", ".join(
            f"v1.LabelSelectorRequirement{{Key:{go_quote(e.get('key') or '')}, "
            f"Operator:{go_quote(e.get('operator') or '')}, "
            f"Values:{go_string_slice(e.get('values'))}}}" for e in exprs) + "}"
    return GoValue(f"v1.LabelSelector{{MatchLabels:{go_string_map(selector.get('matchLabels'))}, "
                   f"MatchExpressions:{rendered}}}")


def go_int_or_string(value):
    """An intstr.IntOrString value as %#v prints it (Type 0 is Int, 1 is String)."""
    if isinstance(value, str):
        return GoValue(f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:{go_quote(value)}}}')
    return GoValue(f'intstr.IntOrString{{Type:0, IntVal:{value or 0}, StrVal:""}}')


# --- constructors -----------------------------------------------------------------------------

def _cause(reason, field, body, detail=""):
    return {"reason": reason, "message": f"{body}: {detail}" if detail else body, "field": field}


def invalid(field, value, detail):
    return _cause("FieldValueInvalid", field, f"Invalid value: {go(value)}", detail)


def required(field, detail=""):
    return _cause("FieldValueRequired", field, "Required value", detail)


def duplicate(field, value):
    return _cause("FieldValueDuplicate", field, f"Duplicate value: {go(value)}")


def not_found(field, value):
    return _cause("FieldValueNotFound", field, f"Not found: {go(value)}")


def not_supported(field, value, supported):
    detail = "supported values: " + ", ".join(go_quote(s) for s in supported)
    return _cause("FieldValueNotSupported", field, f"Unsupported value: {go(value)}", detail)


def supported_value(field, value, supported):
    """Required, and one of `supported` (the switch upstream writes for each enum field)."""
    if not value:
        return [required(field)]
    return [] if value in supported else [not_supported(field, value, supported)]


def forbidden(field, detail):
    return _cause("FieldValueForbidden", field, "Forbidden", detail)


def too_long(field, max_bytes):
    return _cause("FieldValueTooLong", field, "Too long", f"may not be more than {max_bytes} bytes")


def immutable(field, value):
    return invalid(field, value, "field is immutable")


def nonnegative(field, value):
    """ValidateNonnegativeField, for the optional int fields it is called on."""
    if value is not None and value < 0:
        return [invalid(field, value, "must be greater than or equal to 0")]
    return []
