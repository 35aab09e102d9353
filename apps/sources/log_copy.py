"""Appending a batch to the event log on PostgreSQL: the batch as one JSON document into a
staging table, then one set-based insert.

A multi-row INSERT with nine parameters per event spends most of its time quoting and
parsing parameters, on both sides, and COPY still has Python write every row; here the
batch goes as one JSON array of events (`{"source", "event_id", "type", "occurred_at",
"payload"}`), written out in one call (pydantic's serialiser for a flawless batch, the
C encoder otherwise), and the database takes it apart. The insert from the staging table
is one statement whatever the batch's size. The staging table also lets the database
itself tell a resend from a conflicting event, comparing the stored rows with the staged
ones, instead of reading the stored payloads back into Python.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

# A temporary table lives as long as the connection; ON COMMIT DELETE ROWS empties it at
# each commit (a truncation, so no dead rows pile up in a long-lived connection).
_STAGING = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS ingest_staging (ord integer, source text, "
    "event_id text, type text, occurred_at timestamptz, payload jsonb, dc text, "
    "order_id text, shipment_id text) ON COMMIT DELETE ROWS"
)
# Each event's position in its batch is `ords[n]`, or n - 1 when every event is staged.
# The indexed columns are read from the payload here, as services.indexed_columns reads
# them for SQLite: the DC (or the DC a transfer leaves), the order, the shipment.
_STAGE = (
    "INSERT INTO ingest_staging (ord, source, event_id, type, occurred_at, payload, dc, "
    "order_id, shipment_id) SELECT COALESCE((%s::integer[])[e.n], e.n - 1), "
    "e.v->>'source', e.v->>'event_id', e.v->>'type', (e.v->>'occurred_at')::timestamptz, "
    "e.v->'payload', COALESCE(e.v->'payload'->>'dc', e.v->'payload'->>'from_dc', ''), "
    "COALESCE(e.v->'payload'->>'order_id', ''), COALESCE(e.v->'payload'->>'shipment_id', '') "
    "FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS e(v, n)"
)
# Events are inserted in the batch's order so that ids, which order the log by commit,
# follow the order the sender gave them.
_INSERT = (
    "INSERT INTO sources_event (source, event_id, type, occurred_at, received_at, payload, "
    "dc, order_id, shipment_id) SELECT source, event_id, type, occurred_at, %s, payload, dc, "
    "order_id, shipment_id FROM ingest_staging ORDER BY ord "
    "ON CONFLICT (source, event_id) DO NOTHING RETURNING source, event_id, id"
)
# jsonb equality ignores key order and how a number was written, as a resend may differ.
_DIFFERING = (
    "SELECT s.ord FROM ingest_staging s JOIN sources_event e "
    "ON e.source = s.source AND e.event_id = s.event_id "
    "WHERE e.type <> s.type OR e.occurred_at <> s.occurred_at OR e.payload <> s.payload "
    "ORDER BY s.ord"
)


@dataclass(frozen=True)
class CopyResult:
    inserted: dict[tuple[str, str], int]  # (source, event_id) → id, of rows this call stored
    differing: list[int]  # ords of staged events whose key is stored with other content


def events_copy_insert(
    events_json: str, *, ords: list[int] | None, received_at: datetime
) -> CopyResult:
    """Stage a JSON array of events (no two with the same key) and insert those whose key
    is not stored yet, in ord order: `ords` gives each event's index in its batch, None
    when the array is the whole batch.

    Runs inside the caller's transaction, which holds the event log's lock.
    """
    with connection.cursor() as cursor:
        # Left over when the caller's transaction is nested in another that has not
        # committed yet (a test's, an import's). One round trip for both statements.
        cursor.execute(f"{_STAGING}; DELETE FROM ingest_staging")
        cursor.execute(_STAGE, [ords, events_json])
        staged = cursor.rowcount
        cursor.execute(_INSERT, [received_at])
        inserted = {(source, event_id): id_ for source, event_id, id_ in cursor.fetchall()}
        differing: list[int] = []
        if len(inserted) < staged:
            cursor.execute(_DIFFERING)
            differing = [ord_ for (ord_,) in cursor.fetchall()]
    return CopyResult(inserted, differing)


def copy_available() -> bool:
    return connection.vendor == "postgresql"
