"""Finance: what each activity costs, accumulated by cost component."""

from dataclasses import dataclass, field

from apps.simulation.errors import SimulationInputError

COST_COMPONENTS = (
    "labour",
    "overtime",
    "handling",
    "freight",
    "cross_dock",
    "inventory",
    "penalties",
)


@dataclass(frozen=True)
class FinanceParams:
    wage_usd_per_hour: dict[str, float]  # by DC
    overtime_premium: float = 1.5  # multiple of the wage paid for overtime hours
    handling_usd_per_order: float = 1.20
    handling_usd_per_line: float = 0.35
    # Freight per lane: (per shipment, per kg); lanes not listed use the snapshot's tariff.
    freight_usd: dict[str, tuple[float, float]] = field(default_factory=dict)
    cross_dock_fee_usd_per_shipment: dict[str, float] = field(default_factory=dict)
    inventory_carrying_rate_per_year: float = 0.22  # of stock value at cost
    late_penalty_usd_per_order: float = 25.0
    lost_order_penalty_usd: float = 60.0  # on top of the lost margin

    def validate(self, *, dcs: tuple[str, ...]) -> None:
        for dc in dcs:
            if self.wage_usd_per_hour.get(dc, 0) <= 0:
                raise SimulationInputError(f"finance.wage_usd_per_hour.{dc}", "missing or ≤ 0")
        if self.overtime_premium < 1:
            raise SimulationInputError("finance.overtime_premium", "must be at least 1")
        if self.inventory_carrying_rate_per_year < 0:
            raise SimulationInputError("finance.inventory_carrying_rate_per_year", "below zero")


class CostLedger:
    __slots__ = COST_COMPONENTS

    def __init__(self) -> None:
        for component in COST_COMPONENTS:
            setattr(self, component, 0.0)

    def as_dict(self) -> dict[str, float]:
        return {component: getattr(self, component) for component in COST_COMPONENTS}

    @property
    def total(self) -> float:
        return sum(self.as_dict().values())


def labour_cost(
    *, clocked_h: float, overtime_h: float, wage: float, premium: float
) -> tuple[float, float]:
    """(straight-time cost, overtime cost); overtime hours are part of clocked hours."""
    straight = (clocked_h - overtime_h) * wage
    return straight, overtime_h * wage * premium


def freight_cost(per_shipment: float, per_kg: float, kg: float) -> float:
    return per_shipment + per_kg * kg


def carrying_cost(*, stock_value_hours: float, rate_per_year: float) -> float:
    """Cost of holding stock: value × hours held, at an annual rate."""
    return stock_value_hours * rate_per_year / 8760.0
