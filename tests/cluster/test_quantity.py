"""Resource quantities: exact values and the canonical form kube-apiserver writes back."""
from fractions import Fraction

import pytest

from cluster.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    ERR_FORMAT,
    ERR_SUFFIX,
    format_quantity,
    int_value,
    millicores,
    parse_quantity,
)


@pytest.mark.parametrize("text,value,fmt", [
    ("100m", Fraction(1, 10), DECIMAL_SI),
    ("0.5", Fraction(1, 2), DECIMAL_SI),
    ("1Gi", 2 ** 30, BINARY_SI),
    ("500M", 500 * 10 ** 6, DECIMAL_SI),
    ("1e3", 1000, DECIMAL_EXPONENT),
    ("2Ki", 2048, BINARY_SI),
    ("-1.5", Fraction(-3, 2), DECIMAL_SI),
    (".5", Fraction(1, 2), DECIMAL_SI),
    ("1E", 10 ** 18, DECIMAL_SI),
    (3, 3, DECIMAL_SI),
    (0.25, Fraction(1, 4), DECIMAL_SI),
])
def test_parse_is_exact(text, value, fmt):
    quantity = parse_quantity(text)
    assert (quantity.value, quantity.format) == (value, fmt)


def test_values_round_up_to_a_nano():
    assert parse_quantity("0.0000000001").value == Fraction(1, 10 ** 9)
    assert parse_quantity("-0.0000000001").value == Fraction(-1, 10 ** 9)


@pytest.mark.parametrize("text,error", [
    ("1GB", ERR_FORMAT), ("abc", ERR_FORMAT), ("", ERR_FORMAT), ("1.2.3", ERR_FORMAT),
    (True, ERR_FORMAT), ("1mi", ERR_SUFFIX), ("1e", ERR_SUFFIX),
])
def test_malformed_quantities_fail_with_upstreams_message(text, error):
    with pytest.raises(ValueError) as raised:
        parse_quantity(text)
    assert str(raised.value) == error


@pytest.mark.parametrize("text,canonical", [
    ("100m", "100m"), ("0.5", "500m"), ("1000m", "1"), ("1500m", "1500m"), ("1.5", "1500m"),
    ("1000", "1k"), ("1Gi", "1Gi"), ("1024Mi", "1Gi"), ("1.5Gi", "1536Mi"), ("0.5Gi", "512Mi"),
    ("1.5Ki", "1536"), ("512Ki", "512Ki"), ("1e3", "1e3"), ("1.5e3", "1500"), ("2.5e-2", "25e-3"),
    ("500M", "500M"), ("0", "0"), ("0Gi", "0"), ("+2", "2"), ("128974848", "128974848"),
])
def test_canonical_form(text, canonical):
    assert format_quantity(text) == canonical
    assert format_quantity(canonical) == canonical  # canonical is a fixed point
    assert str(parse_quantity(text)) == canonical


def test_scheduler_helpers_round_up():
    assert millicores("250m") == 250
    assert millicores("1") == 1000
    assert millicores("0.0001") == 1
    assert int_value("1Gi") == 1073741824
    assert int_value("1.5") == 2
    assert int_value(parse_quantity("128Mi")) == 134217728
