"""manage.py emulate: the demo enterprise's event stream, to a file, the API or the database."""

import json
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from django.core.management.base import BaseCommand, CommandError

from apps.sources.emulator import Emulator
from apps.sources.models import SOURCES
from apps.sources.selectors import master_data_codes
from apps.sources.services import events_ingest, source_token_create

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
                raise CommandError(
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


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Emulate the demo enterprise: realistic, consistent ERP/WMS/TMS/CRM/IoT events over "
        "the demo network, to a file (--to-file), the API (--to-api) or the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=float, default=14.0)
        parser.add_argument("--start", help="ISO time of the first event (default: see --speed)")
        parser.add_argument(
            "--speed",
            type=float,
            default=0.0,
            help="replay at this many times real time (60: a minute per second), never running "
            "ahead of the real clock: once caught up it goes on live; 0: as fast as possible",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--to-file", type=Path)
        parser.add_argument("--to-api", metavar="URL")
        parser.add_argument(
            "--token",
            action="append",
            default=[],
            metavar="SOURCE=TOKEN",
            help="a source's API token (repeat per source); missing ones are created",
        )
        parser.add_argument("--truth", type=Path, help="write the true parameters as JSON")
        parser.add_argument(
            "--change",
            action="append",
            default=[],
            help='a change of the truth, e.g. "day=10 dc=NE pick_rate=-20%%"',
        )

    def handle(self, *args, **options):
        days, speed = options["days"], options["speed"]
        if days <= 0 or speed < 0:
            raise CommandError("--days must be positive and --speed not negative")
        if options["start"]:
            try:
                start = datetime.fromisoformat(options["start"])
            except ValueError:
                raise CommandError(f"--start {options['start']!r} is not an ISO time") from None
            if start.tzinfo is None:
                raise CommandError("--start needs a timezone offset, e.g. +00:00")
        else:
            now = datetime.now(UTC).replace(second=0, microsecond=0)
            # As fast as possible: a history that ends now. Paced: a day of history replayed
            # quickly, then live.
            start = now - timedelta(days=days) if speed == 0 else now - timedelta(days=1)
        try:
            emulator = Emulator(
                start=start, days=days, seed=options["seed"], changes=options["change"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["to_file"]:
            sink = FileSink(options["to_file"])
        else:
            tokens = dict(t.split("=", 1) for t in options["token"] if "=" in t)
            if options["to_api"]:
                for source in SOURCES:
                    tokens.setdefault(source, source_token_create(source=source, label="emulator"))
            sink = IngestSink(api_url=options["to_api"], tokens=tokens)
        # honcho and service managers stop processes with SIGTERM: flush what is buffered.
        signal.signal(signal.SIGTERM, _interrupt)
        wall_start = time.monotonic()
        last_flush = wall_start
        try:
            for event in emulator.events():
                occurred = datetime.fromisoformat(event["occurred_at"])
                # Never ahead of the real clock: the twin would rightly refuse future events.
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
            self.stderr.write("stopped")
        summary = sink.close()
        if options["truth"]:
            options["truth"].write_text(emulator.truth.to_json())
        utilisation = ", ".join(
            f"{dc} {u:.1%}" for dc, u in sorted(emulator.truth.labour_utilisation.items())
        )
        self.stdout.write(f"Emulated {days:g} days from {start.isoformat()}: {summary}")
        self.stdout.write(f"True labour utilisation: {utilisation}")
