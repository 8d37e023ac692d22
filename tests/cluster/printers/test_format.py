"""cluster.printers.format: durations, ages and cells as kubectl writes them."""
from datetime import timedelta

import pytest

from cluster import printers

from .objects import NOW, ago


@pytest.mark.parametrize(("seconds", "expected"), [
    (-2, "<invalid>"), (-1.5, "0s"), (-1, "0s"), (0, "0s"), (0.9, "0s"), (59, "59s"),
    (119.99, "119s"), (120, "2m"), (121, "2m1s"), (599, "9m59s"), (600, "10m"), (659, "10m"),
    (3 * 3600 - 1, "179m"), (3 * 3600, "3h"), (3 * 3600 + 30 * 60 + 59, "3h30m"),
    (8 * 3600 - 1, "7h59m"), (8 * 3600, "8h"), (48 * 3600 - 1, "47h"), (48 * 3600, "2d"),
    (51 * 3600, "2d3h"), (8 * 86400 - 1, "7d23h"), (8 * 86400, "8d"),
    (730 * 86400 - 1, "729d"), (730 * 86400, "2y"), (735 * 86400, "2y5d"),
    (8 * 365 * 86400 - 1, "7y364d"), (8 * 365 * 86400, "8y"), (30 * 365 * 86400, "30y"),
])
def test_human_duration_as_apimachinery_writes_it(seconds, expected):
    assert printers.human_duration(seconds) == expected


def test_human_duration_takes_a_timedelta_and_ages_are_relative_to_the_clock():
    assert printers.human_duration(timedelta(days=2, hours=3, minutes=59)) == "2d3h"
    assert printers.since(ago(90), NOW) == "90s"
    assert printers.since(None, NOW) == "<unknown>"
    assert printers.since("", NOW) == "<unknown>"
    assert printers.since(NOW + timedelta(seconds=10), NOW) == "<invalid>"
    assert printers.age({"metadata": {"creationTimestamp": ago(7200)}}, NOW) == "120m"


@pytest.mark.parametrize(("value", "expected"), [
    (None, ""), (True, "true"), (False, "false"), (3, "3"), ("web", "web"),
    ("first line\nsecond", "first line..."), ("a\rb", "a..."), ("", ""),
])
def test_cell_text_as_kubectl_writes_cells(value, expected):
    assert printers.cell_text(value) == expected
