"""Logistics: carrier pick-ups, lane choice, tender rejection, transit times, the cross-dock."""

import math
import random
from dataclasses import dataclass, field

from apps.simulation.errors import SimulationInputError
from apps.simulation.results import AssumedInput
from apps.simulation.snapshot import LaneInfo, NetworkSnapshot
from apps.simulation.streams import stream

# A log-normal's central 95%: median × exp(±1.96 σ).
Z95 = 1.96


@dataclass(frozen=True)
class CarrierPickups:
    carrier: str
    hours_of_day: tuple[float, ...]  # when the carrier collects at every DC and cross-dock
    max_shipments_per_pickup: int = 60


@dataclass(frozen=True)
class LaneTransit:
    """A calibrated transit-time distribution (log-normal) overriding the lane's plan."""

    lane: str
    transit_hours_median: float
    transit_hours_sigma: float


@dataclass(frozen=True)
class LogisticsParams:
    pickups: tuple[CarrierPickups, ...]
    lane_transit: tuple[LaneTransit, ...] = ()
    tender_rejection_rate: dict[str, float] = field(default_factory=dict)  # by carrier
    cross_dock_dwell_sigma: float = 0.3
    # Carrier used from an origin to a region ("NE>MAT" -> "BLT"); default: the ground lane.
    primary_carrier: dict[str, str] = field(default_factory=dict)
    # Ship on the expedited lane when the ground lane's median transit would miss the SLA.
    expedite_to_meet_sla: bool = True

    def validate(self, *, snapshot: NetworkSnapshot) -> None:
        carriers = {lane.carrier for lane in snapshot.lanes}
        lanes = {lane.code for lane in snapshot.lanes}
        for i, pickup in enumerate(self.pickups):
            if pickup.carrier not in carriers:
                raise SimulationInputError(
                    f"logistics.pickups[{i}].carrier", f"unknown carrier {pickup.carrier!r}"
                )
            if not pickup.hours_of_day or any(not 0 <= h < 24 for h in pickup.hours_of_day):
                raise SimulationInputError(
                    f"logistics.pickups[{i}].hours_of_day", "needs hours within 0–24"
                )
        for i, transit in enumerate(self.lane_transit):
            if transit.lane not in lanes:
                raise SimulationInputError(
                    f"logistics.lane_transit[{i}].lane", f"unknown lane {transit.lane!r}"
                )
            if transit.transit_hours_median <= 0 or transit.transit_hours_sigma < 0:
                raise SimulationInputError(
                    f"logistics.lane_transit[{i}]", "median must be > 0 and sigma ≥ 0"
                )
        for carrier, rate in self.tender_rejection_rate.items():
            if not 0 <= rate < 1:
                raise SimulationInputError(
                    f"logistics.tender_rejection_rate.{carrier}", "must lie in [0, 1)"
                )
        missing = sorted(
            {lane.carrier for lane in snapshot.lanes} - {p.carrier for p in self.pickups}
        )
        if missing:
            raise SimulationInputError(
                "logistics.pickups", f"no pick-ups for carrier {missing[0]!r}"
            )


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma)) if sigma > 0 else median


@dataclass(frozen=True)
class DrawnAssumptions:
    """One replication's values of the inputs master data states with an uncertainty."""

    transit_median: dict[str, float]  # by lane, for lanes no calibration supports
    dwell_median: dict[str, float]  # by cross-dock
    fee_usd: dict[str, float]  # by cross-dock, where calibration has no fee
    inputs: dict[str, AssumedInput]  # by name, for the result to list those used


def _lognormal_input(name: str, stated: float, sigma: float, rng: random.Random) -> AssumedInput:
    spread = math.exp(Z95 * sigma)
    drawn = lognormal(rng, stated, sigma)
    return AssumedInput(name, stated, stated / spread, stated * spread, drawn)


def draw_assumptions(
    snapshot: NetworkSnapshot,
    params: LogisticsParams,
    *,
    calibrated_fees: dict[str, float],
    seed: int,
    replication: int,
) -> DrawnAssumptions:
    """Draw each master-data assumption for this replication. Each input has its own
    stream keyed by (seed, replication, name), not by scenario: replication k draws the
    same dwell, fee and transit in every scenario (common random numbers), and the spread
    across replications carries the stated uncertainty into the intervals."""
    calibrated = {t.lane for t in params.lane_transit}
    inputs: dict[str, AssumedInput] = {}
    transit: dict[str, float] = {}
    for lane in snapshot.lanes:
        if lane.code in calibrated:
            continue
        name = f"lane.{lane.code}.transit_hours_median"
        rng = stream(seed, replication, "assumption", name)
        inputs[name] = _lognormal_input(
            name, lane.transit_hours_median, lane.transit_median_uncertainty, rng
        )
        transit[lane.code] = inputs[name].drawn
    dwell: dict[str, float] = {}
    fees: dict[str, float] = {}
    for dock in snapshot.cross_docks:
        name = f"cross_dock.{dock.code}.dwell_hours_median"
        rng = stream(seed, replication, "assumption", name)
        inputs[name] = _lognormal_input(
            name, dock.dwell_hours_median, dock.dwell_median_uncertainty, rng
        )
        dwell[dock.code] = inputs[name].drawn
        if dock.code in calibrated_fees:
            continue
        name = f"cross_dock.{dock.code}.fee_usd_per_shipment"
        rng = stream(seed, replication, "assumption", name)
        stated, spread = dock.fee_usd_per_shipment, dock.fee_usd_uncertainty
        low, high = max(0.0, stated - spread), stated + spread
        inputs[name] = AssumedInput(name, stated, low, high, rng.uniform(low, high))
        fees[dock.code] = inputs[name].drawn
    return DrawnAssumptions(transit, dwell, fees, inputs)


class LaneTable:
    """Which lane an order takes from an origin to a region, and its transit distribution."""

    def __init__(
        self,
        snapshot: NetworkSnapshot,
        params: LogisticsParams,
        transit_median: dict[str, float] | None = None,
    ) -> None:
        """`transit_median`: this replication's drawn medians of lanes no calibration
        supports (default: master data's)."""
        override = {t.lane: t for t in params.lane_transit}
        drawn = transit_median or {}
        self.lanes: dict[str, LaneInfo] = {lane.code: lane for lane in snapshot.lanes}
        self.transit = {
            code: (
                (override[code].transit_hours_median, override[code].transit_hours_sigma)
                if code in override
                else (drawn.get(code, lane.transit_hours_median), lane.transit_hours_sigma)
            )
            for code, lane in self.lanes.items()
        }
        self.ground: dict[tuple[str, str], LaneInfo] = {}
        self.expedited: dict[tuple[str, str], LaneInfo] = {}
        by_route: dict[tuple[str, str], list[LaneInfo]] = {}
        for lane in snapshot.lanes:
            by_route.setdefault((lane.origin, lane.destination), []).append(lane)
        for route, lanes in by_route.items():
            wanted = params.primary_carrier.get(f"{route[0]}>{route[1]}")
            ground = [lane for lane in lanes if lane.mode == "ground"] or lanes
            chosen = [lane for lane in lanes if lane.carrier == wanted]
            self.ground[route] = (
                chosen or sorted(ground, key=lambda lane: lane.cost_usd_per_shipment)
            )[0]
            fast = [lane for lane in lanes if lane.mode == "expedited"]
            if fast:
                self.expedited[route] = min(fast, key=lambda lane: self.transit[lane.code][0])

    def lane_for(self, origin: str, region: str, hours_left: float, expedite: bool) -> LaneInfo:
        route = (origin, region)
        lane = self.ground[route]
        if expedite and hours_left < self.transit[lane.code][0] and route in self.expedited:
            return self.expedited[route]
        return lane

    def draw_transit(self, lane_code: str, rng: random.Random) -> float:
        median, sigma = self.transit[lane_code]
        return lognormal(rng, median, sigma)


def pickup_times(
    params: LogisticsParams, *, start_hour_of_week: float, horizon_h: float
) -> list[tuple[float, frozenset[str]]]:
    """Every pick-up moment in the horizon, with the carriers collecting then."""
    moments: dict[float, set[str]] = {}
    first_day = int(start_hour_of_week // 24)
    for day in range(first_day, int((start_hour_of_week + horizon_h) // 24) + 1):
        for pickup in params.pickups:
            for hour in pickup.hours_of_day:
                at = day * 24 + hour - start_hour_of_week
                if 0 < at <= horizon_h:
                    moments.setdefault(at, set()).add(pickup.carrier)
    return [(at, frozenset(moments[at])) for at in sorted(moments)]
