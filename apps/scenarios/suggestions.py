"""Rebalance candidates the twin builds itself for the most imbalanced pair of DCs, each with
the figures that explain why it was generated."""

import math
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.live.network_selectors import Imbalance, imbalance
from apps.live.selectors import dc_state_list
from apps.scenarios.models import Comparison
from apps.scenarios.run_selectors import NetworkNow, network_now
from apps.scenarios.services import comparison_create
from apps.scenarios.specs import ScenarioInputError
from apps.scenarios.submission import comparison_submit
from apps.simulation.errors import SimulationInputError
from apps.simulation.interventions import MovedStock, RouteViaCrossDock, ShiftVolume
from apps.simulation.labour import DcLabour
from apps.simulation.supply import COVER_DAYS, SAFETY_DAYS

SHARES = (0.1, 0.2, 0.3, 0.4)
# Every suggested shift takes its stock along: reorder policies at the receiving DC and the
# moved share of the sending DC's stock at once, so that it does not lose the moved orders
# while its first purchase orders are on the way (issue 18: SE had no policy for the 84 SKUs
# it never handled and lost ~1,700 orders in 14 days).
SUGGESTED_STOCK = "policies_and_transfer"
# Below this gap in labour utilisation (points, over 24 h) moving volume is not worth it.
MIN_GAP_POINTS = 5.0


@dataclass(frozen=True)
class Candidate:
    name: str
    reason: str
    interventions: tuple[dict, ...]


def _mean(pmf: tuple[float, ...]) -> float:
    return sum(i * p for i, p in enumerate(pmf)) / sum(pmf)


def _shift_hours_per_day(labour: DcLabour) -> float:
    """Hours of shift a day, over the week: adding one person to every shift adds this many
    person-hours a day."""
    return sum(s.hours * s.weekdays.count("1") for s in labour.shifts) / 7


def _pick_capacity_lines_per_day(labour: DcLabour) -> float:
    person_hours = sum(s.hours * s.pickers * s.weekdays.count("1") for s in labour.shifts) / 7
    return person_hours * labour.pick_lines_per_hour


def _transit_h(now: NetworkNow, origin: str, destination: str) -> float | None:
    medians = [
        lane.transit_hours_median
        for lane in now.snapshot.lanes
        if lane.origin == origin and lane.destination == destination
    ]
    return min(medians) if medians else None


def _cross_dock(now: NetworkNow, regions: tuple[str, ...], to_dc: str) -> tuple[str, str] | None:
    """The first cross-dock that can take the moved regions' orders, with the transit it
    gives against shipping direct from the receiving DC."""
    for xd in now.snapshot.cross_docks:
        try:
            RouteViaCrossDock(regions, xd.code, from_dcs=(to_dc,)).validate(now.snapshot)
        except SimulationInputError:
            continue
        legs = []
        for region in regions:
            direct = _transit_h(now, to_dc, region)
            first, last = _transit_h(now, to_dc, xd.region), _transit_h(now, xd.code, region)
            via = first + xd.dwell_hours_median + last
            direct_text = f"{direct:.0f} h direct" if direct is not None else "no direct lane"
            legs.append(
                f"{to_dc}→{region} {direct_text} against {via:.0f} h through {xd.code} "
                f"({first:.0f} h to {xd.region}, {xd.dwell_hours_median:.0f} h dwell, "
                f"{last:.0f} h on)"
            )
        return xd.code, "; ".join(legs)
    return None


def _stock_sentence(moved: list[MovedStock], *, hot: str, cool: str, had: set[str]) -> str:
    """What the shift does with the moved SKUs' stock, in numbers."""
    units = sum(m.daily_units for m in moved)
    new = sum(m.sku not in had for m in moved)
    transferred = sum(m.transfer_units for m in moved)
    return (
        f"Stock goes with the orders: {cool} takes reorder policies for the {len(moved)} SKUs "
        f"moved ({new} of which it has none for today), sized to the moved {units:,.0f} units "
        f"a day (reorder point: the supplier lead time plus {SAFETY_DAYS:g} days of it; order "
        f"quantity: {COVER_DAYS:g} days of it), and {hot} sends it {transferred:,} units at "
        f"once, the moved share of its stock."
    )


def _context_sentence(gap: Imbalance) -> str:
    return (
        f"{gap.hot} ran at {gap.hot_utilisation:.0%} labour utilisation over the last 24 h "
        f"and {gap.cool} at {gap.cool_utilisation:.0%}: the widest gap in the network "
        f"({gap.gap_points:.0f} points)."
    )


def _shift_volume(hot: str, cool: str, share: float, regions: tuple[str, ...]) -> dict:
    return {
        "kind": "ShiftVolume",
        "from_dc": hot,
        "to_dc": cool,
        "share": share,
        "regions": list(regions),
        "stock": SUGGESTED_STOCK,
    }


def _via_cross_dock(regions: tuple[str, ...], cross_dock: str, cool: str) -> dict:
    # The moved orders only: the sending DC's own stay direct.
    return {
        "kind": "RouteViaCrossDock",
        "regions": list(regions),
        "cross_dock": cross_dock,
        "from_dcs": [cool],
    }


def _temporary_labour(cool: str, labour: DcLabour, pickers: int, packers: int) -> list[dict]:
    """Extra pickers and packers on each of the receiving DC's shifts."""
    return [
        {"kind": "ChangeHeadcount", "dc": cool, "role": role, "delta": extra, "shift": s.name}
        for s in labour.shifts
        for role, extra in (("pickers", pickers), ("packers", packers))
        if extra
    ]


def _temporary_sentence(
    cool: str, labour: DcLabour, people: tuple[int, int], moved: tuple[float, float]
) -> str:
    (pickers, packers), (moved_lines, moved_orders) = people, moved
    return (
        f"Temporary labour at {cool}: pickers +{pickers} and packers +{packers} "
        f"on each shift, sized to the moved {moved_lines:.0f} lines and "
        f"{moved_orders:.0f} orders a day at {cool}'s "
        f"{labour.pick_lines_per_hour:.1f} lines/h and "
        f"{labour.pack_orders_per_hour:.1f} orders/h a person."
    )


def _workload_sentence(gap: Imbalance, share: float, cool_after: float) -> str:
    return (
        f"On workload alone {gap.hot} would fall to about "
        f"{gap.hot_utilisation * (1 - share):.0%} and {gap.cool} rise to about "
        f"{cool_after:.0%}; the simulation adds transit, new SKUs, cost and service."
    )


def rebalance_candidates(gap: Imbalance, now: NetworkNow) -> list[Candidate]:
    """Shift 10–40% of the hot DC's volume to the cool one with its stock (SUGGESTED_STOCK),
    each with and without the cross-dock for the moved regions and with and without
    temporary labour there sized to the moved workload."""
    hot, cool = gap.hot, gap.cool
    regions = tuple(r.code for r in now.snapshot.regions if r.home_dc == hot)
    if not regions:
        raise ScenarioInputError("imbalance", f"{hot} is the home DC of no region: nothing to move")
    demand = now.parameters.demand
    orders_per_day = sum(sum(demand.orders_per_hour.get(r, ())) / 7 for r in regions)
    lines_per_order = _mean(demand.lines_per_order_pmf)
    cool_labour = now.parameters.labour.for_dc(cool)
    cool_capacity = _pick_capacity_lines_per_day(cool_labour)
    shift_hours = _shift_hours_per_day(cool_labour)
    cross_dock = _cross_dock(now, regions, cool)
    had = {p.sku for p in now.parameters.supply.policies if p.dc == cool}
    candidates = []
    for share in SHARES:
        moved_orders = share * orders_per_day
        moved_lines = moved_orders * lines_per_order
        pickers = math.ceil(moved_lines / (shift_hours * cool_labour.pick_lines_per_hour))
        packers = math.ceil(moved_orders / (shift_hours * cool_labour.pack_orders_per_hour))
        move = _shift_volume(hot, cool, share, regions)
        shift = ShiftVolume(hot, cool, share, regions, stock=SUGGESTED_STOCK)
        stock = _stock_sentence(
            shift.moved_stock(now.snapshot, now.parameters), hot=hot, cool=cool, had=had
        )
        base_name = f"{share:.0%} {hot}→{cool}"
        moving = (
            f"{_context_sentence(gap)} Moving {share:.0%} of {hot}'s orders (regions "
            f"{', '.join(regions)}: about {moved_orders:.0f} of {orders_per_day:.0f} "
            f"orders, {moved_lines:.0f} lines a day) to {cool}."
        )
        for via in (None, cross_dock) if cross_dock else (None,):
            for temporary in (False, True):
                interventions = [move]
                added_capacity = 0.0
                parts = [moving, stock]
                name = base_name
                if via:
                    interventions.append(_via_cross_dock(regions, via[0], cool))
                    parts.append(f"Through cross-dock {via[0]}: {via[1]}.")
                    name += f" + {via[0]}"
                if temporary:
                    interventions += _temporary_labour(cool, cool_labour, pickers, packers)
                    added_capacity = pickers * shift_hours * cool_labour.pick_lines_per_hour
                    parts.append(
                        _temporary_sentence(
                            cool, cool_labour, (pickers, packers), (moved_lines, moved_orders)
                        )
                    )
                    name += " + temp labour"
                cool_after = (gap.cool_utilisation * cool_capacity + moved_lines) / (
                    cool_capacity + added_capacity
                )
                parts.append(_workload_sentence(gap, share, cool_after))
                candidates.append(Candidate(name, " ".join(parts), tuple(interventions)))
    return candidates


def imbalance_sentence(gap: Imbalance) -> str:
    """The imbalance in one sentence, the same wherever the twin states it."""
    return (
        f"{gap.hot} at {gap.hot_utilisation:.0%} and {gap.cool} at {gap.cool_utilisation:.0%} "
        f"labour utilisation over the last 24 hours: a {gap.gap_points:.0f}-point gap."
    )


@transaction.atomic
def rebalance_suggest(
    *, user, horizon_days: float, replications: int, run_now: bool, queue: str | None = None
) -> Comparison:
    """Build the candidates for the most imbalanced pair of DCs as a comparison, and run it
    (on the Celery `queue`, the default one unless named) unless the planner wants to review
    it first."""
    gap = imbalance(dc_state_list())
    if gap is None:
        raise ScenarioInputError(
            "imbalance",
            "no two DCs have a measured utilisation over the last 24 hours yet: "
            "the twin needs clock-ins and picks from the WMS first",
        )
    if gap.gap_points < MIN_GAP_POINTS:
        raise ScenarioInputError(
            "imbalance",
            f"the DCs are balanced: {gap.hot} {gap.hot_utilisation:.0%} against {gap.cool} "
            f"{gap.cool_utilisation:.0%}, a gap under {MIN_GAP_POINTS:.0f} points",
        )
    now = network_now()
    candidates = rebalance_candidates(gap, now)
    comparison = comparison_create(
        spec={
            "name": f"Rebalance {gap.hot}→{gap.cool}, suggested {timezone.now():%Y-%m-%d %H:%M}",
            "note": f"Suggested by the twin: {imbalance_sentence(gap)}",
            "horizon_days": horizon_days,
            "replications": replications,
            "scenarios": [
                {"name": c.name, "note": c.reason, "interventions": list(c.interventions)}
                for c in candidates
            ],
        },
        user=user,
        # Machine-generated candidates, many of them clearly worse after a few replications:
        # raced, so the planner's answer does not wait for replications that cannot change it.
        screening=True,
    )
    if run_now:
        # Frozen on the network the candidates were built from: their notes' figures are
        # the run's inputs, and the live snapshot (every open order) is not read twice.
        comparison_submit(comparison, queue=queue, now=now)
    return comparison
