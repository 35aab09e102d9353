"""Celery tasks of calibration: a calibration run, the hourly prediction rounds, and the
scheduled refits."""

from celery import shared_task

from apps.calibration.models import ModelVersion, SubModel
from apps.calibration.promise_refresh import promise_report_refresh
from apps.calibration.refits import scheduled_refit
from apps.calibration.rounds import delta_rounds
from apps.calibration.services import calibrate
from apps.sources.selectors import event_time_span


@shared_task
def calibrate_task(sub_models: list[str] | None = None, reason: str = "scheduled") -> list[str]:
    return [outcome.describe() for outcome in calibrate(sub_models=sub_models, reason=reason)]


@shared_task
def delta_rounds_task() -> dict:
    """Beat calls this often; it acts only when event time has passed an hour boundary.

    A sub-model with no version yet is calibrated first, once the log holds events.
    """
    missing = sorted(
        set(SubModel.values) - set(ModelVersion.objects.values_list("sub_model", flat=True))
    )
    if missing:
        if event_time_span()[1] is None:
            return {"hours": 0, "note": "the event log is empty"}
        calibrate(sub_models=missing, reason="first calibration")
    result = delta_rounds()
    return {
        "hours": result.hours,
        "recorded": result.recorded,
        "settled": result.settled,
        "recalibrations": result.recalibrations,
        "failures": result.failures,
    }


@shared_task
def scheduled_refit_task() -> dict:
    """Beat calls this often; it refits only the sub-models whose refit is due in event time
    (refits.py), and skips while another one runs."""
    result = scheduled_refit()
    return {"skipped": result.skipped, "refitted": result.refitted, "outcomes": result.outcomes}


@shared_task(acks_late=True)
def promise_report_refresh_task() -> dict:
    """Compute and store the delivery-promise report (queued by its page, debounced)."""
    state = promise_report_refresh()
    return {"as_of": state.as_of.isoformat() if state.as_of else None,
            "duration_s": state.duration_s}  # fmt: skip
