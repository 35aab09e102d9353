"""manage.py replay_history: the rest of a real history after the first start's past, sent
through ingestion paced in event time (the Procfile's `replay` under `make run` with
TWIN_DATA)."""

import signal
import time
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.imports.history_start import history_events
from apps.imports.replay import IngestTotals, ReplayError, ReplayState, replay

# How often (wall seconds) the replay says how far it got.
REPORT_EVERY_S = 10.0


class Command(BaseCommand):
    help = (
        "Replay a history from where the first start's past ends (the --resume file says "
        "which files, mapping and time), --speed seconds of history per wall second, saving "
        "how far it got; once at the end, it waits to be stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--resume", type=Path, required=True, metavar="FILE")
        parser.add_argument(
            "--speed", type=float, default=86400 / 5,
            help="seconds of history per wall second (default 17280: a day in 5 s)",
        )  # fmt: skip
        parser.add_argument(
            "--exit-at-end", action="store_true", help="exit once the history is replayed"
        )

    def handle(self, *args, resume: Path, speed: float, exit_at_end: bool, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
        try:
            state = ReplayState.load(resume)
            if not state.finished:
                events = history_events(
                    mapping=Path(state.mapping), files=[Path(name) for name in state.files]
                )
                self.stdout.write(
                    f"Replaying from {state.resumes_at:%Y-%m-%d %H:%M} at {speed:g} s of history "
                    f"per second ({86400 / speed:.1f} s a day)."
                )
                result = replay(
                    events, state=state, speed=speed, save=lambda s: s.save(resume),
                    stop=lambda: bool(stopping), progress=self._reporter(),
                )  # fmt: skip
                self.stdout.write(self._summary(result.replayed_to, result.totals))
                if not result.finished:
                    return
                state = ReplayState.load(resume)
        except ReplayError as error:
            raise CommandError(str(error)) from None
        end = f" to {state.replayed_to:%Y-%m-%d %H:%M}" if state.replayed_to else ""
        self.stdout.write(f"The history is replayed{end}; nothing more to send.")
        # Under a process manager an exit reads as a crash to restart: wait to be stopped.
        while not exit_at_end and not stopping:
            time.sleep(1.0)

    def _reporter(self):
        last = [time.monotonic()]

        def report(moment: datetime, totals: IngestTotals) -> None:
            if time.monotonic() - last[0] >= REPORT_EVERY_S:
                last[0] = time.monotonic()
                self.stdout.write(self._summary(moment, totals))

        return report

    @staticmethod
    def _summary(moment: datetime | None, totals: IngestTotals) -> str:
        at = f"{moment:%Y-%m-%d %H:%M}" if moment else "the start"
        return (
            f"replay at {at}: {totals.accepted:,} events accepted, {totals.duplicate:,} "
            f"known, {totals.rejected:,} rejected"
        )
