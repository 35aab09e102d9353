"""Computing the delivery-promise report from the event log and storing it: the work of
the refresh task."""

import time

from django.utils import timezone

from apps.calibration.models import PromiseReportState
from apps.calibration.promise_selectors import (
    REPORT_JSON,
    promise_log_state,
    promise_report_compute,
)


def promise_report_refresh() -> PromiseReportState:
    """Compute the report from the event log as it is now and store it (idempotent: a second
    run on the same log stores the same report). Clears the queued mark."""
    PromiseReportState.objects.get_or_create(pk="promises")
    PromiseReportState.objects.filter(pk="promises").update(refresh_started_at=timezone.now())
    # The state is read before the records: an event arriving during the computation leaves
    # the stored report stale, so the next request refreshes again instead of missing it.
    log_state = promise_log_state()
    started = time.perf_counter()
    report = promise_report_compute()
    duration_s = time.perf_counter() - started
    state = PromiseReportState.objects.get(pk="promises")
    state.report = REPORT_JSON.dump_python(report, mode="json")
    state.log_state = log_state.key
    state.as_of = log_state.as_of
    state.computed_at = timezone.now()
    state.duration_s = round(duration_s, 3)
    state.refresh_queued_at = None
    state.refresh_started_at = None
    state.save()
    return state
