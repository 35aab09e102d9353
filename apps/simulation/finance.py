"""Finance: what each activity costs, accumulated by cost component."""

from dataclasses import dataclass, field

from apps.simulation.errors import SimulationInputError

# What an order costs, one component per ledger account the books post (the world and a
# real ERP alike): the twin costs only what the books carry, and calibration fits each from
# its postings. Stock carrying and lost or late orders are reported as their own KPIs (stock
# value, lost sales, OTIF), not as costs no posting shows.
COST_COMPONENTS = ("labour", "overtime", "handling", "freight", "cross_dock")
# The account prefix (before "<DC>" or "<dock>") each posted component is booked to;
# freight is the carriers' accepted tenders, one per load.
COST_ACCOUNTS = {
    "labour": "6100-labour-",
    "overtime": "6110-overtime-",
    "handling": "6200-handling-",
    "cross_dock": "6300-cross-dock-",
}


@dataclass(frozen=True)
class FinanceParams:
    wage_usd_per_hour: dict[str, float]  # by DC, every role clocked (loaders too)
    overtime_premium: float = 1.5  # multiple of the wage paid for overtime hours
    # Packaging per order shipped and per line of it.
    handling_usd_per_order: float = 1.20
    handling_usd_per_line: float = 0.35
    # Freight per lane: (per load, per kg); lanes not listed use the snapshot's tariff.
    freight_usd: dict[str, tuple[float, float]] = field(default_factory=dict)
    cross_dock_fee_usd_per_shipment: dict[str, float] = field(default_factory=dict)

    def validate(self, *, dcs: tuple[str, ...]) -> None:
        for dc in dcs:
            if self.wage_usd_per_hour.get(dc, 0) <= 0:
                raise SimulationInputError(f"finance.wage_usd_per_hour.{dc}", "missing or ≤ 0")
        if self.overtime_premium < 1:
            raise SimulationInputError("finance.overtime_premium", "must be at least 1")
        for name in ("handling_usd_per_order", "handling_usd_per_line"):
            if getattr(self, name) < 0:
                raise SimulationInputError(f"finance.{name}", "below zero")


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
