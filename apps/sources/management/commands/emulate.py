"""manage.py emulate: the demo enterprise's event stream, to a file, the API or the database."""

import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.sources.emulator import Emulator
from apps.sources.emulator_output import (
    EmulatorOutputError,
    FileSink,
    IngestSink,
    Resume,
    stream,
)
from apps.sources.models import SOURCES
from apps.sources.tokens import source_token_create


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
        parser.add_argument(
            "--resume",
            type=Path,
            metavar="FILE",
            help="keep the world in FILE: a restart goes on with the same events where the "
            "last run stopped, instead of a new world whose events clash with the old",
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
        resume = None
        if options["resume"] and not options["to_file"]:
            try:
                resume = Resume.load_or_create(options["resume"], start=start, seed=options["seed"])
            except EmulatorOutputError as error:
                raise CommandError(str(error)) from None
            start = resume.start
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
                    if source not in tokens:
                        tokens[source] = source_token_create(source=source, label="emulator")
            sink = IngestSink(api_url=options["to_api"], tokens=tokens)
        # supervisord and service managers stop processes with SIGTERM: flush what is buffered.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            finished = stream(emulator, sink, start=start, speed=speed, resume=resume)
        except EmulatorOutputError as error:
            raise CommandError(str(error)) from None
        summary = sink.close()
        if not finished:
            self.stdout.write(f"Emulator stopped; sent this run: {summary}")
            return
        if options["truth"]:
            options["truth"].write_text(emulator.truth.to_json())
        utilisation = ", ".join(
            f"{dc} {u:.1%}" for dc, u in sorted(emulator.truth.labour_utilisation.items())
        )
        self.stdout.write(f"Emulated {days:g} days from {start.isoformat()}: {summary}")
        self.stdout.write(f"True labour utilisation: {utilisation}")
