"""How much evidence each sub-model's fit needs, and whether a version has it.

A fit on too little of the log keeps most parameters at their priors and leaves the rest
to noise; the Models page then says "insufficient data" rather than judging its error,
scenarios run on it carry a warning, and the scheduled refits (refits.py) fit it again as
the log grows. Both minimums must hold: the observations the sub-model counts, and the
span of event time they come from (the hours of a day and the days of a week differ).
"""

from dataclasses import dataclass
from datetime import timedelta

from apps.calibration.fitters.customer import COMPLAINT_LAG, MIN_DELIVERED
from apps.calibration.fitters.demand import MIN_ORDERS_FOR_SHAPE
from apps.calibration.fitters.labour import MIN_DAYS_FOR_SHIFTS, MIN_LINES_FOR_ERRORS
from apps.calibration.models import ModelVersion, SubModel

DAY_H = 24.0

# Demand: the weekday × hour-of-day profile needs every weekday at least once, and the
# demand fitter's own minimum for fitting that shape at all.
DEMAND_MIN_DAYS = 7
DEMAND_MIN_ORDERS = MIN_ORDERS_FOR_SHAPE
# Supply: a purchase order is seen from creation to receipt, and lead times run to a
# week; in a fortnight every family's orders of the first week have had time to arrive,
# which Kaplan–Meier's correction for the orders still open rests on. Receipts: a few
# families at the supply fitter's 8 receipts each.
SUPPLY_MIN_DAYS = 14
SUPPLY_MIN_RECEIPTS = 50
# Logistics: carriers' pick-ups and transit differ between weekdays and the weekend; ten
# lanes at the logistics fitter's 20 deliveries each.
LOGISTICS_MIN_DAYS = 7
LOGISTICS_MIN_DELIVERIES = 200
# Labour: shifts are rebuilt per weekday from clock-ins (the labour fitter keeps them
# below a week), and the pick-error rate needs its 5,000 lines.
LABOUR_MIN_DAYS = MIN_DAYS_FOR_SHIFTS
LABOUR_MIN_LINES = MIN_LINES_FOR_ERRORS
# Finance: wages come from daily payroll postings per DC and weekend crews are paid
# differently, so a week; postings and freighted shipments together.
FINANCE_MIN_DAYS = 7
FINANCE_MIN_POSTINGS = 100
# Customer: a week of deliveries judged, and the complaints about the last of them arrive
# up to two days later (the fitter leaves those days out).
CUSTOMER_MIN_DAYS = 7 + COMPLAINT_LAG / timedelta(days=1)
CUSTOMER_MIN_DELIVERED = MIN_DELIVERED


@dataclass(frozen=True)
class EvidenceNeed:
    observations: int
    days: float
    counted: str  # what the sub-model's observations are
    affects: str  # the scenario results that rest on the sub-model


NEEDS: dict[str, EvidenceNeed] = {
    "demand": EvidenceNeed(
        DEMAND_MIN_ORDERS, DEMAND_MIN_DAYS, "orders", "volume, utilisation and every KPI"
    ),
    "supply": EvidenceNeed(
        SUPPLY_MIN_RECEIPTS, SUPPLY_MIN_DAYS, "receipts", "stock, backorder and OTIF"
    ),
    "logistics": EvidenceNeed(
        LOGISTICS_MIN_DELIVERIES, LOGISTICS_MIN_DAYS, "deliveries", "delivery, OTIF and freight"
    ),
    "labour": EvidenceNeed(LABOUR_MIN_LINES, LABOUR_MIN_DAYS, "lines picked", "labour and cost"),
    "finance": EvidenceNeed(
        FINANCE_MIN_POSTINGS, FINANCE_MIN_DAYS, "postings and shipments", "cost"
    ),
    "customer": EvidenceNeed(
        CUSTOMER_MIN_DELIVERED, CUSTOMER_MIN_DAYS, "orders delivered", "complaint and satisfaction"
    ),
}


def span_text(hours: float) -> str:
    """'2 h' under two days, '9 days' or '6.5 days' above."""
    if hours < 2 * DAY_H:
        return f"{hours:.0f} h"
    return f"{hours / DAY_H:.1f}".removesuffix(".0") + " days"


@dataclass(frozen=True)
class Evidence:
    """What one sub-model's current version rests on, against what it needs."""

    sub_model: str
    observations: int
    hours: float
    need: EvidenceNeed
    calibrated: bool = True

    @property
    def label(self) -> str:
        return SubModel(self.sub_model).label

    @property
    def sufficient(self) -> bool:
        return (
            self.calibrated
            and self.observations >= self.need.observations
            and self.hours >= self.need.days * DAY_H
        )

    @property
    def rests_on(self) -> str:
        """'2 h, 40 orders'."""
        return f"{span_text(self.hours)}, {self.observations:,} {self.need.counted}"

    @property
    def needs(self) -> str:
        """'7 days and 500 orders'."""
        need = self.need
        return f"{span_text(need.days * DAY_H)} and {need.observations:,} {need.counted}"

    @property
    def shortfall(self) -> str:
        """'2 h, 40 orders; needs 7 days' (only what is short is named as needed)."""
        if not self.calibrated:
            return f"not calibrated yet; needs {self.needs}"
        short = []
        if self.hours < self.need.days * DAY_H:
            short.append(span_text(self.need.days * DAY_H))
        if self.observations < self.need.observations:
            short.append(f"{self.need.observations:,} {self.need.counted}")
        return f"{self.rests_on}; needs {' and '.join(short)}"

    @property
    def warning(self) -> str:
        """The caution a scenario run on this sub-model carries ('' when it is sufficient)."""
        if self.sufficient:
            return ""
        if not self.calibrated:
            head = f"{self.label} model not calibrated yet (master-data priors)"
        else:
            head = f"{self.label} model fitted on insufficient data ({self.shortfall})"
        return f"{head}: treat {self.need.affects} results with caution"


def evidence_of(sub_model: str, version: ModelVersion | None) -> Evidence:
    need = NEEDS[sub_model]
    if version is None:
        return Evidence(sub_model, 0, 0.0, need, calibrated=False)
    return Evidence(sub_model, version.evidence_observations, version.evidence_hours, need)


def evidence_warnings(versions: dict[str, ModelVersion | None]) -> list[str]:
    """One warning per sub-model whose current version (or its absence) is not evidence
    enough, in the sub-models' order."""
    warnings = [evidence_of(name, versions.get(name)).warning for name in SubModel.values]
    return [w for w in warnings if w]
