"""What each step of a prediction round is given (the round's hour, the current parameters and
versions, the ledger of skipped rows) and what a step is: a sub-model's checks or forecasts."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from apps.calibration.metrics import METRICS
from apps.calibration.models import ModelVersion, Prediction
from apps.calibration.round_records import RoundLedger
from apps.calibration.row_checks import SkippedRows
from apps.network.models import Lane
from apps.simulation.parameters import ModelParameters


class RoundContext:
    """One round's hour, the parameters and versions current at it, and its ledger; `row`
    makes a prediction of the version behind the metric (none before its first version)."""

    def __init__(
        self,
        at: datetime,
        params: ModelParameters,
        versions: dict[str, ModelVersion | None],
        ledger: RoundLedger,
    ) -> None:
        self.at, self.params, self.versions, self.ledger = at, params, versions, ledger

    def skipped(self, sub_model: str) -> SkippedRows:
        return self.ledger.skipped_of(sub_model)

    def row(
        self,
        metric: str,
        subject: str,
        start,
        end,
        predicted,
        *,
        actual=None,
        weight=1.0,
        item="",
        settled=False,
    ) -> Prediction | None:
        name = METRICS[metric].sub_model
        version = self.versions.get(name)
        if version is None:
            return None
        return Prediction(
            sub_model=name,
            version=version,
            metric=metric,
            subject=subject,
            item=item,
            made_at=self.at,
            period_start=start,
            period_end=end,
            predicted=predicted,
            actual=actual,
            weight=weight,
            settled=settled,
        )

    @cached_property
    def lane_transit(self) -> dict[str, tuple[float, float]]:
        plan = {
            code: (median, sigma)
            for code, median, sigma in Lane.objects.values_list(
                "code", "transit_hours_median", "transit_hours_spread"
            )
        }
        for transit in self.params.logistics.lane_transit:
            plan[transit.lane] = (transit.transit_hours_median, transit.transit_hours_sigma)
        return plan


@dataclass(frozen=True)
class Step:
    """What a sub-model adds to each round (or to the midnight round only)."""

    sub_model: str
    name: str
    make: Callable[[RoundContext], list[Prediction | None]]
    midnight_only: bool = False

    def due(self, at: datetime) -> bool:
        return at.hour == 0 or not self.midnight_only
