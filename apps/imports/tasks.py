"""Celery task of the imports app: one import run, by id."""

from celery import shared_task

from apps.imports.run_execution import import_run_execute


# acks_late: a worker lost mid-import leaves the task queued; a second delivery finds the run
# finished, or re-sends events the log deduplicates.
@shared_task(acks_late=True)
def import_run_task(run_id: int) -> str:
    return import_run_execute(run_id).status
