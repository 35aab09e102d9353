"""A twin's first start on a real history (`make run` with TWIN_DATA): its first part
imported as the twin's past, projected and calibrated, before the replay goes on with the
rest in event time.

As the demo's first start (apps/calibration/first_start.py) does with weeks of the demo
enterprise, so that the first page shows a settled operation and calibrated sub-models;
unlike it, the events are a company's own, so they are split by time, not generated up to
now: everything before the cutoff is the past, and nothing after it is seen until the
replay reaches it.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from apps.calibration.first_start import Progress, projection_catch_up
from apps.calibration.services import Outcome, calibrate, calibration_window
from apps.imports.errors import ImportsError
from apps.imports.events import events_generate
from apps.imports.history import history_read
from apps.imports.mapping import mapping_validate
from apps.imports.master_data_write import master_data_apply
from apps.imports.replay import (
    IngestTotals,
    ReplayError,
    ReplayState,
    batches,
    ingest,
    occurred_at,
    past_cutoff,
)
from apps.imports.services import master_data_propose
from apps.sources.models import HistoryLoad
from apps.sources.selectors import event_log_last_id


def history_events(*, mapping: Path, files: list[Path]) -> list[dict]:
    """The history's events in event time, through the saved mapping (the same events
    `manage.py import_history` imports); rows that yield none are import_history's to
    report."""
    try:
        document = mapping_validate(mapping.read_text(encoding="utf-8"))
        return events_generate(history_read(files, document)).events
    except OSError as error:
        raise ReplayError(f"{error.filename}: {error.strerror}") from None
    except ImportsError as error:
        raise ReplayError(f"{mapping}: {error}") from None


def master_data_from_history(*, mapping: Path, files: list[Path]) -> str:
    """Origins, regions, SKUs, customers, carrier and lanes derived from the history and
    written (by code: a second start updates, never duplicates); what was written."""
    try:
        document = mapping_validate(mapping.read_text(encoding="utf-8"))
        counts = master_data_apply(master_data_propose(files=files, mapping=document))
    except ImportsError as error:
        raise ReplayError(f"{mapping}: {error}") from None
    kinds = sorted(set(counts.created) | set(counts.updated))
    return ", ".join(
        f"{kind} {counts.created.get(kind, 0)} new, {counts.updated.get(kind, 0)} updated"
        for kind in kinds
    )


@dataclass
class HistoryStart:
    """What a start did: imported the past now, or found it imported before."""

    state: ReplayState
    imported_now: bool
    past_events: int = 0
    totals: IngestTotals = field(default_factory=IngestTotals)
    seconds: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)


def history_first_start(
    events: list[dict],
    *,
    mapping: Path,
    files: list[Path],
    past_fraction: float,
    resume_path: Path,
    progress: Callable[[str], Progress],
) -> HistoryStart:
    """Import the events before the cutoff (the purchase of the first order after the first
    `past_fraction` of orders), project and calibrate them, and write the replay's resume
    file; a later start, finding that file, leaves the log to the replay."""
    began = time.monotonic()
    if resume_path.exists():
        return HistoryStart(ReplayState.load(resume_path), imported_now=False)
    if HistoryLoad.objects.exists():
        raise ReplayError(
            "this database holds the demo enterprise's history: start the twin on a real "
            "history with a database of its own (DATABASE_URL, or TWIN_VAR_DIR for SQLite)"
        )
    cutoff = past_cutoff(events, fraction=past_fraction)
    past = [event for event in events if occurred_at(event) < cutoff]
    totals = IngestTotals()
    bar = progress("history")
    for batch in batches(past):
        totals.add(ingest(batch))
        done = totals.accepted + totals.duplicate + totals.rejected
        moment = occurred_at(batch[-1])
        bar.show(done / len(past), f"{totals.accepted:,} events, to {moment:%d %b %Y}")
    bar.done(f"{totals.accepted:,} events accepted, {totals.duplicate:,} known, "
             f"{totals.rejected:,} rejected")  # fmt: skip
    projection_catch_up(up_to_id=event_log_last_id(), progress=progress)
    bar = progress("calibration")
    bar.show(0.0, "six sub-models on the past's last weeks")
    # The same window as every later recalibration, ending where the past ends.
    window = calibration_window()
    outcomes = calibrate(window=window, reason=f"first start: the history up to {cutoff:%Y-%m-%d}")
    bar.done(f"six sub-models on {window.hours / 24:.1f} days up to {cutoff:%Y-%m-%d}")
    state = ReplayState(
        mapping=str(mapping), files=tuple(str(path) for path in files), cutoff=cutoff
    )
    state.save(resume_path)
    return HistoryStart(state, True, len(past), totals, time.monotonic() - began, outcomes=outcomes)
