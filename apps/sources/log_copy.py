"""Appending a batch to the event log on PostgreSQL: the batch as one JSON document, taken
apart by the database in one set-based insert.

A multi-row INSERT with nine parameters per event spends most of its time quoting and
parsing parameters, on both sides, and COPY still has Python write every row (and, with
a staging table, the database write every row twice). Here the batch goes as one JSON
array of events (`{"source", "event_id", "type", "occurred_at", "payload"}`), written out
in one call (pydantic's serialiser for a flawless batch, the C encoder otherwise), and
one INSERT … SELECT from jsonb_array_elements stores it. When some keys were already
stored, the database itself tells a resend from a conflicting event, comparing the stored
rows with the batch's, instead of reading the stored payloads back into Python.
"""

import json
from dataclasses import dataclass
from datetime import datetime

import psycopg
from django.db import connection

from apps.sources.validation import ValidEvent

_ENCODE = json.JSONEncoder(separators=(",", ":")).encode

# The batch's events as rows. Each event's position in its batch is `ords[n]`, or n - 1
# when every event of the batch is in the array. The indexed columns are read from the
# payload here, as services._indexed_columns reads them for SQLite: the DC (or the DC a
# transfer leaves), the order, the shipment. Parameters: ords, then the JSON array.
_ROWS = (
    "(SELECT COALESCE((%s::integer[])[e.n], e.n - 1) AS ord, e.v->>'source' AS source, "
    "e.v->>'event_id' AS event_id, e.v->>'type' AS type, "
    "(e.v->>'occurred_at')::timestamptz AS occurred_at, e.v->'payload' AS payload, "
    "COALESCE(e.v->'payload'->>'dc', e.v->'payload'->>'from_dc', '') AS dc, "
    "COALESCE(e.v->'payload'->>'order_id', '') AS order_id, "
    "COALESCE(e.v->'payload'->>'shipment_id', '') AS shipment_id "
    "FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS e(v, n)) AS b"
)
# Events are inserted in the batch's order so that ids, which order the log by commit,
# follow the order the sender gave them.
_INSERT = (
    "INSERT INTO sources_event (source, event_id, type, occurred_at, received_at, payload, "
    "dc, order_id, shipment_id) SELECT b.source, b.event_id, b.type, b.occurred_at, %s, "
    f"b.payload, b.dc, b.order_id, b.shipment_id FROM {_ROWS} ORDER BY b.ord "
    "ON CONFLICT (source, event_id) DO NOTHING RETURNING source, event_id, id"
)
# jsonb equality ignores key order and how a number was written, as a resend may differ.
_DIFFERING = (
    f"SELECT b.ord FROM {_ROWS} JOIN sources_event e "
    "ON e.source = b.source AND e.event_id = b.event_id "
    "WHERE e.type <> b.type OR e.occurred_at <> b.occurred_at OR e.payload <> b.payload "
    "ORDER BY b.ord"
)


@dataclass(frozen=True)
class CopyResult:
    inserted: dict[tuple[str, str], int]  # (source, event_id) → id, of rows this call stored
    differing: list[int]  # ords of events whose key is stored with other content


def events_copy_insert(
    events_json: str, *, ords: list[int] | None, received_at: datetime, count: int
) -> CopyResult:
    """Insert the events of a JSON array (`count` of them, no two with the same key) whose
    key is not stored yet, in ord order: `ords` gives each event's index in its batch, None
    when the array is the whole batch.

    Runs inside the caller's transaction, which holds the event log's lock.
    """
    # Bound server-side: Django's cursors bind client-side, escaping the batch's JSON (a
    # third of a megabyte) into the statement text, which the server then scans as a
    # string literal, all while the log's lock is held.
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_INSERT, [received_at, ords, events_json])
        inserted = {(source, event_id): id_ for source, event_id, id_ in cursor.fetchall()}
        differing: list[int] = []
        if len(inserted) < count:
            cursor.execute(_DIFFERING, [ords, events_json])
            differing = [ord_ for (ord_,) in cursor.fetchall()]
    return CopyResult(inserted, differing)


def events_as_json(events: list[ValidEvent]) -> str:
    """Checked events as the JSON array events_copy_insert takes (in one call of the C
    encoder, as pydantic writes a flawless batch in one call)."""
    return _ENCODE(
        [
            {"source": e.source, "event_id": e.event_id, "type": e.type,
             "occurred_at": e.occurred_at.isoformat(), "payload": e.payload}
            for e in events
        ]
    )  # fmt: skip


def copy_available() -> bool:
    return connection.vendor == "postgresql"
