"""manage.py emulate: the demo enterprise's event stream, to a file or the twin's API."""

import json
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.world.changes import changes_parse
from apps.world.decisions import DecisionFeed, DecisionFeedError, DecisionLog, DecisionPoller
from apps.world.enterprise import Emulator
from apps.world.network import SOURCES, demo_network
from apps.world.output import ApiSink, EmulatorOutputError, FileSink, Resume, stream


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Emulate the demo enterprise: realistic, consistent ERP/WMS/TMS/CRM/IoT events over "
        "the demo network, to a file (--to-file) or the twin's API (--to-api with a token "
        "per source, from --tokens-file or --token)."
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
            help="a source's API token (repeat per source)",
        )
        parser.add_argument(
            "--tokens-file",
            type=Path,
            metavar="FILE",
            help="a JSON object of a token per source, as `source_token provision` writes",
        )
        parser.add_argument(
            "--resume",
            type=Path,
            metavar="FILE",
            help="keep the world in FILE: a restart goes on with the same events where the "
            "last run stopped, instead of a new world whose events clash with the old",
        )
        parser.add_argument(
            "--decisions-every",
            type=float,
            default=10.0,
            metavar="SECONDS",
            help="with --to-api, read the twin's decision feed this often (wall time) and carry "
            "out each executed decision from the world's next midnight",
        )
        parser.add_argument(
            "--no-decisions",
            action="store_true",
            help="with --to-api, do not read the decision feed: the world carries out nothing",
        )
        parser.add_argument("--truth", type=Path, help="write the true parameters as JSON")
        parser.add_argument(
            "--change",
            action="append",
            default=[],
            help="a change of the world from a day on: the world's own rates (\"day=10 dc=NE "
            'pick_rate=-20%%") or an intervention\'s counterpart ("day=3 kind=ShiftVolume '
            'from_dc=NE to_dc=SE share=30%%"); repeatable',
        )

    def handle(self, *args, **options):
        days, speed = options["days"], options["speed"]
        self._check(options)
        start = self._start(options)
        resume = None
        if options["resume"] and not options["to_file"]:
            try:
                resume = Resume.load_or_create(options["resume"], start=start, seed=options["seed"])
            except EmulatorOutputError as error:
                raise CommandError(str(error)) from None
            start = resume.start
        changes = changes_parse(options["change"], demo_network(), error=CommandError)
        too_late = [c for c in changes if c.day >= days]
        if too_late:
            raise CommandError(
                f"--change from day {too_late[0].day:g} is not inside the {days:g} days emulated"
            )
        emulator = Emulator(start=start, days=days, seed=options["seed"], changes=changes)
        sink = self._sink(options)
        decisions = self._decisions(options, sink, resume)
        # supervisord and service managers stop processes with SIGTERM: flush what is buffered.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            finished = stream(
                emulator, sink, start=start, speed=speed, resume=resume,
                decisions=decisions, decisions_every_s=options["decisions_every"],
            )  # fmt: skip
        except (EmulatorOutputError, DecisionFeedError) as error:
            raise CommandError(str(error)) from None
        summary = sink.close()
        if decisions is not None:
            self.stdout.write(decisions.log.summary().capitalize())
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

    @staticmethod
    def _check(options) -> None:
        if options["days"] <= 0 or options["speed"] < 0:
            raise CommandError("--days must be positive and --speed not negative")
        if bool(options["to_file"]) == bool(options["to_api"]):
            raise CommandError("say where the events go: --to-file FILE or --to-api URL")
        if options["decisions_every"] <= 0:
            raise CommandError("--decisions-every must be a positive number of seconds")

    @staticmethod
    def _start(options) -> datetime:
        """The world's first moment: --start, or a history that ends now (as fast as
        possible), or a day of history replayed quickly before going live (paced)."""
        days, speed = options["days"], options["speed"]
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
        return start

    def _sink(self, options) -> FileSink | ApiSink:
        if options["to_file"]:
            return FileSink(options["to_file"])
        try:
            return ApiSink(api_url=options["to_api"], tokens=self._tokens(options))
        except EmulatorOutputError as error:
            raise CommandError(str(error)) from None

    def _decisions(self, options, sink, resume: Resume | None) -> DecisionPoller | None:
        """The twin's decision feed, read as the ERP reads it; none for a file."""
        if not options["to_api"] or options["no_decisions"]:
            return None
        try:
            log = DecisionLog(resume.decisions_path if resume is not None else None)
        except DecisionFeedError as error:
            raise CommandError(str(error)) from None
        feed = DecisionFeed(api_url=options["to_api"], token=sink.tokens["erp"])
        return DecisionPoller(feed, log)

    def _tokens(self, options) -> dict[str, str]:
        tokens = {}
        if options["tokens_file"]:
            try:
                tokens = json.loads(options["tokens_file"].read_text())
            except (OSError, ValueError) as error:
                raise CommandError(f"--tokens-file: {error}") from None
            if not isinstance(tokens, dict):
                raise CommandError("--tokens-file: expected a JSON object of source: token")
        for pair in options["token"]:
            source, _, token = pair.partition("=")
            if source not in SOURCES or not token:
                raise CommandError(f"--token {pair!r}: expected SOURCE=TOKEN, SOURCE one of "
                                   f"{', '.join(SOURCES)}")  # fmt: skip
            tokens[source] = token
        return tokens
