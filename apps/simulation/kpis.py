"""The KPI vocabulary: each KPI's exact formula and unit, one definition for all who count.

The engine's results, the live projections, calibration's checks and decision tracking
all compute their figures with these functions, so "OTIF" or "utilisation" means the same
thing from a prediction to the tracking of the decision it supported. Plain Python (no
Django): the engine, a worker and a notebook import it alike. Each function takes the
counts it needs and returns the figure, or None when the window holds nothing to divide
by; callers that need a number where nothing was measured (the engine's result
dataclasses) say so with `or 0.0`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

from apps.simulation.finance import COST_COMPONENTS


@dataclass(frozen=True)
class KpiDefinition:
    key: str  # the name under which results, live state and tracking report it
    label: str
    unit: str  # "share" (0–1, shown as %), "usd", "orders", "hours"
    formula: str


KPIS: dict[str, KpiDefinition] = {
    d.key: d
    for d in (
        KpiDefinition(
            "labour_utilisation",
            "Labour utilisation",
            "share",
            "busy pick and pack labour time ÷ clocked pick and pack labour time, over the "
            "same span. Work finished after a worker's shift has ended is overtime and is "
            "clocked, so busy never exceeds clocked.",
        ),
        KpiDefinition(
            "otif",
            "OTIF",
            "share",
            "orders due in the window that were delivered complete, by their due time and "
            "without a pick error ÷ orders due in the window. Lost or cancelled orders, and "
            "orders still undelivered when due, are failures.",
        ),
        KpiDefinition(
            "fill_rate",
            "Fill rate",
            "share",
            "order lines that found their stock when released ÷ order lines released.",
        ),
        KpiDefinition(
            "cost_per_order_usd",
            "Cost per order",
            "usd",
            f"sum of the cost components ({', '.join(COST_COMPONENTS)}) over the window ÷ "
            "orders shipped in the window; each component per order is that component ÷ "
            "the same orders, so the components add up to the whole.",
        ),
        KpiDefinition(
            "orders_lost",
            "Orders lost",
            "orders",
            "orders that left without being delivered in the window: out of patience "
            "waiting for stock (engine), cancelled (ERP).",
        ),
        KpiDefinition(
            "cycle_time_hours",
            "Cycle time",
            "hours",
            "hours from an order's creation to its shipment, over the orders shipped in "
            "the window: mean and 95th percentile.",
        ),
    )
}


def share(part: float, whole: float) -> float | None:
    """part ÷ whole; None when there is nothing to divide by."""
    return part / whole if whole else None


def labour_utilisation(*, busy: float, clocked: float) -> float | None:
    """Busy ÷ clocked labour time (both in the same unit, pick and pack together or one
    role alone). After-shift work must be clocked as overtime by the caller's accounting;
    a ratio above 1 then means clock events are missing, not a busy floor."""
    return share(busy, clocked)


class _Comparable(Protocol):
    def __le__(self, other, /) -> bool: ...


Moment = TypeVar("Moment", bound=_Comparable)


def is_on_time_in_full(
    *, due: Moment, delivered: Moment | None, pick_errors: int, lost: bool
) -> bool:
    """One order's OTIF outcome: delivered (complete: a lost or cancelled order was not),
    by its due time, with no pick error. Times are hours or datetimes alike."""
    return not lost and delivered is not None and delivered <= due and pick_errors == 0


def is_due_in(due: Moment, start: Moment, end: Moment) -> bool:
    """Whether an order belongs to a window's OTIF: due in [start, end)."""
    return start <= due and not end <= due


def otif(*, on_time_in_full: int, due: int) -> float | None:
    """Share of the orders due in the window that were delivered on time, in full, without
    a pick error (see is_on_time_in_full)."""
    return share(on_time_in_full, due)


class OtifCount:
    """OTIF counted as orders come and go, for a simulation that sees each order once at
    creation and once at delivery: lost orders are counted when due and never succeed."""

    __slots__ = ("due", "end", "on_time_in_full", "start")

    def __init__(self, *, start: float, end: float) -> None:
        self.start, self.end = start, end
        self.due = self.on_time_in_full = 0

    def order_created(self, *, due: float) -> None:
        if is_due_in(due, self.start, self.end):
            self.due += 1

    def order_delivered(self, *, due: float, delivered: float, pick_errors: int) -> None:
        if is_due_in(due, self.start, self.end) and is_on_time_in_full(
            due=due, delivered=delivered, pick_errors=pick_errors, lost=False
        ):
            self.on_time_in_full += 1

    @property
    def otif(self) -> float | None:
        return otif(on_time_in_full=self.on_time_in_full, due=self.due)


def fill_rate(*, lines_available: int, lines_ordered: int) -> float | None:
    return share(lines_available, lines_ordered)


def cost_per_order(*, costs_usd: Mapping[str, float], orders: int) -> float | None:
    """Total of the cost components ÷ orders shipped."""
    return share(sum(costs_usd.values()), orders) if costs_usd else None


def cost_per_order_by_component(
    *, costs_usd: Mapping[str, float], orders: int
) -> dict[str, float | None]:
    """Each cost component ÷ the same orders: they add up to cost_per_order."""
    return {name: share(amount, orders) for name, amount in costs_usd.items()}


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def p95(values: Iterable[float]) -> float | None:
    """The 95th percentile as the value at rank ⌊0.95·n⌋ of the sorted values (no
    interpolation, so a single slow order shows up as itself)."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
