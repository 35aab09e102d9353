"""The debounced request for a fresh delivery-promise report: the page asks, a Celery task
computes it (promise_refresh)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from apps.calibration.models import PromiseReportState
from apps.calibration.promise_selectors import (
    promise_log_state,
)
from apps.calibration.tasks import promise_report_refresh_task

logger = logging.getLogger(__name__)
# At most one refresh per this many wall-clock seconds: during a live replay orders arrive
# many times a second and a refresh takes seconds, so the page shows the last result "as of"
# its event time and one queued refresh takes in every event that arrived meanwhile.
REFRESH_MIN_SECONDS = 60
# A refresh queued this long ago and not finished was lost (its worker died, the broker
# dropped it): the next request queues another.
REFRESH_LOST_SECONDS = 15 * 60


def promise_report_refresh_request(*, now: datetime | None = None) -> bool:
    """Queue a refresh when the stored report is missing or stale and none is queued. It runs
    no sooner than REFRESH_MIN_SECONDS after the last one finished (a countdown), so a stream
    of events costs one refresh per interval. True when one was queued by this call."""
    now = now or timezone.now()
    log_state = promise_log_state()
    state, _ = PromiseReportState.objects.get_or_create(pk="promises")
    if state.report is not None and state.log_state == log_state.key:
        return False
    lost_before = now - timedelta(seconds=REFRESH_LOST_SECONDS)
    # Conditional update: of two requests at once, only one queues the task.
    queued = (
        PromiseReportState.objects.filter(pk="promises")
        .filter(Q(refresh_queued_at__isnull=True) | Q(refresh_queued_at__lt=lost_before))
        .update(refresh_queued_at=now)
    )
    if not queued:
        return False
    wait_s = 0.0
    if state.computed_at is not None:
        since = (now - state.computed_at).total_seconds()
        wait_s = max(0.0, REFRESH_MIN_SECONDS - since)

    def hand_out() -> None:
        try:
            promise_report_refresh_task.apply_async(countdown=wait_s)
        except (KombuOperationalError, RedisError, OSError) as error:
            # The page still renders (the last report, or none yet); the mark is cleared so
            # that the next request tries again instead of waiting for a lost task.
            logger.warning("delivery promises: the refresh could not be queued (%s)", error)
            PromiseReportState.objects.filter(pk="promises", refresh_queued_at=now).update(
                refresh_queued_at=None
            )

    transaction.on_commit(hand_out)
    return True
