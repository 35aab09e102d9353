"""Scheduled refits: beat asks often, and a sub-model is refitted when its time has come in
event time, so that a twin started on an empty log becomes calibrated on its own.

- A sub-model fitted on insufficient data (evidence.py) is refitted every event hour:
  each hour adds evidence, and until it has enough its parameters are mostly priors.
  Such fits are on short windows and cheap; they stop once the minimums are met.
- A sufficient one is refitted every 7 event days on the full window, so that it takes
  in a new week (each weekday once). Not daily: drift is judged on the current version's
  own settled predictions, which take up to 48 h to settle, so a daily version would
  keep resetting the drift check; and a day adds only one weekday's noise.
- Not while a drift recalibration of it lies within the calibration window: that refit
  narrowed one subject to the hours since it changed, and a fit on the whole window
  would average the old behaviour back in. Once the change has aged out of the window,
  the weekly refit sees only the new behaviour.

Drift refits stay where they are (rounds.py), judged every event hour.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.calibration.evidence import evidence_of
from apps.calibration.models import ModelVersion, Recalibration, RefitLease
from apps.calibration.selectors import current_versions
from apps.calibration.services import calibrate
from apps.sources.selectors import event_time_span

log = logging.getLogger(__name__)

INSUFFICIENT_REFIT_EVERY = timedelta(hours=1)
SUFFICIENT_REFIT_EVERY = timedelta(days=7)
# Wall time: a refit of 28 days takes seconds; a lease this old was left by a worker that
# died mid-refit, and the next tick takes it over.
LEASE_STALE_AFTER = timedelta(minutes=30)

FIRST_FIT = "scheduled: first calibration"
GROWING = "scheduled: insufficient data, refitted each event hour as the log grows"
WEEKLY = "scheduled: weekly refit on the calibration window"


@dataclass
class RefitResult:
    skipped: str = ""  # why nothing ran ("" if the schedule was looked at)
    refitted: dict[str, str] = field(default_factory=dict)  # sub-model → why
    outcomes: list[str] = field(default_factory=list)


def refits_due(
    *, at: datetime, versions: dict[str, ModelVersion | None], drift_refitted: set[str]
) -> dict[str, str]:
    """Sub-model → the reason its scheduled refit is due at event time `at` (the newest
    event); `drift_refitted`: sub-models recalibrated for drift within the window."""
    due = {}
    for name, version in versions.items():
        if version is None:
            due[name] = FIRST_FIT
            continue
        grown = at - version.window_end
        if not evidence_of(name, version).sufficient:
            if grown >= INSUFFICIENT_REFIT_EVERY:
                due[name] = GROWING
        elif grown >= SUFFICIENT_REFIT_EVERY and name not in drift_refitted:
            due[name] = WEEKLY
    return due


def _drift_refitted(at: datetime) -> set[str]:
    since = at - timedelta(days=settings.TWIN_CALIBRATION_WINDOW_DAYS)
    return set(
        Recalibration.objects.filter(at__gt=since, to_version__isnull=False).values_list(
            "sub_model", flat=True
        )
    )


def _lease_take() -> bool:
    """Take the lease in one UPDATE, so that two workers cannot both take it."""
    now = timezone.now()
    RefitLease.objects.get_or_create(name="scheduled")
    return bool(
        RefitLease.objects.filter(
            Q(running_since=None) | Q(running_since__lt=now - LEASE_STALE_AFTER),
            name="scheduled",
        ).update(running_since=now)
    )


def _lease_release() -> None:
    RefitLease.objects.filter(name="scheduled").update(
        running_since=None, last_finished_at=timezone.now()
    )


def scheduled_refit() -> RefitResult:
    """Refit each sub-model whose scheduled refit is due, on the default calibration window.

    Each group (first fits, growing evidence, weekly) is one calibration, recorded as a
    Round with its reason like any other. Skips at once while another scheduled refit runs.
    """
    newest = event_time_span()[1]
    if newest is None:
        return RefitResult(skipped="the event log is empty")
    if not _lease_take():
        return RefitResult(skipped="another scheduled refit is running")
    try:
        due = refits_due(
            at=newest, versions=current_versions(), drift_refitted=_drift_refitted(newest)
        )
        result = RefitResult(refitted=due)
        for reason in (FIRST_FIT, GROWING, WEEKLY):
            names = [name for name, why in due.items() if why == reason]
            if names:
                outcomes = calibrate(sub_models=names, reason=reason)
                result.outcomes += [outcome.describe() for outcome in outcomes]
                log.info("%s: %s", reason, ", ".join(names))
        return result
    finally:
        _lease_release()
