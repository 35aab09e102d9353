"""Where the world's events go (a file, or the twin's API with each source's token), and at
what pace; and how a restarted world picks up where it stopped."""

import hashlib
import itertools
import json
import logging
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Protocol

import httpx

from apps.world.enterprise import Emulator
from apps.world.network import SOURCES

logger = logging.getLogger(__name__)

# How often a live emulator keeps its world, at most: a restart after a kill draws the
# events since again, a few minutes' worth.
CHECKPOINT_EVERY_S = 300.0


class EmulatorOutputError(RuntimeError):
    pass


BATCH = 1000


class FileSink:
    def __init__(self, path: Path) -> None:
        self.handle = path.open("w", encoding="utf-8")
        self.sent = 0

    def add(self, event: dict) -> None:
        self.handle.write(json.dumps(event, separators=(",", ":")) + "\n")
        self.sent += 1

    def flush(self) -> None:
        self.handle.flush()

    def close(self) -> str:
        self.handle.close()
        return f"{self.sent} events written"


class BatchSink:
    """Events batched per source (a batch is one source's, as a token is); `_post` delivers a
    batch and says how many were accepted, known already (duplicate) and refused."""

    def __init__(self) -> None:
        self.pending: dict[str, list[dict]] = {source: [] for source in SOURCES}
        self.totals = {"accepted": 0, "duplicate": 0, "rejected": 0}

    def add(self, event: dict) -> None:
        batch = self.pending[event["source"]]
        batch.append(event)
        if len(batch) >= BATCH:
            self._send(event["source"])

    def flush(self) -> None:
        for source in SOURCES:
            if self.pending[source]:
                self._send(source)

    def _send(self, source: str) -> None:
        batch, self.pending[source] = self.pending[source], []
        counts = self._post(source, batch)
        for key in self.totals:
            self.totals[key] += counts[key]

    def _post(self, source: str, batch: list[dict]) -> dict[str, int]:
        raise NotImplementedError

    def close(self) -> str:
        self.flush()
        t = self.totals
        return f"{t['accepted']} accepted, {t['duplicate']} duplicate, {t['rejected']} rejected"


class ApiSink(BatchSink):
    """Batches posted to the twin's ingestion API with their source's token.

    A batch the twin cannot take now (it is restarting: no answer, 502/503, 429) is tried
    again for RETRY_FOR_S, which is safe since the twin deduplicates events by id; a batch
    it refuses (another 4xx) stops the world with the twin's reason."""

    RETRY_FOR_S = 120.0

    def __init__(self, *, api_url: str, tokens: dict[str, str], client=None) -> None:
        missing = [source for source in SOURCES if not tokens.get(source)]
        if missing:
            raise EmulatorOutputError(f"no API token for {', '.join(missing)}")
        super().__init__()
        self.api_url = api_url.rstrip("/")
        self.tokens = tokens
        self.client = client or httpx.Client(timeout=60)

    def _post(self, source: str, batch: list[dict]) -> dict[str, int]:
        body = json.dumps(batch)
        headers = {
            "Authorization": f"Bearer {self.tokens[source]}",
            "Content-Type": "application/json",
        }
        deadline = time.monotonic() + self.RETRY_FOR_S
        while True:
            try:
                response = self.client.post(
                    f"{self.api_url}/api/v1/events", content=body, headers=headers
                )
            except httpx.TransportError as error:
                reason = f"twin unreachable ({error})"
            else:
                if response.status_code == 200:
                    return response.json()
                if response.status_code < 500 and response.status_code != 429:
                    raise EmulatorOutputError(
                        f"{source} batch refused: {response.status_code} {response.text}"
                    )
                reason = f"twin answered {response.status_code}"
            if time.monotonic() >= deadline:
                raise EmulatorOutputError(
                    f"{source} batch not taken for {self.RETRY_FOR_S:.0f} s: {reason}"
                )
            logger.warning("%s batch of %d not sent (%s); trying again", source, len(batch), reason)
            time.sleep(2.0)

    def close(self) -> str:
        summary = super().close()
        self.client.close()
        return summary


@dataclass(frozen=True)
class Resume:
    """Where a restarted emulator picks up its world: the same start and seed, so that its
    events are the same events with the same ids, and how many of them were sent already."""

    path: Path
    start: datetime
    seed: int
    sent: int = 0

    @classmethod
    def load_or_create(cls, path: Path, *, start: datetime, seed: int) -> "Resume":
        """The saved world when there is one of this seed; else a new one from `start`."""
        try:
            saved = json.loads(path.read_text())
            if saved["seed"] == seed:
                return cls(path, datetime.fromisoformat(saved["start"]), seed, int(saved["sent"]))
        except FileNotFoundError:
            pass
        except (ValueError, KeyError, TypeError) as error:
            raise EmulatorOutputError(f"{path}: not a resume file ({error}); remove it") from None
        resume = cls(path, start, seed)
        resume.save(0)
        resume.world_path.unlink(missing_ok=True)
        resume.decisions_path.unlink(missing_ok=True)
        return resume

    def save(self, sent: int) -> None:
        # Written beside and renamed over: a kill mid-write leaves the old file whole.
        text = json.dumps({"seed": self.seed, "start": self.start.isoformat(), "sent": sent})
        partial = self.path.with_suffix(".partial")
        partial.write_text(text)
        partial.replace(self.path)

    @property
    def world_path(self) -> Path:
        return self.path.with_suffix(".world")

    @property
    def decisions_path(self) -> Path:
        """The decision feed's cursor and the decisions carried out (apps.world.decisions)."""
        return self.path.with_suffix(".decisions")

    def checkpoint(self, emulator: Emulator, *, sent: int, drawn: list[dict]) -> None:
        """The world as it stands once `sent` events are sent, with `drawn` (drawn from it,
        not yet sent) to go first: a restart goes on from here instead of drawing every
        event since the start again (weeks of them after a first start's history)."""
        state = {"key": _world_key(emulator), "sent": sent, "drawn": drawn, "world": emulator}
        partial = self.world_path.with_suffix(".world-partial")
        with partial.open("wb") as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(self.world_path)

    def restore(self, emulator: Emulator) -> tuple[Emulator, int, list[dict]] | None:
        """The checkpointed world, its events sent and drawn, if it is this emulator's world
        (seed, start, length, changes and code) and not ahead of what was sent; else None.

        A pickle runs code when loaded; this one is the twin's own, in its own var folder,
        which holds its database too: trusted as the code is."""
        try:
            with self.world_path.open("rb") as handle:
                state = pickle.load(handle)
            key, sent, drawn, world = state["key"], state["sent"], state["drawn"], state["world"]
        except FileNotFoundError:
            return None
        except Exception as error:
            logger.warning("emulator checkpoint %s unreadable (%s): drawing the world again",
                           self.world_path, error)  # fmt: skip
            return None
        if key != _world_key(emulator) or sent > self.sent:
            return None
        return world, sent, drawn


@cache
def _emulator_code() -> str:
    """The world's code: a checkpoint pickled by other code is not restored."""
    digest = hashlib.sha256()
    world = Path(__file__).resolve().parent
    for path in sorted([*world.glob("*.py"), *world.glob("counterparts/*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _world_key(emulator: Emulator) -> tuple:
    return (
        emulator.seed,
        emulator.start.isoformat(),
        emulator.horizon,
        emulator.scripted,
        _emulator_code(),
    )


class Decisions(Protocol):
    """Decisions carried out while the world runs (apps.world.decisions.DecisionPoller)."""

    def restore(self, world: Emulator) -> None: ...

    def poll(self, world: Emulator) -> None: ...


def stream(
    emulator: Emulator,
    sink,
    *,
    start: datetime,
    speed: float,
    resume: Resume | None = None,
    flush_every_s: float = 1.0,
    until: datetime | None = None,
    progress: Callable[[datetime], None] | None = None,
    decisions: Decisions | None = None,
    decisions_every_s: float = 10.0,
) -> bool:
    """Send the emulator's events to the sink, paced; False if interrupted (Ctrl-C, SIGTERM).

    Never ahead of the real clock, since the twin rightly refuses future events; with a
    speed, history is replayed that many times faster than real time until it catches up.
    With `resume`, the events it records as sent are skipped unpaced (drawn from its world's
    checkpoint on, when there is one), pacing starts at the first one not sent, and every
    flush records how many were sent.

    With `until`, it stops before the first event after that moment (a history up to now,
    as fast as possible); that event is not counted as sent, so a resumed run sends it
    first. `progress` is told each flushed event time.

    With `decisions`, the world gets back the decisions it carried out before it draws an
    event, and is polled for new ones every `decisions_every_s` of wall time (waiting
    included) once it is past the events sent before: a decision polled while it redraws
    those would change events the twin already holds.
    """
    paced = _Paced(
        emulator, sink, resume=resume, progress=progress, decisions=decisions,
        decisions_every_s=decisions_every_s, start=start,
    )  # fmt: skip
    try:
        for event in itertools.chain(paced.drawn, paced.emulator.events()):
            if not paced.send(event, speed=speed, until=until, flush_every_s=flush_every_s):
                return True
    except KeyboardInterrupt:
        return False
    paced.flush()
    return True


class _Paced:
    """One run of `stream`: what it has sent, when it last flushed, checkpointed and polled
    for decisions, and the pacing against the real clock."""

    def __init__(
        self,
        emulator: Emulator,
        sink,
        *,
        resume: Resume | None,
        progress: Callable[[datetime], None] | None,
        decisions: Decisions | None,
        decisions_every_s: float,
        start: datetime,
    ) -> None:
        self.sink, self.resume, self.progress = sink, resume, progress
        self.decisions, self.decisions_every_s = decisions, decisions_every_s
        self.skip = resume.sent if resume is not None else 0
        self.added, self.drawn = 0, []
        restored = resume.restore(emulator) if resume is not None else None
        if restored is not None:
            emulator, self.added, self.drawn = restored
        self.emulator = emulator
        if decisions is not None:
            decisions.restore(emulator)
        self.start = start
        self.wall_start = time.monotonic()
        self.last_flush = self.last_checkpoint = self.wall_start
        self.next_poll = self.wall_start
        self.occurred: datetime | None = None

    def send(self, event: dict, *, speed: float, until: datetime | None,
             flush_every_s: float) -> bool:  # fmt: skip
        """Send one event when its time comes; False once past `until` (nothing sent)."""
        if self.added < self.skip:
            self.added += 1
            return True
        self.occurred = occurred = datetime.fromisoformat(event["occurred_at"])
        if until is not None and occurred > until:
            self.flush()
            self.checkpoint(event)
            return False
        if self.added == self.skip and self.skip:
            self.start, self.wall_start = occurred, time.monotonic()
        wait = (occurred - datetime.now(UTC)).total_seconds()
        if speed > 0:
            due = (occurred - self.start).total_seconds()
            wait = max(wait, self.wall_start + due / speed - time.monotonic())
        if wait > 0:
            self.flush()
            if time.monotonic() - self.last_checkpoint >= CHECKPOINT_EVERY_S:
                self.checkpoint(event)
            try:
                self.pause(wait)
            except KeyboardInterrupt:
                # Stopped while waiting, the usual case once live: all is sent but this
                # event, so the world can be kept as it stands.
                self.checkpoint(event)
                raise
        self.poll_if_due()
        self.sink.add(event)
        self.added += 1
        if time.monotonic() - self.last_flush >= flush_every_s:
            self.flush()
            self.last_flush = time.monotonic()
        return True

    def flush(self) -> None:
        self.sink.flush()
        if self.resume is not None:
            self.resume.save(self.added)
        if self.progress is not None and self.occurred is not None:
            self.progress(self.occurred)

    def poll_if_due(self) -> None:
        if (
            self.decisions is not None
            and self.added >= self.skip
            and time.monotonic() >= self.next_poll
        ):
            self.decisions.poll(self.emulator)
            self.next_poll = time.monotonic() + self.decisions_every_s

    def pause(self, seconds: float) -> None:
        """Sleep, polling for decisions while waiting."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self.decisions is not None:
                left = min(left, max(self.next_poll - time.monotonic(), 0.0))
            time.sleep(left)
            self.poll_if_due()

    def checkpoint(self, event: dict) -> None:
        """After a flush only: the world then stands exactly `added` events on, and `event`."""
        if self.resume is not None:
            self.resume.checkpoint(self.emulator, sent=self.added, drawn=[event])
            self.last_checkpoint = time.monotonic()
