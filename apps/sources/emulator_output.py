"""Where the emulator's events go (a file, the API, the database), and at what pace."""

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from apps.sources.emulator import Emulator
from apps.sources.models import SOURCES
from apps.sources.selectors import master_data_codes
from apps.sources.services import events_ingest


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


class IngestSink:
    """Batches per source: through the API with each source's token, or straight to the DB."""

    def __init__(self, *, api_url: str | None, tokens: dict[str, str]) -> None:
        self.api_url = api_url.rstrip("/") if api_url else None
        self.tokens = tokens
        self.client = httpx.Client(timeout=60) if api_url else None
        self.master = None if api_url else master_data_codes()
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
        if self.client is None:
            result = events_ingest(items=batch, master=self.master)
            counts = {
                "accepted": result.accepted,
                "duplicate": result.duplicate,
                "rejected": result.rejected,
            }
        else:
            response = self.client.post(
                f"{self.api_url}/api/v1/events",
                content=json.dumps(batch),
                headers={
                    "Authorization": f"Bearer {self.tokens[source]}",
                    "Content-Type": "application/json",
                },
            )
            if response.status_code != 200:
                raise EmulatorOutputError(
                    f"{source} batch refused: {response.status_code} {response.text}"
                )
            counts = response.json()
        for key in self.totals:
            self.totals[key] += counts[key]

    def close(self) -> str:
        self.flush()
        if self.client is not None:
            self.client.close()
        t = self.totals
        return f"{t['accepted']} accepted, {t['duplicate']} duplicate, {t['rejected']} rejected"


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
        return resume

    def save(self, sent: int) -> None:
        # Written beside and renamed over: a kill mid-write leaves the old file whole.
        text = json.dumps({"seed": self.seed, "start": self.start.isoformat(), "sent": sent})
        partial = self.path.with_suffix(".partial")
        partial.write_text(text)
        partial.replace(self.path)


def stream(
    emulator: Emulator,
    sink,
    *,
    start: datetime,
    speed: float,
    resume: Resume | None = None,
    flush_every_s: float = 1.0,
) -> bool:
    """Send the emulator's events to the sink, paced; False if interrupted (Ctrl-C, SIGTERM).

    Never ahead of the real clock, since the twin rightly refuses future events; with a
    speed, history is replayed that many times faster than real time until it catches up.
    With `resume`, the events it records as sent are skipped unpaced, pacing starts at the
    first one not sent, and every flush records how many were sent.
    """
    skip = resume.sent if resume is not None else 0
    wall_start = time.monotonic()
    last_flush = wall_start
    added = 0

    def flush() -> None:
        sink.flush()
        if resume is not None:
            resume.save(added)

    try:
        for event in emulator.events():
            if added < skip:
                added += 1
                continue
            occurred = datetime.fromisoformat(event["occurred_at"])
            if added == skip and skip:
                start, wall_start = occurred, time.monotonic()
            wait = (occurred - datetime.now(UTC)).total_seconds()
            if speed > 0:
                due = (occurred - start).total_seconds()
                wait = max(wait, wall_start + due / speed - time.monotonic())
            if wait > 0:
                flush()
                time.sleep(wait)
            sink.add(event)
            added += 1
            if time.monotonic() - last_flush >= flush_every_s:
                flush()
                last_flush = time.monotonic()
    except KeyboardInterrupt:
        return False
    return True
