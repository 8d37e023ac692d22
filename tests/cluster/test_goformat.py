from cluster.goformat import go_quote, go_value


def test_values_as_go_prints_them():
    assert go_value({"b": [1, "x y", None, True], "a": {}}) == "map[a:map[] b:[1 x y <nil> true]]"
    assert [go_value(f) for f in (1e6, 123456.0, 0.5, 1.5e-7, 1234567.0)] == [
        "1e+06", "123456", "0.5", "1.5e-07", "1.234567e+06"]
    assert go_quote('a "b"') == '"a \\"b\\""'
