"""Floors measured in the same run as the figure they bound: the event log's own rows
written into a scratch table the plainest way the database allows."""

import time

from django.db import connection

COLUMNS = "source, event_id, type, occurred_at, received_at, payload, dc, order_id, shipment_id"
SCRATCH = "bench_floor_event"


def stored_rows() -> list[tuple]:
    """The event log's rows as the database returns them, payload as JSON text."""
    payload = "payload::text" if connection.vendor == "postgresql" else "payload"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {COLUMNS.replace('payload', payload)} FROM sources_event ORDER BY id"
        )
        return cursor.fetchall()


def _scratch(cursor, *, indexed: bool) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
    if connection.vendor == "postgresql":
        like = "INCLUDING ALL" if indexed else "INCLUDING DEFAULTS INCLUDING IDENTITY"
        cursor.execute(f"CREATE TABLE {SCRATCH} (LIKE sources_event {like})")
    else:
        cursor.execute(f"CREATE TABLE {SCRATCH} AS SELECT * FROM sources_event WHERE 0")
        if indexed:
            cursor.execute(f"CREATE UNIQUE INDEX {SCRATCH}_key ON {SCRATCH} (source, event_id)")


def copy_floor(rows: list[tuple]) -> tuple[str, float]:
    """(how, seconds) to write `rows` into a scratch copy of the event log, its unique key
    included: COPY on PostgreSQL; on SQLite, which has none, one executemany."""
    with connection.cursor() as cursor:
        _scratch(cursor, indexed=True)
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {SCRATCH} ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            how = "COPY into a scratch table"
        else:
            cursor.executemany(
                f"INSERT INTO {SCRATCH} ({COLUMNS}) VALUES ({', '.join(['%s'] * 9)})", rows
            )
            how = "executemany into a scratch table (SQLite has no COPY)"
        seconds = time.perf_counter() - started
        cursor.execute(f"SELECT count(*) FROM {SCRATCH}")
        assert cursor.fetchone()[0] == len(rows)
        cursor.execute(f"DROP TABLE {SCRATCH}")
    return how, seconds


def insert_floor(rows: list[tuple], *, batch: int) -> tuple[str, float]:
    """(how, seconds) for a bare INSERT of `rows` into a table without indexes, one
    executemany per `batch` rows (psycopg pipelines it on PostgreSQL)."""
    with connection.cursor() as cursor:
        _scratch(cursor, indexed=False)
        insert = f"INSERT INTO {SCRATCH} ({COLUMNS}) VALUES ({', '.join(['%s'] * 9)})"
        started = time.perf_counter()
        for at in range(0, len(rows), batch):
            cursor.executemany(insert, rows[at : at + batch])
        seconds = time.perf_counter() - started
        cursor.execute(f"SELECT count(*) FROM {SCRATCH}")
        assert cursor.fetchone()[0] == len(rows)
        cursor.execute(f"DROP TABLE {SCRATCH}")
    return f"a bare INSERT of the same rows, {batch:,} an executemany", seconds
