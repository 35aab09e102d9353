"""A twin's first start: weeks of the demo enterprise's history, projected and calibrated,
before it goes live.

A twin that starts empty and fills at the pace of events tells the wrong story for its first
day: one busy hour reads as a trend, and sub-models fitted on minutes look calibrated. So
`make run` first streams a history of the demo enterprise up to now, as fast as it can,
through the same ingestion as the live stream; waits for the projector to apply it; and
calibrates every sub-model on it. Then the emulator goes on live with the same world.

A later start finds the load finished and only catches the world up to now; a start
stopped half-way (Ctrl-C) takes the load up where it stopped, since ingestion keeps what
it acknowledged and the emulator's resume file says how far it got.
"""

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone

from apps.calibration.services import Outcome, calibrate, calibration_window
from apps.live.projector import project_pending, projector_position
from apps.sources.models import HistoryLoad
from apps.sources.selectors import event_log_last_id
from apps.sources.world_import import LogSink
from apps.world.enterprise import Emulator
from apps.world.output import Resume, stream

# The projector applies a few batches a call, so that progress shows between them.
BATCHES_PER_STEP = 10


class Interrupted(Exception):
    """Ctrl-C or SIGTERM during the load; what was acknowledged is kept for the next start."""

    def __init__(self, accepted: int) -> None:
        super().__init__(f"stopped after {accepted} events; the next start goes on from there")
        self.accepted = accepted


@dataclass
class FirstStart:
    """What a start did: loaded the history, caught up, or left the log alone."""

    load: HistoryLoad | None
    loaded_now: bool = False
    events_accepted: int = 0
    seconds: float = 0.0
    skipped: str = ""
    outcomes: list[Outcome] = field(default_factory=list)


class Progress:
    """Progress of one phase on a terminal: a bar redrawn in place, or on a log (not a
    terminal) a line every tenth, so that a log file does not fill with bars."""

    WIDTH = 30

    def __init__(self, write: Callable[[str], None], *, label: str, interactive: bool) -> None:
        self.write, self.label, self.interactive = write, label, interactive
        self.started = time.monotonic()
        self.tenths = -1

    def show(self, fraction: float, detail: str = "") -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        elapsed = time.monotonic() - self.started
        filled = round(fraction * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        line = f"{self.label:<12} [{bar}] {fraction:4.0%}  {elapsed:5.0f} s  {detail}"
        if self.interactive:
            self.write(f"\r{line}\x1b[K")
        elif int(fraction * 10) > self.tenths:
            self.tenths = int(fraction * 10)
            self.write(line + "\n")

    def done(self, detail: str) -> None:
        self.show(1.0, detail)
        if self.interactive:
            self.write("\n")


def terminal_progress(stdout) -> Callable[[str], Progress]:
    """Progress for each phase of a management command, written to its stdout: bars on a
    terminal, a line every tenth on a log."""
    interactive = sys.stdout.isatty()

    def write(text: str) -> None:
        stdout.write(text, ending="")
        stdout.flush()

    return lambda label: Progress(write, label=label, interactive=interactive)


def _history_stream(
    load: HistoryLoad,
    *,
    resume_path: Path,
    world_days: float,
    until: datetime,
    progress: Callable[[str], Progress],
) -> int:
    """The demo enterprise's events up to `until`, through ingestion; the events accepted."""
    start = until.replace(second=0, microsecond=0) - timedelta(days=load.days)
    resume = Resume.load_or_create(resume_path, start=start, seed=load.seed)
    emulator = Emulator(start=resume.start, days=world_days, seed=load.seed)
    sink = LogSink()
    span = max((until - resume.start).total_seconds(), 1.0)
    bar = progress("history")

    def shown(moment: datetime) -> None:
        done = (moment - resume.start).total_seconds() / span
        bar.show(done, f"{sink.totals['accepted']:,} events, to {moment:%a %d %b %H:%M}")

    finished = stream(
        emulator, sink, start=resume.start, speed=0, resume=resume, until=until, progress=shown
    )
    sink.close()
    if not finished:
        raise Interrupted(sink.totals["accepted"])
    bar.done(f"{sink.totals['accepted']:,} events accepted, {sink.totals['duplicate']:,} known")
    load.history_start = load.history_start or resume.start
    load.history_end = until
    return sink.totals["accepted"]


def projection_catch_up(*, up_to_id: int, progress: Callable[[str], Progress]) -> None:
    """Until the live state holds every event up to `up_to_id`: projected here, or by the
    projector process when it runs (it holds the lock; this then watches it)."""
    bar = progress("projection")
    first = projector_position().last_event_id
    while True:
        result = project_pending(max_batches=BATCHES_PER_STEP)
        position = projector_position()
        applied = position.last_event_id - first
        bar.show(applied / max(up_to_id - first, 1), f"{applied:,} events applied")
        if position.last_event_id >= up_to_id:
            break
        if result.locked_out or not result.applied:
            time.sleep(0.2)
    held = f", {position.quarantined} in quarantine" if position.quarantined else ""
    bar.done(f"{position.last_event_id - first:,} events applied{held}")


def first_start(
    *,
    days: float,
    world_days: float,
    resume_path: Path,
    seed: int = 1,
    behind_days: float = 0.0,
    progress: Callable[[str], Progress],
) -> FirstStart:
    """Load `days` of history the first time, catch up to now every time after; with
    `behind_days`, to that long before now, so that the paced world replays those days
    faster than real time and a planner sees days pass (and tracking settle) within the hour."""
    began = time.monotonic()
    load = HistoryLoad.objects.order_by("-id").first()
    if load is None and event_log_last_id() > 0:
        return FirstStart(None, skipped="the event log already holds events of its own")
    if load is None:
        load = HistoryLoad.objects.create(days=days, seed=seed, started_at=timezone.now())
    elif not resume_path.exists():
        # The database outlived the var folder (`make clean` with PostgreSQL): a new world
        # would reissue the stored events' ids with other contents, every one a conflict.
        return FirstStart(load, skipped=f"{resume_path} is gone, so the demo world cannot go on")
    fresh = load.finished_at is None
    accepted = 0
    try:
        accepted = _history_stream(
            load, resume_path=resume_path, world_days=world_days,
            until=timezone.now() - timedelta(days=behind_days), progress=progress,
        )  # fmt: skip
        projection_catch_up(up_to_id=event_log_last_id(), progress=progress)
        outcomes = []
        if fresh:
            bar = progress("calibration")
            bar.show(0.0, "six sub-models on the whole history")
            window = calibration_window(hours=load.days * 24)
            reason = f"first start: {load.days:g} days of history"
            outcomes = calibrate(window=window, reason=reason)
            bar.done(f"six sub-models on {window.hours / 24:.1f} days")
            load.finished_at = timezone.now()
    except Interrupted as stop:
        accepted = stop.accepted
        raise
    finally:
        load.events_accepted += accepted
        load.seconds += time.monotonic() - began
        load.save()
    return FirstStart(load, fresh, accepted, time.monotonic() - began, outcomes=outcomes)
