"""manage.py first_start: the demo enterprise's history, projected and calibrated, before
the twin goes live (run by `make run`)."""

import signal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.calibration.first_start import Interrupted, first_start, terminal_progress


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Load DAYS of the demo enterprise's history up to now through ingestion, project it "
        "and calibrate every sub-model on it, the first time; after that, catch the demo "
        "world up to now. The emulator's --resume FILE must be the one the live emulator uses."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=float, default=28.0, help="history (default 28)")
        parser.add_argument(
            "--world-days", type=float, default=365.0,
            help="the demo world's length, as the live emulator's --days (default 365)",
        )  # fmt: skip
        parser.add_argument("--resume", type=Path, required=True, metavar="FILE")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--behind-days", type=float, default=0.0,
            help="end the history this many days before now: the live emulator replays them "
            "at its --speed, so that days pass quickly in the demo (default 0)",
        )  # fmt: skip

    def handle(self, *args, days: float, world_days: float, resume: Path, seed: int, **options):
        behind_days = options["behind_days"]
        if days <= 0 or world_days < days + behind_days:
            raise CommandError(
                "--days must be positive and --world-days at least --days plus --behind-days"
            )
        if behind_days < 0:
            raise CommandError("--behind-days must not be negative")
        signal.signal(signal.SIGTERM, _interrupt)
        progress = terminal_progress(self.stdout)

        try:
            outcome = first_start(
                days=days, world_days=world_days, resume_path=resume, seed=seed,
                behind_days=behind_days, progress=progress,
            )  # fmt: skip
        except (Interrupted, KeyboardInterrupt) as error:
            self.stdout.write("")  # ends a bar drawn in place
            raise CommandError(f"first start interrupted: {error}") from None
        if outcome.load is None:
            self.stdout.write(f"No demo history loaded: {outcome.skipped}.")
            return
        load = outcome.load
        if outcome.skipped:
            self.stdout.write(f"History of {load.days:g} days loaded earlier; {outcome.skipped}.")
            return
        if outcome.loaded_now:
            self.stdout.write(
                f"History loaded: {load.days:g} days, {load.events_accepted:,} events, "
                f"projected and calibrated in {load.seconds:.0f} s."
            )
            for result in outcome.outcomes:
                self.stdout.write("  " + result.describe().splitlines()[0])
        else:
            self.stdout.write(
                f"History of {load.days:g} days loaded earlier; caught up "
                f"{outcome.events_accepted:,} events in {outcome.seconds:.1f} s."
            )
