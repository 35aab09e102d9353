"""manage.py import_history --mapping FILE PATHS…: an ERP export through a saved mapping."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.imports.errors import ImportsError
from apps.imports.failures import CATEGORIES
from apps.imports.mapping import mapping_validate
from apps.imports.models import ImportRun
from apps.imports.selectors import saved_mapping_read
from apps.imports.services import import_preview, import_run

SHOWN_FAILURES = 10


class Command(BaseCommand):
    help = (
        "Import an order history (CSV/XLSX exports) through a mapping file: events through "
        "the API's validation path (deduplicated, dead-lettered), failures by reason."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--mapping", type=Path, help="Mapping JSON file")
        source.add_argument(
            "--saved-mapping", metavar="NAME", help="A mapping saved in the twin (Import pages)"
        )
        parser.add_argument("paths", nargs="+", type=Path, help="The exported files")
        parser.add_argument(
            "--master-data", action="store_true",
            help="Derive origins, regions, SKUs, customers, carrier and lanes from the files "
            "and write them first (by code: a re-run updates, never duplicates)",
        )  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, mapping: Path | None, saved_mapping: str | None, paths: list[Path],
               master_data: bool, dry_run: bool, no_progress: bool, **options):  # fmt: skip
        try:
            if saved_mapping is not None:
                document = saved_mapping_read(name=saved_mapping)
            else:
                document = mapping_validate(mapping.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"{mapping}: {error.strerror}") from None
        except ImportsError as error:
            raise CommandError(f"{mapping or saved_mapping}: {error}") from None
        show_progress = not no_progress and sys.stderr.isatty()
        try:
            if dry_run:
                self._dry_run(document, paths, master_data)
                return
            run = import_run(files=paths, mapping=document, master_data=master_data,
                             progress=self._progress if show_progress else None)  # fmt: skip
        except ImportsError as error:
            raise CommandError(str(error)) from None
        if show_progress:
            self.stderr.write("")
        if run.status == ImportRun.Status.FAILED:
            raise CommandError(f"import {run.pk} failed: {run.error}")
        self.stdout.write(
            f"Import {run.pk} ({run.mapping_name}): {run.rows_read} order rows, {run.orders} "
            f"orders imported; events {run.events_accepted} accepted, {run.events_duplicate} "
            f"duplicate, {run.events_rejected} rejected"
            + (" (master data applied first)" if run.master_data else "")
        )
        self._failures(run.row_failures, run.failures_by_category)
        for failure in run.failures.all()[:SHOWN_FAILURES]:
            where = f"{failure.file} row {failure.row}" if failure.row else failure.file
            self.stdout.write(f"    {where}, {failure.field}: {failure.reason}")

    def _dry_run(self, mapping, paths: list[Path], master_data: bool) -> None:
        preview = import_preview(files=paths, mapping=mapping, limit=SHOWN_FAILURES,
                                 master_data=master_data)  # fmt: skip
        roles = ", ".join(f"{name} as {role}" for name, role in preview.files.items())
        self.stdout.write(f"Dry run, nothing written. Files: {roles}")
        if preview.unused_files:
            self.stdout.write(f"  not used: {', '.join(preview.unused_files)}")
        events = ", ".join(f"{n} {t}" for t, n in sorted(preview.events_by_type.items()))
        self.stdout.write(
            f"{preview.rows_read} order rows, {preview.orders} orders; events: {events}; "
            f"{preview.would_be_rejected} would be rejected, {preview.already_stored} already "
            "stored"
        )
        self._failures(preview.failures_total, preview.failures_by_category)
        for failure in preview.failures[:SHOWN_FAILURES]:
            self.stdout.write(f"    {failure}")

    def _failures(self, total: int, by_category: dict[str, int]) -> None:
        self.stdout.write(f"Row failures: {total}")
        for category, count in sorted(by_category.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {count:6d} {category}: {CATEGORIES.get(category, category)}")

    def _progress(self, run: ImportRun) -> None:
        bar = "#" * int(run.progress * 30)
        self.stderr.write(
            f"\r[{bar:<30}] {run.progress:6.1%}  {run.events_accepted} accepted, "
            f"{run.events_duplicate} duplicate, {run.events_rejected} rejected",
            ending="",
        )
        self.stderr.flush()
