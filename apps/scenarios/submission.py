"""Submitting a comparison: its inputs frozen, then its replications handed to the workers
once the transaction commits (services never import the tasks that call them)."""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from apps.scenarios.models import Comparison
from apps.scenarios.run_selectors import NetworkNow
from apps.scenarios.services import comparison_start
from apps.scenarios.tasks import dispatch

log = logging.getLogger(__name__)


def comparison_submit(
    comparison: Comparison, *, queue: str | None = None, now: NetworkNow | None = None
) -> None:
    """Freeze the inputs (`now`, the network read afresh unless given) and fan the
    replications out to the workers."""
    comparison_start(comparison, now=now)

    def hand_out() -> None:
        try:
            dispatch(comparison.pk, queue=queue)
        except (KombuOperationalError, RedisError, OSError) as error:
            # The run is committed as running; beat's stalled-run check hands it out again
            # once the broker is back, so the planner's submit still succeeds.
            log.warning(
                "comparison %s submitted while the task queue is unavailable (%s): "
                "it starts when Redis is back",
                comparison.pk,
                error,
            )

    transaction.on_commit(hand_out)
