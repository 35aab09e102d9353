"""A real history as the twin's past and present: the first start imports its first part,
and the replay sends the rest through ingestion paced in event time.

The twin's clock is the newest event time it has seen (the projector's watermark), so a
history from 2017 replayed at N seconds of history per wall second runs the live view,
the delta rounds and the recalibrations as a live stream would, only faster. Nothing is
sent before its time: an order's delivery arrives when the replay reaches it, never
with the order, so no prediction made on the way sees its future.

The resume file (JSON) is the hand-off from the first start to the replay process and
the replay's bookmark: the mapping and files, where the past ends (`cutoff`) and the time
of the last event sent (`replayed_to`). A restart re-sends the events of that last
moment, which ingestion acknowledges as duplicates.
"""

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from apps.sources.selectors import master_data_codes
from apps.sources.services import events_ingest

# Events per call to ingestion, as the API's batches.
BATCH_SIZE = 1000
# The longest single sleep, so that a stop request is noticed within it.
MAX_SLEEP_S = 0.5


class ReplayError(Exception):
    """The resume file or the history cannot be replayed (named file, field and why)."""


@dataclass(frozen=True)
class ReplayState:
    """The resume file's contents."""

    mapping: str
    files: tuple[str, ...]
    cutoff: datetime
    replayed_to: datetime | None = None
    finished: bool = False

    @classmethod
    def load(cls, path: Path) -> "ReplayState":
        try:
            raw = json.loads(path.read_text())
            return cls(
                mapping=str(raw["mapping"]),
                files=tuple(str(name) for name in raw["files"]),
                cutoff=_aware(raw["cutoff"], "cutoff"),
                replayed_to=_aware(raw["replayed_to"], "replayed_to")
                if raw.get("replayed_to")
                else None,
                finished=bool(raw.get("finished", False)),
            )
        except FileNotFoundError:
            raise ReplayError(f"{path}: no such resume file (the first start writes it)") from None
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise ReplayError(f"{path}: not a replay resume file ({error})") from None

    def save(self, path: Path) -> None:
        raw = asdict(self)
        raw["files"] = list(self.files)
        raw["cutoff"] = self.cutoff.isoformat()
        raw["replayed_to"] = self.replayed_to.isoformat() if self.replayed_to else None
        # Written whole and renamed, so that a stop mid-write leaves the previous bookmark.
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(raw, indent=2))
        partial.replace(path)

    @property
    def resumes_at(self) -> datetime:
        """Events from this time on are (re)sent."""
        return self.replayed_to or self.cutoff


def _aware(text: str, name: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{name} {text!r} has no UTC offset")
    return moment


def occurred_at(event: dict) -> datetime:
    return datetime.fromisoformat(event["occurred_at"])


def in_event_time(events: Iterable[dict]) -> list[dict]:
    """The events in the order they happened (stable: a moment's events keep their order)."""
    return sorted(events, key=occurred_at)


def past_cutoff(events: list[dict], *, fraction: float) -> datetime:
    """Where the past ends: the purchase time of the first order after the first `fraction`
    of the orders (by purchase time); every event before it is the twin's past."""
    if not 0 < fraction < 1:
        raise ReplayError(f"the past must be a fraction between 0 and 1, not {fraction:g}")
    created = sorted(occurred_at(e) for e in events if e["type"] == "erp.order_created")
    if len(created) < 2:
        raise ReplayError("the history holds fewer than two orders: nothing to split")
    return created[min(int(len(created) * fraction), len(created) - 1)]


@dataclass
class IngestTotals:
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, other: "IngestTotals") -> None:
        self.accepted += other.accepted
        self.duplicate += other.duplicate
        self.rejected += other.rejected
        for reason, count in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + count


def ingest(batch: list[dict]) -> IngestTotals:
    """One batch through the API's validated path (dedupe, dead letters)."""
    result = events_ingest(items=batch, master=master_data_codes())
    reasons: dict[str, int] = {}
    for rejection in result.rejections:
        reasons[rejection.reason] = reasons.get(rejection.reason, 0) + 1
    return IngestTotals(result.accepted, result.duplicate, result.rejected, reasons)


def batches(events: Iterable[dict], size: int = BATCH_SIZE) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for event in events:
        batch.append(event)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class Pace:
    """N seconds of history per wall second, from a history moment and a wall moment on."""

    speed: float
    history_start: datetime
    wall_start: float

    def due(self, moment: datetime) -> float:
        """The wall clock reading (monotonic) at which `moment` of history is reached."""
        return self.wall_start + (moment - self.history_start).total_seconds() / self.speed


@dataclass
class ReplayResult:
    totals: IngestTotals
    sent: int
    replayed_to: datetime | None
    finished: bool


def replay(
    events: list[dict],
    *,
    state: ReplayState,
    speed: float,
    send: Callable[[list[dict]], IngestTotals] = ingest,
    save: Callable[[ReplayState], None] = lambda state: None,
    stop: Callable[[], bool] = lambda: False,
    progress: Callable[[datetime, IngestTotals], None] = lambda moment, totals: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ReplayResult:
    """Send `events` (in event time) from the state's resume point on, each when the paced
    clock reaches its time; a batch goes out whenever the next event must wait, or when it
    is full. After each batch the state is saved with the time of its last event."""
    if speed <= 0:
        raise ReplayError(f"the speed must be positive, not {speed:g}")
    start = state.resumes_at
    pending = [e for e in events if occurred_at(e) >= start]
    totals = IngestTotals()
    pace = Pace(speed=speed, history_start=start, wall_start=clock())
    batch: list[dict] = []
    sent = 0

    def flush() -> None:
        nonlocal batch, state, sent
        if not batch:
            return
        totals.add(send(batch))
        sent += len(batch)
        state = replace(state, replayed_to=occurred_at(batch[-1]))
        save(state)
        progress(state.replayed_to, totals)
        batch = []

    for event in pending:
        due = pace.due(occurred_at(event))
        if due > clock():
            flush()
            while (left := due - clock()) > 0:
                if stop():
                    return ReplayResult(totals, sent, state.replayed_to, finished=False)
                sleep(min(left, MAX_SLEEP_S))
        batch.append(event)
        if len(batch) >= BATCH_SIZE:
            flush()
        if stop():
            flush()
            return ReplayResult(totals, sent, state.replayed_to, finished=False)
    flush()
    save(replace(state, finished=True))
    return ReplayResult(totals, sent, state.replayed_to, finished=True)
