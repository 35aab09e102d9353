"""Customer experience: SLAs, complaints driven by lateness and pick errors, satisfaction."""

from dataclasses import dataclass, field

from apps.simulation.errors import SimulationInputError


@dataclass(frozen=True)
class CustomerParams:
    sla_hours_by_tier: dict[str, float] = field(
        default_factory=lambda: {"platinum": 24.0, "gold": 48.0, "standard": 72.0}
    )
    # P(complaint) = base + per late day × days late + per error × lines picked wrong, ≤ 1.
    complaint_base_probability: float = 0.004
    complaint_per_late_day: float = 0.12
    complaint_per_pick_error: float = 0.30
    # Customers cancel an order still waiting for stock after this long.
    backorder_patience_hours: float = 96.0
    # Satisfaction (1–5): the base score, less these drops per late, wrong or complained order.
    satisfaction_base: float = 4.6
    satisfaction_drop_late: float = 1.2
    satisfaction_drop_error: float = 1.5
    satisfaction_drop_complaint: float = 1.0

    def validate(self, *, tiers: tuple[str, ...]) -> None:
        for tier in tiers:
            if self.sla_hours_by_tier.get(tier, 0) <= 0:
                raise SimulationInputError(f"customer.sla_hours_by_tier.{tier}", "missing or ≤ 0")
        for name in (
            "complaint_base_probability",
            "complaint_per_late_day",
            "complaint_per_pick_error",
        ):
            if not 0 <= getattr(self, name) <= 1:
                raise SimulationInputError(f"customer.{name}", "must lie in [0, 1]")
        if self.backorder_patience_hours <= 0:
            raise SimulationInputError("customer.backorder_patience_hours", "must be positive")


def complaint_probability(params: CustomerParams, *, late_hours: float, pick_errors: int) -> float:
    p = params.complaint_base_probability
    if late_hours > 0:
        p += params.complaint_per_late_day * late_hours / 24.0
    p += params.complaint_per_pick_error * pick_errors
    return min(1.0, p)


def satisfaction_index(
    params: CustomerParams, *, late_share: float, error_share: float, complaint_share: float
) -> float:
    score = (
        params.satisfaction_base
        - params.satisfaction_drop_late * late_share
        - params.satisfaction_drop_error * error_share
        - params.satisfaction_drop_complaint * complaint_share
    )
    return max(1.0, min(5.0, score))
