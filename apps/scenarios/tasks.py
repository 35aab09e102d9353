"""Celery tasks: one per scenario × replication (ids only), and a chord that aggregates."""

import logging
import os

from celery import chord, shared_task
from django.conf import settings

from apps.scenarios.backtest import backtest_execute, backtests_stalled
from apps.scenarios.models import Comparison
from apps.scenarios.run_selectors import comparisons_stalled, replications_missing
from apps.scenarios.services import comparison_finish, replication_execute

log = logging.getLogger(__name__)


# acks_late with reject_on_worker_lost: a worker killed mid-replication leaves the message
# on the queue for another worker; the result row's unique key makes a second run a no-op.
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    max_retries=3,
    retry_backoff=2,
)
def run_replication_task(self, scenario_id: int, replication: int) -> bool:
    worker = f"{self.request.hostname} pid {os.getpid()}"
    return replication_execute(scenario_id, replication, worker=worker)


@shared_task(acks_late=True)
def finish_comparison_task(_results=None, comparison_id: int = 0, queue: str | None = None) -> str:
    status = comparison_finish(comparison_id).status
    backtest_hand_out(comparison_id, status, queue=queue)
    return status


@shared_task(acks_late=True)
def comparison_failed_task(*_args, comparison_id: int = 0, queue: str | None = None) -> str:
    """The chord's error path: a replication failed for good after its retries. Every
    other replication has finished by then; the run closes as failed, saying how many
    are missing."""
    status = comparison_finish(comparison_id).status
    backtest_hand_out(comparison_id, status, queue=queue)
    return status


def backtest_hand_out(comparison_id: int, status: str, *, queue: str | None) -> None:
    """The back-test of a run that ended with results: once the ranking is in, so the ranked
    answer never waits for it (on one worker it would otherwise take its turn among the
    replications). A cancelled run is not back-tested."""
    if status in (Comparison.Status.DONE, Comparison.Status.FAILED):
        run_backtest_task.si(comparison_id).apply_async(**({"queue": queue} if queue else {}))


# Idempotent like a replication: a back-test with an outcome is not run again.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_backtest_task(comparison_id: int) -> str:
    return backtest_execute(comparison_id).status


@shared_task
def resume_stalled_comparisons_task(queue: str | None = None) -> list[int]:
    stalled = comparisons_stalled(after_s=settings.TWIN_SCENARIO_STALL_SECONDS)
    for comparison in stalled:
        log.warning(
            "comparison %s stalled: handing its missing replications out again", comparison.pk
        )
        dispatch(comparison.pk, queue=queue)
    options = {"queue": queue} if queue else {}
    for comparison_id in backtests_stalled(after_s=settings.TWIN_SCENARIO_STALL_SECONDS):
        log.warning("back-test of comparison %s stalled: handing it out again", comparison_id)
        run_backtest_task.si(comparison_id).apply_async(**options)
    return [c.pk for c in stalled]


def dispatch(comparison_id: int, *, queue: str | None = None) -> None:
    """Hand every replication still missing to the workers, under a chord that closes the
    run. Handing out twice is harmless: a replication that has a result is not run again."""
    comparison = Comparison.objects.get(pk=comparison_id)
    options = {"queue": queue} if queue else {}
    missing = replications_missing(comparison)
    callback = finish_comparison_task.s(comparison_id=comparison_id, queue=queue).set(**options)
    if not missing:
        callback.delay()
        return
    header = [
        run_replication_task.si(pk, replication).set(**options) for pk, replication in missing
    ]
    failed = comparison_failed_task.si(comparison_id=comparison_id, queue=queue).set(**options)
    chord(header)(callback.on_error(failed))
