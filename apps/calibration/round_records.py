"""The record of a round as it runs: each sub-model's steps run apart, so that one that
raises (a bug) is recorded and logged while the others go on; and the rows each skipped."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError, transaction

from apps.calibration.models import ModelVersion, Round, RoundPart, SubModel
from apps.calibration.row_checks import SkippedRows

log = logging.getLogger(__name__)
T = TypeVar("T")

# Not one sub-model's bug but the round's surroundings (the database gone, the task out of
# time): these stop the round, which the next one retries from its checkpoint.
STOPS_THE_ROUND = (OperationalError, InterfaceError, SoftTimeLimitExceeded)


@dataclass(frozen=True)
class StepFailure:
    step: str
    error_type: str
    message: str

    def __str__(self) -> str:
        return f"{self.step} failed: {self.error_type}: {self.message}"


@dataclass
class RoundLedger:
    """What a round's sub-models did: rows skipped, the first failure, versions made."""

    kind: str
    skipped: dict[str, SkippedRows] = field(default_factory=dict)
    failures: dict[str, StepFailure] = field(default_factory=dict)
    versions: dict[str, ModelVersion] = field(default_factory=dict)

    def skipped_of(self, sub_model: str) -> SkippedRows:
        return self.skipped.setdefault(sub_model, SkippedRows())

    def run(self, sub_model: str, step: str, function: Callable[..., T], *args) -> T | None:
        """function(*args) in a savepoint of its own; None if it raised, the failure recorded
        and logged, and whatever it wrote undone, so the round goes on with the others."""
        self.skipped_of(sub_model)
        try:
            with transaction.atomic():
                return function(*args)
        except STOPS_THE_ROUND:
            raise
        except Exception as error:  # one sub-model's bug must not stop the others' round
            self.fail(sub_model, step, error)
            return None

    def leave_out(self, sub_model: str) -> None:
        """The sub-model did nothing this round (another run had done it): no part."""
        self.skipped.pop(sub_model, None)
        self.failures.pop(sub_model, None)

    def note_failure(self, sub_model: str, failure: StepFailure) -> None:
        """A failure recorded and logged elsewhere (a recalibration's own round)."""
        self.failures.setdefault(sub_model, failure)
        self.skipped_of(sub_model)

    def fail(self, sub_model: str, step: str, error: BaseException) -> StepFailure:
        failure = StepFailure(step, type(error).__name__, str(error)[:1000])
        # The first failure explains the part; later steps often fail for the same cause.
        self.failures.setdefault(sub_model, failure)
        self.skipped_of(sub_model)
        log.error("%s round: %s %s", self.kind, sub_model, failure, exc_info=error)
        return failure

    def save(self, *, at: datetime, hours: int = 0, reason: str = "") -> Round | None:
        """The round's record, with a part per sub-model that took part (None if none did)."""
        if not self.skipped:
            return None
        for name, skipped in sorted(self.skipped.items()):
            if skipped.count:
                log.warning(
                    "%s round: %s %s (%s)", self.kind, name, skipped.summary(), skipped.examples()
                )
        with transaction.atomic():
            record = Round.objects.create(kind=self.kind, at=at, hours=hours, reason=reason[:300])
            RoundPart.objects.bulk_create(self._parts(record))
        return record

    def _parts(self, record: Round) -> list[RoundPart]:
        parts = []
        for name in sorted(self.skipped, key=SubModel.values.index):
            skipped, failure = self.skipped[name], self.failures.get(name)
            parts.append(
                RoundPart(
                    round=record,
                    sub_model=name,
                    version=self.versions.get(name),
                    rows_skipped=skipped.count,
                    skipped_summary=_short(skipped.summary(), 400),
                    failed_step=failure.step if failure else "",
                    error_type=failure.error_type if failure else "",
                    error=failure.message if failure else "",
                )
            )
        return parts


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
