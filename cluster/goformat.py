"""Values as Go's fmt prints them, for error messages that quote what upstream's Go code prints."""
import decimal
import json
import math


def go_value(value):
    """A decoded JSON value as Go's %v prints it (maps with sorted keys)."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    return str(value)


def _go_float(number):
    """%v of a float64 (strconv's shortest %g): an exponent below 1e-4 and from 1e6 on."""
    if not math.isfinite(number):
        return {"nan": "NaN", "inf": "+Inf", "-inf": "-Inf"}[repr(number)]
    digits = decimal.Decimal(repr(number))
    exponent = digits.adjusted()
    if -4 <= exponent < 6:
        text = format(digits, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa = format(digits.scaleb(-exponent), "f").rstrip("0").rstrip(".")
    return f"{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def go_quote(text):
    """Go's %q of a string (printable Unicode kept as it is)."""
    return json.dumps(text, ensure_ascii=False)
