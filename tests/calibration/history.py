"""A short emulated history in the event log, for calibration tests that need some data."""

from datetime import UTC, datetime, timedelta

from apps.live.projector import project_pending
from apps.sources.services import events_ingest
from apps.world.enterprise import Emulator

T0 = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday


def emulated_history(
    *,
    days: float = 1.0,
    seed: int = 5,
    types: set[str] | None = None,
    between: tuple[float, float] | None = None,
) -> int:
    """Ingest `days` of the demo enterprise (only `types`, and only the events from day
    between[0] to day between[1], if given) and project it."""
    start, end = (day(between[0]), day(between[1])) if between else (None, None)
    batch, stored = [], 0
    for event in Emulator(start=T0, days=days, seed=seed).events():
        if between and not start <= datetime.fromisoformat(event["occurred_at"]) < end:
            continue
        if types is None or event["type"] in types:
            batch.append(event)
        if len(batch) == 5000:
            stored += events_ingest(items=batch).accepted
            batch = []
    stored += events_ingest(items=batch).accepted
    while project_pending(batch_size=5000).applied:
        pass
    return stored


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)
