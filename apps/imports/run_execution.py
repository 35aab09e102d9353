"""Carrying out an import run (the Celery task's work, and the command's): master data
first when asked, then every event through events_ingest in batches, counts kept on the run."""

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from django.utils import timezone

from apps.imports.errors import ImportsError
from apps.imports.events import GeneratedEvents, events_generate
from apps.imports.failures import REJECTED, RowFailure
from apps.imports.history import History, history_read
from apps.imports.mapping import mapping_validate
from apps.imports.master_data import proposal_build
from apps.imports.master_data_write import master_data_apply
from apps.imports.models import ImportRun, RowFailureRecord
from apps.sources.selectors import master_data_codes
from apps.sources.services import Rejection, events_ingest

BATCH_SIZE = 1000  # events per call of events_ingest, as the API's batches


def rejection_failure(history: History, event: dict, rejection: Rejection) -> RowFailure:
    order_id = event["event_id"].split(":")[1] if event["event_id"].count(":") >= 2 else ""
    orders = history.tables["orders"]
    return RowFailure(orders.name, "orders", None, rejection.field, REJECTED,
                      f"{event['type']}: {rejection.reason}", order_id)  # fmt: skip


def import_run_execute(
    run_id: int, *, progress: Callable[[ImportRun], None] | None = None
) -> ImportRun:
    """Carry out a queued run: master data first when asked, then every event through
    events_ingest in batches (dedupe and dead letters as the API's). A run already finished
    is returned as it is, so a task delivered twice imports once."""
    run = ImportRun.objects.get(pk=run_id)
    if run.status in (ImportRun.Status.SUCCEEDED, ImportRun.Status.FAILED):
        return run
    # A run taken up again (its worker was lost) counts from zero: the log deduplicates
    # what the first attempt stored.
    run.status, run.started_at = ImportRun.Status.RUNNING, timezone.now()
    run.events_done = run.events_accepted = run.events_duplicate = run.events_rejected = 0
    run.save(update_fields=["status", "started_at", "events_done", "events_accepted",
                            "events_duplicate", "events_rejected"])  # fmt: skip
    try:
        return _execute(run, progress)
    except ImportsError as error:
        _run_failed(run, str(error))
        return run
    except Exception as error:
        # Not the input's fault (the database went away, a bug): the run says so, and the
        # error goes on to the worker's log and Celery's retry.
        _run_failed(run, f"{type(error).__name__}: {error}")
        raise


def _run_failed(run: ImportRun, error: str) -> None:
    run.status, run.error, run.finished_at = ImportRun.Status.FAILED, error, timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])


def _execute(run: ImportRun, progress: Callable[[ImportRun], None] | None) -> ImportRun:
    mapping = mapping_validate(run.mapping)
    history = history_read([Path(p) for p in run.files], mapping)
    if run.master_data:
        master_data_apply(proposal_build(history))
    generated = events_generate(history)
    run.rows_read, run.orders = history.orders_read, len(history.orders)
    run.events_total = len(generated.events)
    run.save(update_fields=["rows_read", "orders", "events_total"])
    failures = _ingest(run, history, generated, progress)
    RowFailureRecord.objects.bulk_create(
        (RowFailureRecord(run=run, file=f.file[:200], role=f.role, row=f.row,
                          field=f.field[:200], category=f.category, reason=f.reason,
                          order_id=f.order_id[:64]) for f in failures),
        batch_size=1000,
    )  # fmt: skip
    run.row_failures = len(failures)
    run.failures_by_category = dict(Counter(f.category for f in failures))
    run.status, run.finished_at = ImportRun.Status.SUCCEEDED, timezone.now()
    run.save(update_fields=["row_failures", "failures_by_category", "status", "finished_at"])
    if progress:
        progress(run)
    return run


def _ingest(
    run: ImportRun,
    history: History,
    generated: GeneratedEvents,
    progress: Callable[[ImportRun], None] | None,
) -> list[RowFailure]:
    """Send the events in batches; the run's counts advance after each."""
    failures = list(generated.failures)
    master = master_data_codes()
    events = generated.events
    for start in range(0, len(events), BATCH_SIZE):
        batch = events[start : start + BATCH_SIZE]
        result = events_ingest(items=batch, master=master)
        run.events_done = start + len(batch)
        run.events_accepted += result.accepted
        run.events_duplicate += result.duplicate
        run.events_rejected += result.rejected
        failures.extend(rejection_failure(history, batch[r.index], r) for r in result.rejections)
        run.save(update_fields=["events_done", "events_accepted", "events_duplicate",
                                "events_rejected"])  # fmt: skip
        if progress:
            progress(run)
    return failures
