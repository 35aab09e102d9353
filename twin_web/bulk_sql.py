"""Fast reads of many rows on PostgreSQL, for hot paths such as the projector.

Django's client-side cursors read timestamps as text and parse them in Python, and a
JSON column goes through the text protocol twice; at tens of thousands of rows a second
that costs more than the query. Here timestamps come back as integer microseconds since
the epoch (exact, and turned into datetimes in C) and JSON as text for one json.loads.
Other databases keep the ORM path; callers check `fast_reads_available()`.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db import connection, models

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def fast_reads_available() -> bool:
    return connection.vendor == "postgresql"


def _from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def _column(field: models.Field) -> tuple[str, Callable | None]:
    name = connection.ops.quote_name(field.column)
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return f"(extract(epoch from {name}) * 1000000)::bigint", _from_micros
    if kind == "JSONField":
        return f"{name}::text", _json_column
    return name, None


def _json_column(texts: tuple) -> list:
    """A column of JSON texts parsed in one call, as one array: parsing thousands of small
    documents one json.loads at a time costs twice as much, most of it in the calls."""
    present = [text for text in texts if text is not None]
    parsed = json.loads("[" + ",".join(present) + "]")
    if len(present) == len(texts):
        return parsed
    values = iter(parsed)
    return [None if text is None else next(values) for text in texts]


def select(model: type[models.Model], names: list[str], rest: str, params: list) -> list[tuple]:
    """Rows of `names` from the model's table; `rest` is the SQL after FROM (WHERE …)."""
    columns = [_column(model._meta.get_field(name)) for name in names]
    sql = (
        f"SELECT {', '.join(expression for expression, _ in columns)} "
        f"FROM {connection.ops.quote_name(model._meta.db_table)} {rest}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    converters = [(i, convert) for i, (_, convert) in enumerate(columns) if convert is not None]
    if not rows or not converters:
        return rows
    # Column by column: a comprehension per converted column, and zip to turn the table
    # around, cost far less than rebuilding every row in a Python loop.
    table = list(zip(*rows, strict=True))
    for i, convert in converters:
        if convert is _json_column:
            table[i] = _json_column(table[i])
            continue
        table[i] = [None if value is None else convert(value) for value in table[i]]
    return list(zip(*table, strict=True))
