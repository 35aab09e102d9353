"""A finished run's report: the replication's KPIs per DC, lane, region and network, and
its hourly utilisation and backlog, read from the run's counters without changing them."""

from typing import TYPE_CHECKING

from apps.simulation import customer, finance, kpis
from apps.simulation.results import (
    AssumedInput,
    DcKpis,
    HourlyPoint,
    LaneKpis,
    NetworkKpis,
    RegionKpis,
    ReplicationResult,
)
from apps.simulation.runtime import DcRuntime

if TYPE_CHECKING:
    from apps.simulation.model import NetworkModel


# The KPI formulas are apps/simulation/kpis.py's; a result dataclass holds 0.0 where the
# span measured nothing.
def _mean(values) -> float:
    return kpis.mean(values) or 0.0


def _p95(values: list[float]) -> float:
    return kpis.p95(values) or 0.0


def _share(part: float, whole: float) -> float:
    return kpis.share(part, whole) or 0.0


def _hourly(model: "NetworkModel") -> tuple[HourlyPoint, ...]:
    # Read at the end: a task is recorded when it finishes, often after the hour it
    # began in has closed, and counting it then keeps the hours adding up to the span.
    return tuple(hourly_point(h, dc, backlog) for h, dc, backlog in model.hourly_backlog)


def replication_result(model: "NetworkModel") -> ReplicationResult:
    """The replication's KPIs. Reads the run's counters and changes none of them, so a
    second call reports the same costs (labour is added to a copy of the run's ledger)."""
    costs = finance.CostLedger()
    for component, amount in model.costs.as_dict().items():
        setattr(costs, component, amount)
    dcs = tuple(_dc_kpis(model, dc, costs) for dc in model.dcs.values())
    return ReplicationResult(
        replication=model.replication,
        seed=model.seed,
        horizon_hours=model.horizon,
        warmup_hours=model.warmup,
        events=model.events(),
        dcs=dcs,
        lanes=_lane_kpis(model),
        regions=_region_kpis(model),
        network=_network_kpis(model, dcs, costs),
        hourly=_hourly(model),
        assumptions=_assumptions_used(model),
    )


def _dc_kpis(model: "NetworkModel", dc: DcRuntime, costs: finance.CostLedger) -> DcKpis:
    """One DC's KPIs; its labour and overtime are booked to `costs`."""
    fin = model.params.finance
    span = model.horizon - model.warmup
    clocked = dc.clocked_h + dc.pick.spill_h + dc.pack.spill_h
    overtime = dc.overtime_h + dc.pick.spill_h + dc.pack.spill_h
    wage = fin.wage_usd_per_hour[dc.code]
    straight, extra = finance.labour_cost(
        clocked_h=clocked, overtime_h=overtime, wage=wage, premium=fin.overtime_premium
    )
    # Loaders are paid their shifts too (they leave on time: no overtime).
    costs.labour += straight + dc.loader_h * wage
    costs.overtime += extra
    pick_clocked, pack_clocked = _role_hours(dc.timeline, model.warmup, model.horizon)
    times = dc.pick_times
    utilisation = kpis.labour_utilisation
    return DcKpis(
        dc=dc.code,
        labour_utilisation=utilisation(busy=dc.pick.busy_h + dc.pack.busy_h, clocked=clocked)
        or 0.0,
        pick_utilisation=utilisation(busy=dc.pick.busy_h, clocked=pick_clocked + dc.pick.spill_h)
        or 0.0,
        pack_utilisation=utilisation(busy=dc.pack.busy_h, clocked=pack_clocked + dc.pack.spill_h)
        or 0.0,
        orders_shipped=dc.shipped,
        lines_picked=dc.lines_picked,
        throughput_lines_per_hour=_share(dc.lines_picked, span),
        end_backlog_orders=dc.in_dc,
        cycle_time_hours_mean=_mean(dc.cycle_times),
        cycle_time_hours_p95=_p95(dc.cycle_times),
        pick_wait_hours_mean=_share(dc.pick_wait_sum, dc.pick_wait_count),
        pick_accuracy=1.0 - _share(dc.errors, dc.lines_picked),
        clocked_hours=clocked,
        overtime_hours=overtime,
        new_sku_lines=times.new_lines,
        new_sku_error_rate=_share(times.new_errors, times.new_lines),
        known_sku_error_rate=_share(times.known_errors, times.known_lines),
        new_sku_time_factor_mean=_share(times.new_time_factor_sum, times.new_lines) or 1.0,
        new_skus_picked=times.new_skus_picked,
        orders_lost=dc.lost,
        stockouts=len(dc.stocked_out),
    )


def _lane_kpis(model: "NetworkModel") -> tuple[LaneKpis, ...]:
    return tuple(
        LaneKpis(
            lane=code,
            shipments=stats[0],
            orders=stats[1],
            kg=stats[2],
            transit_hours_mean=_mean(stats[3]),
            transit_hours_p95=_p95(stats[3]),
        )
        for code, stats in sorted(model.outbound.lane_stats.items())
    )


def _region_kpis(model: "NetworkModel") -> tuple[RegionKpis, ...]:
    return tuple(
        RegionKpis(
            region=code,
            orders_delivered=s[0],
            delivery_hours_mean=_share(s[1], s[0]),
            transit_hours_mean=_share(s[2], s[0]),
            on_time_rate=_share(s[3], s[0]),
        )
        for code, s in model.outbound.region_stats.items()
    )


def _network_kpis(
    model: "NetworkModel", dcs: tuple[DcKpis, ...], costs: finance.CostLedger
) -> NetworkKpis:
    outbound = model.outbound
    outcomes = outbound.outcomes
    delivered = outcomes["delivered"]
    shipped = sum(dc.orders_shipped for dc in dcs)
    by_component = costs.as_dict()
    per_order = kpis.cost_per_order_by_component(costs_usd=by_component, orders=shipped)
    return NetworkKpis(
        orders_created=model.created,
        orders_delivered=outbound.delivered_in_horizon,
        orders_in_transit=outbound.in_transit_at_end,
        orders_in_dcs=sum(dc.in_dc for dc in model.dcs.values()),
        orders_lost=model.lost,
        otif=model.otif_count.otif or 0.0,
        fill_rate=kpis.fill_rate(
            lines_available=model.lines_available, lines_ordered=model.lines_ordered
        )
        or 0.0,
        lost_sales_usd=model.lost_sales_usd,
        complaints=outbound.complaints,
        satisfaction_index=customer.satisfaction_index(
            model.params.customer,
            late_share=_share(outcomes["late"], delivered),
            error_share=_share(outcomes["errors"], delivered),
            complaint_share=_share(outbound.complaints, delivered),
        ),
        total_cost_usd=sum(by_component.values()),
        cost_per_order_usd=kpis.cost_per_order(costs_usd=by_component, orders=shipped) or 0.0,
        cost_by_component_usd=by_component,
        cost_per_order_by_component_usd={k: v or 0.0 for k, v in per_order.items()},
        throughput_orders_per_hour=_share(model.measured_created, model.horizon - model.warmup),
        mean_hours_in_system=_mean(outbound.hours_in_system),
        mean_orders_in_system=_mean(model.in_system_samples),
        stockouts=sum(dc.stockouts for dc in dcs),
    )


def _assumptions_used(model: "NetworkModel") -> tuple[AssumedInput, ...]:
    """The master-data assumptions this run leaned on: lanes that carried a shipment
    (in the measured span) and cross-docks that handled one."""
    used = [f"lane.{code}.transit_hours_median" for code in model.outbound.lane_stats]
    for dock in model.outbound.docks_used:
        used += [
            f"cross_dock.{dock}.dwell_hours_median",
            f"cross_dock.{dock}.fee_usd_per_shipment",
        ]
    inputs = model.assumed.inputs
    return tuple(inputs[name] for name in sorted(used) if name in inputs)


def hourly_point(hour: int, dc: DcRuntime, backlog: int) -> HourlyPoint:
    """An hour's utilisation: busy over clocked, where work finished after a shift is
    overtime clocked in the hour it was done, so the hour never passes 100%."""
    crew_h = dc.crew_by_hour[hour] if hour < len(dc.crew_by_hour) else 0.0
    crew_h += dc.pick.spill_by_hour[hour] + dc.pack.spill_by_hour[hour]
    busy = dc.pick.busy_by_hour[hour] + dc.pack.busy_by_hour[hour]
    utilisation = kpis.labour_utilisation(busy=busy, clocked=crew_h) or 0.0
    return HourlyPoint(hour, dc.code, round(utilisation, 6), backlog, round(crew_h, 4))


def crew_by_hour(timeline, horizon: float) -> list[float]:
    """Clocked labour-hours (pickers + packers) in each hour of the horizon."""
    hours = [0.0] * (int(horizon) + 1)
    for i, change in enumerate(timeline):
        end = timeline[i + 1].at_h if i + 1 < len(timeline) else horizon
        crew = change.pickers + change.packers
        t = change.at_h
        while t < end:
            boundary = min(float(int(t) + 1), end)
            hours[int(t)] += (boundary - t) * crew
            t = boundary
    return hours


def _role_hours(timeline, start: float, end: float) -> tuple[float, float]:
    pickers = packers = 0.0
    for i, change in enumerate(timeline):
        lo = max(change.at_h, start)
        hi = min(timeline[i + 1].at_h if i + 1 < len(timeline) else end, end)
        if hi > lo:
            pickers += (hi - lo) * change.pickers
            packers += (hi - lo) * change.packers
    return pickers, packers
