"""Constructed event sequences for the live tests: minutes after T0, ingested for real."""

from datetime import UTC, datetime, timedelta

from apps.sources.services import events_ingest
from tests.sources.events import event

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def happened(event_type: str, minutes: float, **payload) -> dict:
    sent = event(event_type, **payload)
    sent["occurred_at"] = at(minutes)
    return sent


def clock(worker: str, role: str, direction: str, minutes: float, dc: str = "NE") -> dict:
    return happened("wms.labor_clock", minutes, dc=dc, worker_id=worker, role=role,
                    direction=direction)  # fmt: skip


def pick(minutes_done: float, duration_s: float, *, error: bool = False, dc: str = "NE") -> dict:
    started = T0 + timedelta(minutes=minutes_done) - timedelta(seconds=duration_s)
    return happened("wms.pick_completed", minutes_done, dc=dc, started_at=started.isoformat(),
                    duration_s=duration_s, error=error)  # fmt: skip


def ingest(*events: dict) -> None:
    result = events_ingest(items=list(events))
    assert result.rejected == 0, result.rejections
