"""Celery tasks: one per scenario × replication (ids only), and a chord that aggregates."""

from celery import chord, shared_task

from apps.scenarios.models import Comparison
from apps.scenarios.services import comparison_finish, replication_execute


# acks_late with reject_on_worker_lost: a worker killed mid-replication leaves the message
# on the queue for another worker; the result row's unique key makes a second run a no-op.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    max_retries=3,
    retry_backoff=2,
)
def run_replication_task(scenario_id: int, replication: int) -> bool:
    return replication_execute(scenario_id, replication)


@shared_task(acks_late=True)
def finish_comparison_task(_results=None, comparison_id: int = 0) -> str:
    return comparison_finish(comparison_id).status


@shared_task(acks_late=True)
def comparison_failed_task(*_args, comparison_id: int = 0) -> str:
    """The chord's error path: a replication failed for good after its retries. Every
    other replication has finished by then; the run closes as failed, saying how many
    are missing."""
    return comparison_finish(comparison_id).status


def dispatch(comparison_id: int, *, queue: str | None = None) -> None:
    comparison = Comparison.objects.get(pk=comparison_id)
    options = {"queue": queue} if queue else {}
    header = [
        run_replication_task.si(scenario.pk, replication).set(**options)
        for scenario in comparison.scenarios.all()
        for replication in range(comparison.replications)
    ]
    callback = finish_comparison_task.s(comparison_id=comparison_id).set(**options)
    failed = comparison_failed_task.si(comparison_id=comparison_id).set(**options)
    chord(header)(callback.on_error(failed))
