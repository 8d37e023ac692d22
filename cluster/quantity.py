"""Resource quantities ("100m", "1Gi", "1e3") as apimachinery's resource.Quantity parses them.

Values are exact Fractions, rounded away from zero to a whole nano as upstream does, and keep
their format (DecimalSI "1k", BinarySI "1Ki", DecimalExponent "1e3") because the API server writes
a quantity back in the canonical form of that format: "0.5" → "500m", "1024Mi" → "1Gi".
"""
import functools
import json
import math
import re
from dataclasses import dataclass
from fractions import Fraction

DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT = "DecimalSI", "BinarySI", "DecimalExponent"

ERR_FORMAT = ("quantities must match the regular expression "
              "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
ERR_SUFFIX = "unable to parse quantity's suffix"

_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_SUFFIX = {e: s for s, e in _DECIMAL.items()}
_BINARY_SUFFIX = {0: ""} | {e: s for s, e in _BINARY.items()}
# Sign, digits, an optional fraction, then a suffix: the same split as parseQuantityString.
_SPLIT = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)")
_NANO = 10 ** 9
_MAX = 2 ** 63 - 1  # upstream caps larger values at the int64 maximum


@dataclass(frozen=True)
class Quantity:
    value: Fraction
    format: str = DECIMAL_SI

    def __str__(self):
        return format_quantity(self)


def parse_quantity(text):
    """A Quantity from a string or JSON number; ValueError with upstream's message if malformed."""
    if isinstance(text, Quantity):
        return text
    # Like Quantity.UnmarshalJSON, take a JSON number (or anything else) as its JSON text.
    return _parse(text.strip() if isinstance(text, str) else json.dumps(text))


@functools.lru_cache(maxsize=4096)  # a cluster uses few distinct quantities, over and over
def _parse(text):
    match = _SPLIT.fullmatch(text)
    if not text or not match:
        raise ValueError(ERR_FORMAT)
    sign, whole, fraction, suffix = match.groups()
    base, exponent, fmt = _interpret(suffix)
    number = Fraction(int(whole or "0")) + (Fraction(int(fraction), 10 ** len(fraction))
                                            if fraction else 0)
    value = number * Fraction(base) ** exponent * (-1 if sign == "-" else 1)
    return Quantity(_round_to_nano(max(-_MAX, min(_MAX, value))), fmt)


def _interpret(suffix):
    if suffix in _DECIMAL:
        return 10, _DECIMAL[suffix], DECIMAL_SI
    if suffix in _BINARY:
        return 2, _BINARY[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[-+]?[0-9]+", suffix[1:]):
        return 10, int(suffix[1:]), DECIMAL_EXPONENT
    raise ValueError(ERR_SUFFIX)


def _round_to_nano(value):
    nanos = value * _NANO
    whole = math.ceil(abs(nanos))  # away from zero: asking for a little never yields nothing
    return Fraction(whole if nanos >= 0 else -whole, _NANO)


def format_quantity(quantity):
    """The canonical string the API server writes for a quantity (a Quantity or its text)."""
    q = parse_quantity(quantity)
    if q.value == 0:
        return "0"
    if q.format == BINARY_SI and abs(q.value) >= 1024 and q.value.denominator == 1:
        amount, power = int(q.value), 0
        while amount % 1024 == 0:
            amount, power = amount // 1024, power + 10
        return f"{amount}{_BINARY_SUFFIX[power]}"
    amount, exponent = int(q.value * _NANO), -9
    while amount % 10 == 0:
        amount, exponent = amount // 10, exponent + 1
    while exponent % 3:  # SI suffixes step by a thousand
        amount, exponent = amount * 10, exponent - 1
    if q.format == DECIMAL_EXPONENT:
        return f"{amount}e{exponent}" if exponent else str(amount)
    return f"{amount}{_DECIMAL_SUFFIX[exponent]}"


def millicores(quantity):
    """The value in thousandths, rounded up (Quantity.MilliValue): CPU in millicores."""
    return math.ceil(parse_quantity(quantity).value * 1000)


def int_value(quantity):
    """The value rounded up to a whole number (Quantity.Value): bytes of memory, a pod count."""
    return math.ceil(parse_quantity(quantity).value)
