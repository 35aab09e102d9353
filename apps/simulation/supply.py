"""Supply: stock per SKU and DC, reorder-point replenishment and supplier lead times."""

import heapq
import math
import random
from dataclasses import dataclass

from apps.simulation.demand import DemandParams
from apps.simulation.errors import SimulationInputError

# Sizing a DC's reorder policy for demand it takes over (a volume shift's stock) by the demo
# world's planners' own rule (apps/world/orders.reorder_sizes), so that the twin predicts the
# policy the business will run: the reorder point covers the supplier's lead time plus
# SAFETY_DAYS of the moved demand (the safety stock, in days of demand); the order quantity
# covers COVER_DAYS of it.
SAFETY_DAYS = 4.0
COVER_DAYS = 7.0
# A receiving DC with no policy for a SKU starts from the smallest policy a planner sets.
POLICY_FLOOR = (2, 5)  # (reorder point, reorder quantity)


@dataclass(frozen=True)
class ReorderPolicy:
    sku: str
    dc: str
    reorder_point: int
    reorder_quantity: int


@dataclass(frozen=True)
class SupplyParams:
    # Continuous review: when the inventory position falls to the reorder point, order.
    policies: tuple[ReorderPolicy, ...]
    # Supplier lead time, log-normal: median hours by SKU family, and sigma.
    lead_time_hours_median: dict[str, float]
    lead_time_sigma: float = 0.3
    default_lead_time_hours_median: float = 120.0

    def validate(self, *, skus: tuple[str, ...], dcs: tuple[str, ...]) -> None:
        known_skus, known_dcs = set(skus), set(dcs)
        for i, policy in enumerate(self.policies):
            if policy.sku not in known_skus:
                raise SimulationInputError(
                    f"supply.policies[{i}].sku", f"unknown SKU {policy.sku!r}"
                )
            if policy.dc not in known_dcs:
                raise SimulationInputError(f"supply.policies[{i}].dc", f"unknown DC {policy.dc!r}")
            if policy.reorder_point < 0:
                raise SimulationInputError(f"supply.policies[{i}].reorder_point", "below zero")
            if policy.reorder_quantity <= 0:
                raise SimulationInputError(
                    f"supply.policies[{i}].reorder_quantity", "must be positive"
                )
        if self.lead_time_sigma < 0:
            raise SimulationInputError("supply.lead_time_sigma", "below zero")
        for family, hours in self.lead_time_hours_median.items():
            if hours <= 0:
                raise SimulationInputError(f"supply.lead_time_hours_median.{family}", "must be > 0")


class Inventory:
    """One DC's stock, indexed by SKU position; applies its reorder policies."""

    __slots__ = (
        "backordered",
        "families",
        "lead_median",
        "lead_sigma",
        "on_hand",
        "on_order",
        "pending",
        "reorder_point",
        "reorder_quantity",
        "restocked",
        "rng",
    )

    def __init__(
        self,
        *,
        sku_count: int,
        families: list[str],
        params: SupplyParams,
        rng: random.Random,
    ) -> None:
        self.on_hand = [0] * sku_count
        self.on_order = [0] * sku_count
        self.backordered = [0] * sku_count
        self.reorder_point = [-1] * sku_count  # -1: not replenished
        self.reorder_quantity = [0] * sku_count
        self.families = families
        self.lead_median = [
            params.lead_time_hours_median.get(f, params.default_lead_time_hours_median)
            for f in families
        ]
        self.lead_sigma = params.lead_time_sigma
        self.pending: list[tuple[float, int, int]] = []  # heap of (due hour, sku, qty)
        # SKUs whose stock grew since the model last looked at its backorders: only orders
        # short of one of these can have become fillable.
        self.restocked: set[int] = set()
        self.rng = rng

    def available(self, lines: list[tuple[int, int]]) -> bool:
        on_hand = self.on_hand
        return all(on_hand[sku] >= qty for sku, qty in lines)

    def short_of(self, lines: list[tuple[int, int]]) -> int | None:
        """The first SKU of the lines without enough stock, if any."""
        on_hand = self.on_hand
        return next((sku for sku, qty in lines if on_hand[sku] < qty), None)

    def take(self, lines: list[tuple[int, int]], now_h: float) -> None:
        on_hand, point = self.on_hand, self.reorder_point
        on_order, backordered = self.on_order, self.backordered
        for sku, qty in lines:
            on_hand[sku] -= qty
            # review() inlined up to its first test: most lines leave stock above the point.
            if point[sku] >= 0 and on_hand[sku] + on_order[sku] - backordered[sku] <= point[sku]:
                self.review(sku, now_h)

    def adjust(self, sku: int, quantity: int) -> None:
        """Add (or, negative, remove) stock outside the order flow: opening stock, transfers."""
        self.on_hand[sku] += quantity
        if quantity > 0:
            self.restocked.add(sku)

    def review(self, sku: int, now_h: float) -> None:
        point = self.reorder_point[sku]
        if point < 0:
            return
        position = self.on_hand[sku] + self.on_order[sku] - self.backordered[sku]
        if position > point:
            return
        # Order enough multiples to lift the position above the reorder point.
        quantity = self.reorder_quantity[sku] * (
            1 + (point - position) // self.reorder_quantity[sku]
        )
        self.expect(sku, quantity, now_h + self.lead_time_h(sku))

    def expect(self, sku: int, quantity: int, due_h: float) -> None:
        self.on_order[sku] += quantity
        heapq.heappush(self.pending, (due_h, sku, quantity))

    def lead_time_h(self, sku: int) -> float:
        return self.lead_median[sku] * math.exp(self.rng.gauss(0.0, self.lead_sigma))

    def receive_due(self, now_h: float) -> bool:
        """Put away what has arrived by now; True if anything did."""
        pending, received = self.pending, False
        while pending and pending[0][0] <= now_h:
            _, sku, quantity = heapq.heappop(pending)
            self.on_order[sku] -= quantity
            self.adjust(sku, quantity)
            received = True
        return received


def _mostly_chance(lines: int, family_share: float, line_in_family: bool) -> float:
    """The chance an order of `lines` lines, one of them known to be (or not to be) of the
    shift's families, has more than half of its lines in them (the routing rule of a shift
    of SKU families): the other lines are drawn independently, each in the families with
    `family_share`."""
    others = lines - 1
    needed = lines // 2 + 1 - int(line_in_family)
    return sum(
        math.comb(others, k) * family_share**k * (1 - family_share) ** (others - k)
        for k in range(max(needed, 0), others + 1)
    )


def daily_units(
    demand: DemandParams,
    sku_family: dict[str, str],
    *,
    regions: tuple[str, ...],
    share: float,
    families: frozenset[str] = frozenset(),
) -> dict[str, float]:
    """Units a day of each SKU in `share` of the regions' orders (for a shift of SKU
    families, of the orders mostly of them): orders a day × lines an order × the SKU's share
    of the region's lines × units a line, times the chance that an order with a line of the
    SKU is moved. Lines are taken as distinct SKUs, which slightly overstates that chance
    for orders that repeat a SKU."""
    units_per_line = sum(i * p for i, p in enumerate(demand.quantity_pmf)) / sum(
        demand.quantity_pmf
    )
    lines_pmf = demand.lines_per_order_pmf
    lines_total = sum(lines_pmf)
    units: dict[str, float] = {}
    for region in regions:
        orders_per_day = sum(demand.orders_per_hour.get(region, ())) / 7 * share
        weights = demand.sku_weights_by_region.get(region, demand.sku_weights)
        total = sum(w for w in weights.values() if w > 0)
        if not orders_per_day or not total:
            continue
        line_share = {sku: w / total for sku, w in weights.items() if w > 0}
        family_share = sum(s for sku, s in line_share.items() if sku_family[sku] in families)
        lines_moved = {
            in_family: sum(
                p
                / lines_total
                * n
                * (_mostly_chance(n, family_share, in_family) if families else 1)
                for n, p in enumerate(lines_pmf)
                if n > 0
            )
            for in_family in (False, True)
        }
        for sku, s in line_share.items():
            moved = orders_per_day * lines_moved[sku_family[sku] in families] * s * units_per_line
            units[sku] = units.get(sku, 0.0) + moved
    return units


def reorder_sizes(daily: float, lead_time_days: float) -> tuple[int, int]:
    """What `daily` units of demand add to a reorder point and an order quantity."""
    return int(daily * (lead_time_days + SAFETY_DAYS)), int(daily * COVER_DAYS)
