"""Demand: when orders arrive in each region, how many lines they have, which SKUs, how many."""

import bisect
import itertools
import random
from dataclasses import dataclass, field

from apps.simulation.errors import SimulationInputError

HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class DemandParams:
    # Orders per hour for each region, by hour of the week (168 values, Monday 00:00 first).
    orders_per_hour: dict[str, tuple[float, ...]]
    # Probability of an order having i lines at index i (index 0 must be 0).
    lines_per_order_pmf: tuple[float, ...]
    # Relative weight of each SKU in order lines.
    sku_weights: dict[str, float]
    # Probability of a line's quantity being i at index i (index 0 must be 0).
    quantity_pmf: tuple[float, ...]
    # Share of orders by customer SLA tier.
    tier_mix: dict[str, float]
    # A region whose customers buy a different mix: its own SKU weights.
    sku_weights_by_region: dict[str, dict[str, float]] = field(default_factory=dict)

    def validate(self, *, regions: tuple[str, ...], skus: tuple[str, ...]) -> None:
        for region, rates in self.orders_per_hour.items():
            if region not in regions:
                raise SimulationInputError(f"demand.orders_per_hour.{region}", "unknown region")
            if len(rates) != HOURS_PER_WEEK:
                raise SimulationInputError(
                    f"demand.orders_per_hour.{region}",
                    f"needs {HOURS_PER_WEEK} hourly rates, got {len(rates)}",
                )
            if any(rate < 0 for rate in rates):
                raise SimulationInputError(f"demand.orders_per_hour.{region}", "negative rate")
        for name in ("lines_per_order_pmf", "quantity_pmf"):
            pmf = getattr(self, name)
            if len(pmf) < 2 or pmf[0] != 0 or any(p < 0 for p in pmf) or sum(pmf) <= 0:
                raise SimulationInputError(
                    f"demand.{name}", "must be non-negative, start with 0 and not be all 0"
                )
        mixes = {"demand.sku_weights": self.sku_weights} | {
            f"demand.sku_weights_by_region.{region}": weights
            for region, weights in self.sku_weights_by_region.items()
        }
        for name, weights in mixes.items():
            unknown = sorted(set(weights) - set(skus))
            if unknown:
                raise SimulationInputError(name, f"unknown SKU {unknown[0]!r}")
            if not any(w > 0 for w in weights.values()):
                raise SimulationInputError(name, "no SKU has a positive weight")
        for region in self.sku_weights_by_region:
            if region not in regions:
                raise SimulationInputError(
                    f"demand.sku_weights_by_region.{region}", "unknown region"
                )
        if not self.tier_mix or any(share < 0 for share in self.tier_mix.values()):
            raise SimulationInputError("demand.tier_mix", "needs non-negative shares")

    def mean_lines_per_order(self) -> float:
        return sum(i * p for i, p in enumerate(self.lines_per_order_pmf)) / sum(
            self.lines_per_order_pmf
        )


class Sampler:
    """Draws from a discrete distribution by bisecting its cumulative weights."""

    __slots__ = ("_cumulative", "_total", "_values")

    def __init__(self, values: list, weights: list[float]) -> None:
        self._values = values
        self._cumulative = list(itertools.accumulate(weights))
        self._total = self._cumulative[-1]

    def draw(self, rng: random.Random):
        return self._values[bisect.bisect_right(self._cumulative, rng.random() * self._total)]

    def parts(self) -> tuple[list, list[float], float]:
        return self._values, self._cumulative, self._total


class OrderContent:
    """Draws the content of a region's new order: tier, lines, SKU (as an index), quantity."""

    def __init__(self, params: DemandParams, sku_index: dict[str, int], region: str) -> None:
        weights = params.sku_weights_by_region.get(region, params.sku_weights)
        codes = sorted(weights)
        self.lines = Sampler(
            list(range(len(params.lines_per_order_pmf))), list(params.lines_per_order_pmf)
        )
        self.sku = Sampler([sku_index[c] for c in codes], [weights[c] for c in codes])
        self.quantity = Sampler(list(range(len(params.quantity_pmf))), list(params.quantity_pmf))
        tiers = sorted(params.tier_mix)
        self.tier = Sampler(tiers, [params.tier_mix[t] for t in tiers])

    def draw(self, rng: random.Random) -> tuple[str, list[tuple[int, int]]]:
        # The hottest code of the model: the two per-line draws are inlined bisects.
        uniform, find = rng.random, bisect.bisect_right
        skus, sku_cumulative, sku_total = self.sku.parts()
        quantities, quantity_cumulative, quantity_total = self.quantity.parts()
        lines = [
            (
                skus[find(sku_cumulative, uniform() * sku_total)],
                quantities[find(quantity_cumulative, uniform() * quantity_total)],
            )
            for _ in range(self.lines.draw(rng))
        ]
        return self.tier.draw(rng), lines


def next_arrival(
    rng: random.Random, rates: tuple[float, ...], now_h: float, start_hour_of_week: float
) -> float:
    """The next arrival after `now_h`; at least one rate of the week must be positive.

    Rates are piecewise constant by hour; the exponential's lack of memory makes redrawing
    at each boundary exact for a non-homogeneous Poisson process. The boundaries pass here,
    not as events: an event an hour per region was one in fifty of a run's.
    """
    while True:
        week_hour = (start_hour_of_week + now_h) % HOURS_PER_WEEK
        boundary = now_h + (1.0 - week_hour % 1.0)
        rate = rates[int(week_hour)]
        if rate > 0:
            arrival = now_h + rng.expovariate(rate)
            if arrival < boundary:
                return arrival
        now_h = boundary
