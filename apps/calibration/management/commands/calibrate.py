"""manage.py calibrate: fit the sub-models on a window of the event log, as new versions."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from apps.calibration.models import SubModel
from apps.calibration.services import CalibrationError, calibrate, calibration_window


def _time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not an ISO time") from None
    if moment.tzinfo is None:
        raise CommandError(f"{text!r} needs a timezone offset, e.g. +00:00")
    return moment


class Command(BaseCommand):
    help = (
        "Calibrate the sub-models (or one, with --model) on a window of the event log "
        "(default: the last 28 days of event time up to the newest event) and store each "
        "fit as a new version."
    )

    def add_arguments(self, parser):
        parser.add_argument("--model", choices=SubModel.values, action="append")
        parser.add_argument("--days", type=float, help="window length in days (default 28)")
        parser.add_argument("--end", help="ISO time the window ends (default: newest event)")
        parser.add_argument("--start", help="ISO time the window starts (overrides --days)")

    def handle(self, *args, **options):
        if options["days"] is not None and options["days"] <= 0:
            raise CommandError("--days must be positive")
        try:
            window = calibration_window(
                end=_time(options["end"]) if options["end"] else None,
                start=_time(options["start"]) if options["start"] else None,
                hours=options["days"] * 24 if options["days"] else None,
            )
            outcomes = calibrate(sub_models=options["model"], window=window, reason="manual")
        except CalibrationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Window {window} ({window.hours / 24:.1f} days)")
        for outcome in outcomes:
            self.stdout.write(outcome.describe())
