"""manage.py history_first_start: a real history's master data and past, projected and
calibrated, before the twin goes live on its replay (run by `make run` with TWIN_DATA)."""

import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.services import demo_users_lines
from apps.calibration.first_start import terminal_progress
from apps.imports.history_start import (
    history_events,
    history_first_start,
    master_data_from_history,
)
from apps.imports.replay import ReplayError, ReplayState


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "The first start on a real history: master data derived from it, the events before "
        "the cutoff (the first --past of its orders) imported, projected and calibrated, and "
        "the --resume file the replay goes on from. A later start finds the file and leaves "
        "the log to the replay."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mapping", type=Path, required=True, help="Mapping JSON file")
        parser.add_argument("paths", nargs="+", type=Path, help="The history's files")
        parser.add_argument(
            "--past", type=float, default=0.7,
            help="share of the orders, by purchase time, that is the twin's past (default 0.7)",
        )  # fmt: skip
        parser.add_argument("--resume", type=Path, required=True, metavar="FILE")
        parser.add_argument("--no-users", action="store_true", help="never create demo users")

    def handle(self, *args, mapping: Path, paths: list[Path], past: float, resume: Path,
               no_users: bool, **options):  # fmt: skip
        signal.signal(signal.SIGTERM, _interrupt)
        if settings.DEBUG and not no_users:
            self.stdout.write("\n".join(demo_users_lines()))
        progress = terminal_progress(self.stdout)

        try:
            if resume.exists():
                state = ReplayState.load(resume)
                self.stdout.write(
                    f"History's past imported earlier (up to {state.cutoff:%Y-%m-%d %H:%M}); "
                    f"the replay goes on from {state.resumes_at:%Y-%m-%d %H:%M}."
                )
                return
            written = master_data_from_history(mapping=mapping, files=paths)
            self.stdout.write(f"Master data from the history: {written}.")
            events = history_events(mapping=mapping, files=paths)
            outcome = history_first_start(
                events, mapping=mapping, files=paths, past_fraction=past, resume_path=resume,
                progress=progress,
            )  # fmt: skip
        except ReplayError as error:
            raise CommandError(str(error)) from None
        except KeyboardInterrupt:
            self.stdout.write("")  # ends a bar drawn in place
            raise CommandError("first start interrupted: the next start does it again") from None
        state = outcome.state
        totals = outcome.totals
        self.stdout.write(
            f"History's past: {outcome.past_events:,} events up to {state.cutoff:%Y-%m-%d %H:%M} "
            f"({totals.accepted:,} accepted, {totals.duplicate:,} known, {totals.rejected:,} "
            f"rejected), projected and calibrated in {outcome.seconds:.0f} s."
        )
        for reason, count in sorted(totals.reasons.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  rejected {count:,}: {reason}")
        for result in outcome.outcomes:
            self.stdout.write("  " + result.describe().splitlines()[0])
