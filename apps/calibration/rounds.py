"""Prediction rounds: at each event-time hour, settle what can be settled, record the checks
that just became possible (round_checks), forecast the coming period (round_forecasts), and
look for drift, recalibrating the sub-model that drifted.

The round runs in event time (the newest event seen), so an accelerated emulator or a
replayed history is judged exactly like live operation. After downtime the missed hours
are settled and checked one by one; forecasts are only made for the newest hour, since
the live state they start from is the state now.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from apps.calibration.history import Window
from apps.calibration.metrics import METRICS, headline
from apps.calibration.models import DeltaCheckpoint, ModelVersion, Prediction, Recalibration, Round
from apps.calibration.prediction_errors import GroupError, group_errors
from apps.calibration.round_checks import CHECKS
from apps.calibration.round_context import RoundContext, Step
from apps.calibration.round_forecasts import FORECASTS
from apps.calibration.round_records import RoundLedger
from apps.calibration.selectors import current_parameters, model_settings_get
from apps.calibration.services import calibrate
from apps.calibration.settling import settle_due
from apps.live.selectors import watermark
from apps.simulation.parameters import ModelParameters

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
# Refit at least this far back after a drift, so the fit has evidence enough.
MIN_REFIT = timedelta(hours=2)


@dataclass
class RoundResult:
    hours: int = 0
    recorded: int = 0
    settled: int = 0
    recalibrations: list[str] = field(default_factory=list)
    # "<sub-model>: <step> failed: <error>" for each sub-model that failed in these hours.
    failures: list[str] = field(default_factory=list)


def delta_rounds(*, until: datetime | None = None, max_hours: int = 24 * 14) -> RoundResult:
    """Run the rounds for every event-time hour boundary passed since the last one.

    Each sub-model's settling, checks, forecasts and drift check run apart (round_records):
    rows they cannot read are skipped and counted, and one that raises all the same is
    logged and recorded while the others go on. The hours run are recorded as one Round.
    """
    now = until or watermark()
    result = RoundResult()
    if now is None or not ModelVersion.objects.exists():
        return result
    newest = now.replace(minute=0, second=0, microsecond=0)
    ledger = RoundLedger(Round.Kind.DELTA)
    with transaction.atomic():
        checkpoint, _ = DeltaCheckpoint.objects.select_for_update().get_or_create(name="rounds")
        first = checkpoint.last_hour + HOUR if checkpoint.last_hour else newest
        first = max(first, newest - HOUR * max_hours)
        hour = first
        while hour <= newest:
            _round(hour, forecast=hour == newest, result=result, ledger=ledger)
            result.hours += 1
            checkpoint.last_hour = hour
            hour += HOUR
        checkpoint.save()
        if result.hours:
            ledger.save(at=newest, hours=result.hours)
    result.failures = [f"{name}: {failure}" for name, failure in sorted(ledger.failures.items())]
    return result


def _round(at: datetime, *, forecast: bool, result: RoundResult, ledger: RoundLedger) -> None:
    params, versions = current_parameters()
    result.settled += settle_due(at, ledger)
    context = RoundContext(at, params, versions, ledger)
    rows = _run_each(context, CHECKS)
    if forecast:
        rows += _run_each(context, FORECASTS)
    Prediction.objects.bulk_create(rows, ignore_conflicts=True)
    result.recorded += len(rows)
    for name, version in versions.items():
        if version is not None:
            drifted = ledger.run(name, "drift check", _drift, at, params, name, version, ledger)
            result.recalibrations += [drifted] if drifted else []


def _run_each(context: RoundContext, steps: tuple[Step, ...]) -> list[Prediction]:
    """Each sub-model's step apart: one that raises adds nothing and the others go on."""
    rows = []
    for step in steps:
        if step.due(context.at):
            made = context.ledger.run(step.sub_model, step.name, step.make, context)
            rows += [row for row in made or () if row is not None]
    return rows


# ---- drift ----------------------------------------------------------------------------------
def _drift(
    at: datetime, params: ModelParameters, name: str, version, ledger: RoundLedger
) -> str | None:
    """Recalibrate the sub-model if a checked figure drifted past its threshold: the
    recalibration's summary, or None."""
    settings_row = model_settings_get(name)
    threshold = settings_row.threshold_pct / 100
    checked = [m.name for m in METRICS.values() if m.sub_model == name and m.checked]
    recent = Prediction.objects.filter(
        version=version,
        metric__in=checked,
        settled=True,
        period_end__gt=at - timedelta(hours=settings_row.window_hours),
        period_end__lte=at,
    )
    # The trigger is the pooled bias, the systematic part of the error: MAPE also holds
    # the noise of each hour's figure, which no recalibration can remove.
    worst = max(
        (
            g
            for g in group_errors(recent, threshold)
            if g.drifted(threshold, settings_row.min_predictions)
        ),
        key=lambda g: abs(g.bias),
        default=None,
    )
    if worst is None or not settings_row.auto_recalibrate:
        return None
    start = min(worst.onset or at - MIN_REFIT, at - MIN_REFIT)
    what = (
        f"{worst.subject} {METRICS[worst.metric].label} off by {worst.bias:+.0%} "
        f"(MAPE {worst.mape:.0%}) > {threshold:.0%}"
    )
    (outcome,) = calibrate(
        sub_models=[name],
        window=Window(start, at),
        reason=f"drift: {what}",
        focus=(worst.subject, worst.metric),
    )
    if outcome.failure:
        ledger.note_failure(name, outcome.failure)
        summary = f"{name}: {what} → recalibration {outcome.failure}"
    else:
        summary = f"{name}: {what} → recalibrated{_change(worst, params)}"
    Recalibration.objects.create(
        sub_model=name,
        at=at,
        metric=worst.metric,
        subject=worst.subject,
        error_pct=round(100 * abs(worst.bias), 2),
        threshold_pct=settings_row.threshold_pct,
        from_version=version,
        to_version=None if outcome.failure else outcome.version,
        summary=summary[:400],
    )
    log.warning("%s", summary)
    return summary


def _change(worst: GroupError, params: ModelParameters) -> str:
    """', pick rate 40.1 → 32.3 lines/h': the headline parameter before and after."""
    label, old, unit = headline(worst.metric, worst.subject, params)
    new_params, _ = current_parameters()
    _, new, _ = headline(worst.metric, worst.subject, new_params)
    if old is None or new is None:
        return ""
    return f", {label} {old:.3g} → {new:.3g} {unit}".rstrip()
