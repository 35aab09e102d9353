"""Where the emulator's events go (a file, the API, the database), and at what pace."""

import json
import time
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


def stream(emulator: Emulator, sink, *, start: datetime, speed: float) -> bool:
    """Send the emulator's events to the sink, paced; False if interrupted (Ctrl-C, SIGTERM).

    Never ahead of the real clock, since the twin rightly refuses future events; with a
    speed, history is replayed that many times faster than real time until it catches up.
    """
    wall_start = time.monotonic()
    last_flush = wall_start
    try:
        for event in emulator.events():
            occurred = datetime.fromisoformat(event["occurred_at"])
            wait = (occurred - datetime.now(UTC)).total_seconds()
            if speed > 0:
                due = (occurred - start).total_seconds()
                wait = max(wait, wall_start + due / speed - time.monotonic())
            if wait > 0:
                sink.flush()
                time.sleep(wait)
            sink.add(event)
            if speed > 0 and time.monotonic() - last_flush > 1.0:
                sink.flush()
                last_flush = time.monotonic()
    except KeyboardInterrupt:
        return False
    return True
