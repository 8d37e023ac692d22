"""The store's hot statements in plain SQL.

For one-row writes Django's ORM spends longer building a statement than the database spends
running it; the store's insert and conditional update go through here instead. Values are still
prepared by the model fields (JSON, timestamps), so each backend gets what it expects.
"""
from functools import cache

from django.db import connection


def _quote(name):
    return connection.ops.quote_name(name)


@cache
def _insert_sql(model, names):
    columns = ", ".join(_quote(model._meta.get_field(n).column) for n in names)
    return (f"INSERT INTO {_quote(model._meta.db_table)} ({columns}) "
            f"VALUES ({', '.join(['%s'] * len(names))})")


@cache
def _update_sql(model, names, keys):
    sets = ", ".join(f"{_quote(model._meta.get_field(n).column)} = %s" for n in names)
    where = " AND ".join(f"{_quote(model._meta.get_field(n).column)} = %s" for n in keys)
    return f"UPDATE {_quote(model._meta.db_table)} SET {sets} WHERE {where}"


def _prepared(model, values):
    return [model._meta.get_field(n).get_db_prep_save(v, connection) for n, v in values.items()]


def insert(model, values):
    """INSERT one row of `model` from a {field name: value} dict."""
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, tuple(values)), _prepared(model, values))


def update(model, values, where):
    """UPDATE the rows matching every {field: value} of `where`; returns how many changed."""
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(model, tuple(values), tuple(where)),
                       _prepared(model, values) + _prepared(model, where))
        return cursor.rowcount


def select_by_keys(model, columns, keys):
    """The `columns` of the rows matching any of `keys` ({field: value} dicts, same fields each)."""
    fields = tuple(keys[0])
    match = " AND ".join(f"{_quote(model._meta.get_field(n).column)} = %s" for n in fields)
    selected = ", ".join(_quote(model._meta.get_field(n).column) for n in columns)
    where = " OR ".join(f"({match})" for _ in keys)
    params = [v for key in keys for v in _prepared(model, key)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selected} FROM {_quote(model._meta.db_table)} WHERE {where}",
                       params)
        rows = cursor.fetchall()
    converters = [_converter(model._meta.get_field(n)) for n in columns]
    return [tuple(c(v) if c else v for c, v in zip(converters, row)) for row in rows]


def select_range(model, columns, equal, field, low, high):
    """The `columns` of the rows matching `equal` ({field: value}) with low <= `field` < high,
    in `field` order: one range of an index whose columns are equal's, then field."""
    column = _quote(model._meta.get_field(field).column)
    match = " AND ".join(f"{_quote(model._meta.get_field(n).column)} = %s" for n in equal)
    selected = ", ".join(_quote(model._meta.get_field(n).column) for n in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selected} FROM {_quote(model._meta.db_table)} WHERE {match} "
                       f"AND {column} >= %s AND {column} < %s ORDER BY {column}",
                       [*_prepared(model, equal), low, high])
        rows = cursor.fetchall()
    converters = [_converter(model._meta.get_field(n)) for n in columns]
    return [tuple(c(v) if c else v for c, v in zip(converters, row)) for row in rows]


def _converter(field):
    """What the ORM does to a column's raw value on the way out (JSON text → dict on SQLite)."""
    from_db = getattr(field, "from_db_value", None)
    return (lambda value: from_db(value, None, connection)) if from_db else None
