"""Calibration: fit sub-models from a window of the event log into new immutable versions."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.calibration.fitters import Fit, fitters
from apps.calibration.focus import Focus, focused
from apps.calibration.history import History, Window
from apps.calibration.models import ModelSettings, ModelVersion, Round, SubModel
from apps.calibration.priors import master_data_parameters
from apps.calibration.round_records import RoundLedger, StepFailure
from apps.calibration.selectors import (
    current_version,
    goodness_text,
    model_settings_get,
    version_parameters,
)
from apps.simulation.parameters import ModelParameters
from apps.simulation.serialization import to_jsonable
from apps.sources.selectors import event_time_span

log = logging.getLogger(__name__)


class CalibrationError(Exception):
    pass


@dataclass(frozen=True)
class Outcome:
    sub_model: str
    version: ModelVersion | None  # None: the first fit failed
    created: bool
    failure: StepFailure | None = None
    skipped: str = ""

    def describe(self) -> str:
        v = self.version
        if self.failure:
            kept = f"v{v.number} stays current" if v else "no version yet"
            return f"{self.sub_model}: {self.failure} ({kept})"
        goodness = goodness_text(v.goodness_name, v.goodness_value)
        head = (
            f"{v.sub_model} v{v.number}: {v.observations:,} observations, "
            f"{v.goodness_name} {goodness}"
        )
        if not self.created:
            head += " (already calibrated on this window by another run)"
        lines = [head, *(f"  kept: {note}" for note in v.notes)]
        if self.skipped:
            lines.append(f"  {self.skipped}")
        return "\n".join(lines)


def calibration_window(
    *, end: datetime | None = None, start: datetime | None = None, hours: float | None = None
) -> Window:
    oldest, newest = event_time_span()
    if newest is None:
        raise CalibrationError("the event log is empty: there is nothing to calibrate on")
    if end is None:
        # The window is half-open; end just after the newest event so that it counts.
        end = newest + timedelta(microseconds=1)
    if start is None:
        start = end - timedelta(hours=hours or settings.TWIN_CALIBRATION_WINDOW_DAYS * 24)
        # The log cannot speak for the time before it began: hours without events there
        # would read as hours without orders.
        start = max(start, oldest)
    if start >= end:
        raise CalibrationError(
            f"the window is empty: {start.isoformat()} is not before {end.isoformat()}"
        )
    return Window(start=start, end=end)


def calibrate(
    *,
    sub_models: list[str] | None = None,
    window: Window | None = None,
    reason: str = "manual",
    focus: tuple[str, str] | None = None,
) -> list[Outcome]:
    """Fit each sub-model on the window and store a new version of each.

    With `focus` (a subject that drifted, such as a DC, and the figure that showed it),
    only the parameters behind that figure for that subject are refitted, on the window
    (the recent hours where it drifted); the rest carry over from the current version. A
    few hours are evidence enough for the figure that changed and too little for the
    others, which would only trade their settled values for noise.

    Two calibrations of the same sub-model run one after the other (a row lock on its
    settings); the second finds the first's version on the same window and keeps it.

    Each sub-model is fitted apart: events it cannot read are skipped and counted, and a
    fit that raises all the same (a bug) leaves that sub-model's version as it was, is
    logged, and is recorded in the run's Round beside the rows each sub-model skipped.
    """
    names = sub_models or list(SubModel.values)
    unknown = sorted(set(names) - set(SubModel.values))
    if unknown:
        raise CalibrationError(
            f"unknown sub-model {unknown[0]!r}: one of {', '.join(SubModel.values)}"
        )
    window = window or calibration_window()
    history = History(window)
    ledger = RoundLedger(Round.Kind.CALIBRATION)
    priors = cache(master_data_parameters)
    outcomes = []
    for name in names:
        model_settings_get(name)
        outcome = ledger.run(
            name, "fit", _calibrate_one, name, history, ledger, priors, reason, focus
        )
        if outcome is None:
            failure = ledger.failures[name]
            outcome = Outcome(name, current_version(name), False, failure=failure)
        elif not outcome.created:
            ledger.leave_out(name)
        outcomes.append(outcome)
    ledger.save(at=window.end, reason=reason)
    return outcomes


def _calibrate_one(
    name: str,
    history: History,
    ledger: RoundLedger,
    priors: Callable[[], ModelParameters],
    reason: str,
    focus: tuple[str, str] | None,
) -> Outcome:
    window = history.window
    try:
        with transaction.atomic():
            ModelSettings.objects.select_for_update().get(sub_model=name)
            current = current_version(name)
            if current and (current.window_start, current.window_end) == (
                window.start,
                window.end,
            ):
                return Outcome(name, current, False)
            prior = version_parameters(current) if current else getattr(priors(), name)
            with history.skips_counted_in(ledger.skipped_of(name)):
                fit = fitters()[name](history, prior)
            evidence = (fit.observations, window.hours)
            if focus is not None:
                _narrow(fit, name, prior, focus, current)
                if current is not None:
                    evidence = (current.evidence_observations, current.evidence_hours)
            version = ModelVersion.objects.create(
                sub_model=name,
                number=current.number + 1 if current else 1,
                parameters=to_jsonable(fit.params),
                window_start=window.start,
                window_end=window.end,
                observations=fit.observations,
                evidence_observations=evidence[0],
                evidence_hours=evidence[1],
                goodness_name=fit.goodness_name,
                goodness_value=fit.goodness_value,
                notes=fit.notes,
                stats=to_jsonable(fit.stats),
                replaces=current,
                reason=reason[:300],
                created_at=timezone.now(),
            )
    except IntegrityError:
        # Only without row locks (SQLite): a concurrent run took this version number.
        return Outcome(name, current_version(name), False)
    ledger.versions[name] = version
    log.info("calibrated %s v%s on %s (%s)", name, version.number, window, reason)
    return Outcome(name, version, True, skipped=ledger.skipped_of(name).summary())


def _narrow(fit: Fit, name: str, prior, focus: tuple[str, str], current) -> None:
    """Keep only the focused subject's figure from the fit; the rest from the prior."""
    subject, metric = focus
    fit.params = focused(name, prior, fit.params, Focus(subject, metric))
    fit.notes = [note for note in fit.notes if subject in note]
    fit.notes.append(
        f"only {subject} {metric.replace('_', ' ')} refitted, on the hours "
        f"where it drifted; the rest carried over from "
        f"v{current.number if current else 0}"
    )
