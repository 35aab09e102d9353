"""manage.py import_events PATH: an NDJSON or CSV file through the API's validation path."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.sources.importers import ImportFileError, read_batches
from apps.sources.selectors import master_data_codes
from apps.sources.services import events_ingest

SHOWN_REJECTIONS = 20


class Command(BaseCommand):
    help = (
        "Import events from NDJSON or CSV (columns event_id, source, type, occurred_at, "
        "payload as JSON): validated, deduplicated and dead-lettered like the API's."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, path: Path, batch_size: int, no_progress: bool, **options):
        total_bytes = path.stat().st_size if path.is_file() else 0
        show_progress = not no_progress and sys.stderr.isatty()
        master = master_data_codes()
        totals = {"accepted": 0, "duplicate": 0, "rejected": 0}
        shown = 0
        try:
            for items, line_numbers, done_bytes in read_batches(path, batch_size=batch_size):
                result = events_ingest(items=items, master=master)
                totals["accepted"] += result.accepted
                totals["duplicate"] += result.duplicate
                totals["rejected"] += result.rejected
                for rejection in result.rejections[: max(0, SHOWN_REJECTIONS - shown)]:
                    where = f"line {line_numbers[rejection.index]}"
                    field = f"{rejection.field}: " if rejection.field else ""
                    self.stderr.write(f"  rejected {where}: {field}{rejection.reason}")
                    shown += 1
                if show_progress:
                    self._progress(done_bytes, total_bytes, totals)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        if show_progress:
            self.stderr.write("")
        hidden = totals["rejected"] - shown
        if hidden > 0:
            self.stderr.write(f"  … and {hidden} more rejection(s): see the dead letters")
        self.stdout.write(
            f"Imported {path}: {totals['accepted']} accepted, {totals['duplicate']} duplicate, "
            f"{totals['rejected']} rejected"
        )

    def _progress(self, done: int, total: int, totals: dict) -> None:
        share = done / total if total else 1.0
        bar = "#" * int(share * 30)
        self.stderr.write(
            f"\r[{bar:<30}] {share:6.1%}  {totals['accepted']} accepted, "
            f"{totals['duplicate']} duplicate, {totals['rejected']} rejected",
            ending="",
        )
        self.stderr.flush()
