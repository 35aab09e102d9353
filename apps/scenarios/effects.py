"""What a scenario's interventions change, judged on the frozen inputs before any replication:
the interventions that change nothing the model runs on, and the inputs the changed part
rests on that calibration has not fitted (master data's plan, or a default assumption).

Plain dataclasses in and out, no Django: the comparison's frozen snapshot and parameters
are all it reads. The results page shows both beside the scenario, so a planner reading a
difference knows whether it comes from the log or from an assumption.
"""

from dataclasses import dataclass, fields, replace

from apps.simulation.interventions import (
    ChangeCarrier,
    ChangeHeadcount,
    ChangeReorderPolicy,
    Overtime,
    RouteViaCrossDock,
    ScenarioPlan,
    ShiftVolume,
    validate_intervention,
)
from apps.simulation.labour import LabourParams
from apps.simulation.logistics import LaneTable
from apps.simulation.parameters import ModelParameters
from apps.simulation.snapshot import NetworkSnapshot

# The labour sub-model's defaults for SKUs new to a DC: calibration fits the time factor
# only where the log shows enough first picks, and never the error rate (no event says
# which picks of a new SKU went wrong until the complaint), so a value still equal to its
# default is an assumption.
_LABOUR_DEFAULTS = {f.name: f.default for f in fields(LabourParams)}


@dataclass(frozen=True)
class ScenarioEffects:
    # One sentence per intervention that changes nothing the model runs on.
    no_ops: tuple[str, ...]
    # One sentence per input the scenario's changes rest on that no calibration fitted.
    assumptions: tuple[str, ...]
    # Every intervention (or the lack of any) leaves the inputs as the baseline's.
    changes_nothing: bool


def _routing(plan: ScenarioPlan) -> dict[tuple[str, str], str]:
    """The lane each route ships on: a carrier named as primary that is already the route's
    cheapest ground lane changes nothing, though the parameters then differ."""
    table = LaneTable(plan.snapshot, plan.parameters.logistics)
    return {route: lane.code for route, lane in table.ground.items()}


def _held(value):
    """A container of the plan as it holds now: its lists and dicts copied, one level at a
    time, down to the frozen values they hold (volume moves, transfers, routes, names). A
    deep copy of the same was nine tenths of judging the twin's 16 suggested rebalances."""
    if isinstance(value, list | tuple):
        return tuple(_held(item) for item in value)
    if isinstance(value, dict):
        return {key: _held(item) for key, item in value.items()}
    if isinstance(value, set):
        return frozenset(value)
    return value


def _state(plan: ScenarioPlan) -> tuple:
    """The plan as the model sees it: reorder policies as a set (the order they were
    written in means nothing), the primary carriers as the lanes they resolve to, and every
    other field of the plan as it is (copied: applying an intervention appends to them)."""
    parameters = plan.parameters
    policies = tuple(sorted(set(parameters.supply.policies), key=lambda p: (p.dc, p.sku)))
    seen = replace(
        parameters,
        supply=replace(parameters.supply, policies=policies),
        logistics=replace(parameters.logistics, primary_carrier={}),
    )
    rest = {f.name: _held(getattr(plan, f.name)) for f in fields(plan)}
    del rest["snapshot"], rest["parameters"]
    return plan.snapshot, seen, _routing(plan), rest


def _why_nothing(intervention, before: ScenarioPlan) -> str:
    """Why an intervention left the plan as it was, as precisely as its kind allows."""
    match intervention:
        case ChangeHeadcount(delta=0):
            return "it adds and removes no one"
        case ChangeCarrier(carrier=carrier):
            return f"that route already ships with {carrier}"
        case Overtime(dc=dc, hours_per_day=hours):
            return f"{dc} already works {hours:g} h of overtime a day"
        case ShiftVolume(from_dc=dc) if not any(r.home_dc == dc for r in before.snapshot.regions):
            return f"{dc} serves no region, so it has no orders to move"
        case ChangeReorderPolicy(dc=dc):
            return f"those SKUs already reorder that way at {dc}"
    return "an earlier intervention of the scenario already does the same"


def _no_ops(
    snapshot: NetworkSnapshot, parameters: ModelParameters, interventions
) -> tuple[dict[int, str], ScenarioPlan]:
    """Apply the interventions in order as plan_scenario does; {index: why it is a no-op}."""
    plan = ScenarioPlan(snapshot=snapshot, parameters=parameters)
    no_ops = {}
    state = _state(plan)  # the plan after one intervention is the plan before the next
    for index, intervention in enumerate(interventions):
        validate_intervention(intervention, plan.snapshot, plan.parameters, index)
        before_plan = ScenarioPlan(**{f.name: getattr(plan, f.name) for f in fields(plan)})
        intervention.apply(plan)
        before, state = state, _state(plan)
        if state == before:
            why = _why_nothing(intervention, before_plan)
            no_ops[index] = f"{intervention.describe()}: changes nothing, {why}."
    return no_ops, plan


def _lanes_used(intervention, plan: ScenarioPlan, routing: dict) -> list[str]:
    """The lanes the flows an intervention creates or re-routes ship on, in the plan."""
    snapshot = plan.snapshot
    routes: list[tuple[str, str]] = []
    match intervention:
        case ShiftVolume(from_dc=from_dc, to_dc=to_dc, regions=regions):
            served = regions or tuple(r.code for r in snapshot.regions if r.home_dc == from_dc)
            routes = [(to_dc, region) for region in served]
        case RouteViaCrossDock(regions=regions, cross_dock=code):
            hub = next(xd.region for xd in snapshot.cross_docks if xd.code == code)
            routes = [(dc, hub) for dc in snapshot.dc_codes]
            routes += [(code, region) for region in regions]
        case ChangeCarrier(lane=code):
            lane = next(lane for lane in snapshot.lanes if lane.code == code)
            routes = [(lane.origin, lane.destination)]
    return [routing[route] for route in routes if route in routing]


def _skus_new_to(dc: str, regions: tuple[str, ...], plan: ScenarioPlan) -> list[str]:
    """The SKUs the moved regions buy that `dc` has never picked (none when the snapshot
    does not say what a DC has picked: the model then treats every SKU as known)."""
    info = next(d for d in plan.snapshot.dcs if d.code == dc)
    if not info.handled_skus:
        return []
    demand = plan.parameters.demand
    bought = {
        sku
        for region in regions
        for sku, weight in demand.sku_weights_by_region.get(region, demand.sku_weights).items()
        if weight > 0
    }
    return sorted(bought - set(info.handled_skus))


def _new_sku_assumptions(shift: ShiftVolume, plan: ScenarioPlan) -> list[str]:
    regions = shift.regions or tuple(
        r.code for r in plan.snapshot.regions if r.home_dc == shift.from_dc
    )
    new = _skus_new_to(shift.to_dc, regions, plan)
    if not new:
        return []
    labour = plan.parameters.labour
    said = [
        f"{shift.to_dc} picks {len(new)} SKUs new to it: the error rate on SKUs new to a DC "
        f"({labour.new_sku_error_rate:.1%}) is an assumption calibration does not fit"
    ]
    if labour.new_sku_time_factor == _LABOUR_DEFAULTS["new_sku_time_factor"]:
        said[0] += (
            f", and their pick time (×{labour.new_sku_time_factor:g} a known SKU's) is the "
            "default, not fitted"
        )
    # Calibration learns a reorder policy only where it saw purchase orders, so a DC has none
    # for the SKUs it never handled: what it holds of them is all it will have.
    replenished = {p.sku for p in plan.parameters.supply.policies if p.dc == shift.to_dc}
    stock = plan.snapshot.stock
    held = {p.sku for p in stock if p.dc == shift.to_dc and p.on_hand + p.on_order > 0}
    held |= {t.sku for t in plan.transfers if t.to_dc == shift.to_dc}
    bare = [sku for sku in new if sku not in replenished and sku not in held]
    finite = [sku for sku in new if sku not in replenished and sku in held]
    if bare:
        said.append(
            f"{shift.to_dc} has no stock, transfer or reorder policy for {len(bare)} of those "
            "SKUs: orders for them cannot be picked there, and nothing in the scenario brings any"
        )
    if finite:
        said.append(
            f"{shift.to_dc} has no reorder policy for {len(finite)} of those SKUs: once the "
            "stock it holds of them runs out, nothing replenishes it"
        )
    return said


def _cross_dock_assumption(route: RouteViaCrossDock, plan: ScenarioPlan) -> str:
    dock = next(xd for xd in plan.snapshot.cross_docks if xd.code == route.cross_dock)
    fee = plan.parameters.finance.cross_dock_fee_usd_per_shipment.get(
        dock.code, dock.fee_usd_per_shipment
    )
    return (
        f"Cross-dock {dock.code}'s dwell ({dock.dwell_hours_median:g} h) and fee "
        f"(${fee:,.2f} a shipment) are master data: calibration does not fit them"
    )


def _assumptions(interventions, plan: ScenarioPlan) -> list[str]:
    """What the scenario's changes rest on that the log has not confirmed, in the order of
    the interventions that rely on it, each said once."""
    fitted = {t.lane for t in plan.parameters.logistics.lane_transit}
    routing = _routing(plan)
    said: list[str] = []
    unobserved: list[str] = []
    for intervention in interventions:
        for lane in _lanes_used(intervention, plan, routing):
            if lane not in fitted and lane not in unobserved:
                unobserved.append(lane)
        if isinstance(intervention, ShiftVolume):
            said += _new_sku_assumptions(intervention, plan)
        if isinstance(intervention, RouteViaCrossDock):
            said.append(_cross_dock_assumption(intervention, plan))
    if unobserved:
        lanes = ", ".join(unobserved)
        said.insert(
            0,
            f"Transit on {lanes} is master data's plan: "
            f"{'that lane has' if len(unobserved) == 1 else 'those lanes have'} "
            "no delivery in the calibrated log",
        )
    return list(dict.fromkeys(said))


def scenario_effects(
    snapshot: NetworkSnapshot, parameters: ModelParameters, interventions
) -> ScenarioEffects:
    """The no-op interventions of a scenario and the unfitted inputs its changes rest on.
    An intervention changes nothing when the plan the model runs on is the same after it
    as before it (so a shift of a DC serving no region, a carrier the route already uses,
    a headcount change of 0 or overtime already worked are caught, and so is a carrier,
    overtime or reorder change made twice)."""
    interventions = list(interventions)
    no_ops, plan = _no_ops(snapshot, parameters, interventions)
    changing = [i for index, i in enumerate(interventions) if index not in no_ops]
    return ScenarioEffects(
        no_ops=tuple(no_ops.values()),
        assumptions=tuple(_assumptions(changing, plan)) if changing else (),
        changes_nothing=len(no_ops) == len(interventions),
    )


@dataclass(frozen=True)
class DraftStatus:
    """What the builder says under a scenario before it runs: whether it changes nothing
    at all, and which of its interventions change nothing (the run is allowed either way)."""

    changes_nothing: str  # a sentence when the scenario as a whole changes nothing, else ""
    no_ops: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.changes_nothing or self.no_ops)


def draft_status(
    snapshot: NetworkSnapshot, parameters: ModelParameters, interventions
) -> DraftStatus:
    """The results page's judgement (scenario_effects) on a draft's scenario, on the network
    as it is now: the same sentences a planner will read beside the results, before the run."""
    interventions = list(interventions)
    if not interventions:
        return DraftStatus(
            "This scenario changes nothing yet: with no intervention it runs as the baseline "
            "does. It can still run.",
            (),
        )
    effects = scenario_effects(snapshot, parameters, interventions)
    whole = ""
    if effects.changes_nothing:
        whole = (
            "This scenario changes nothing: every intervention leaves the network as the "
            "baseline has it, so it will run as the baseline does. It can still run."
        )
    return DraftStatus(whole, effects.no_ops)


def otif_coverage(
    sla_hours_by_tier: dict[str, float], *, horizon_hours: float, warmup_hours: float
) -> str:
    """What a run's OTIF can judge, in a sentence when it leaves whole promise tiers out; "".

    OTIF counts the orders due in the measured span that the run placed (kpis.OtifCount): an
    order promised in s hours is due after s hours at the earliest, so a tier whose promise
    is as long as the horizon or longer has no order in the figure at all, and the figure
    speaks for the faster promises alone."""
    judged = sorted((h, t) for t, h in sla_hours_by_tier.items() if h < horizon_hours)
    left_out = sorted((h, t) for t, h in sla_hours_by_tier.items() if h >= horizon_hours)
    if not left_out:
        return ""

    def tiers(items, last: str = "and") -> str:
        named = [f"{tier} ({hours:g} h)" for hours, tier in items]
        return f" {last} ".join([", ".join(named[:-1]), named[-1]]) if len(named) > 1 else named[0]

    span = f"{horizon_hours - warmup_hours:g} h after a {warmup_hours:g} h warm-up"
    longest = max(hours for hours, _ in left_out)
    if not judged:
        return (
            f"OTIF judges no order here: over {span}, no order the run places falls due "
            f"before it ends (promises: {tiers(left_out)}). A horizon longer than {longest:g} h "
            "would judge every tier."
        )
    return (
        f"OTIF here judges the {tiers(judged)} orders only: over {span}, no "
        f"{tiers(left_out, 'or')} order the run places falls due before it ends. "
        f"A horizon longer than {longest:g} h would judge every tier."
    )
