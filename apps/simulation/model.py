"""The network model: orders flow region → DC → stock → pick → pack → carrier → customer.

Long-lived salabim components do the work (order arrivals per region; pickers, packers,
a shift clock, receiving and a dock per DC; an hourly observer); orders are plain records
in their queues. Each sub-model's rules live in its own module; this one wires them.
"""

import gc
from functools import partial

from apps.simulation import finance, kpis
from apps.simulation.actors import Actor, environment
from apps.simulation.crews import Crew
from apps.simulation.demand import OrderContent
from apps.simulation.interventions import ScenarioPlan, plan_scenario
from apps.simulation.labour import (
    DcLabour,
    PackTimes,
    PickTimes,
    crew_timeline,
    loader_hours,
)
from apps.simulation.logistics import LaneTable, draw_assumptions, pickup_times
from apps.simulation.opening import load_open_orders, load_stock, start_transfers
from apps.simulation.outbound import Outbound
from apps.simulation.parameters import ModelParameters
from apps.simulation.processes import Dock, Observer, OrderArrivals, Receiving, ShiftClock
from apps.simulation.report import crew_by_hour, replication_result
from apps.simulation.results import ReplicationResult
from apps.simulation.runtime import DcRuntime, Order
from apps.simulation.snapshot import NetworkSnapshot
from apps.simulation.streams import stream
from apps.simulation.supply import Inventory


class NetworkModel:
    def __init__(
        self,
        plan: ScenarioPlan,
        *,
        replication: int,
        seed: int,
        horizon_hours: float,
        warmup_hours: float = 0.0,
    ) -> None:
        self.plan = plan
        self.snapshot: NetworkSnapshot = plan.snapshot
        self.params: ModelParameters = plan.parameters
        self.replication = replication
        self.seed = seed
        self.horizon = float(horizon_hours)
        self.warmup = float(warmup_hours)
        self.env = environment(seed=seed)
        self._read_inputs()
        self._start_counters()
        self.outbound = Outbound(
            params=self.params,
            lanes=self.lanes,
            cross_docks=self.cross_docks,
            cross_dock_routes=plan.cross_dock_routes,
            dwell_median=self.assumed.dwell_median,
            fee_usd=self.assumed.fee_usd,
            costs=self.costs,
            otif_count=self.otif_count,
            seed=seed,
            replication=replication,
            region_codes=self.snapshot.region_codes,
            warmup_h=self.warmup,
            horizon_h=self.horizon,
        )
        self.actors: list[Actor] = []
        self.routing_rng = {
            region: stream(seed, replication, "routing", region) for region in plan.volume_moves
        }
        self.dcs = {code: self._build_dc(code) for code in self.snapshot.dc_codes}
        load_stock(self)
        load_open_orders(self)
        start_transfers(self)
        for region, rates in sorted(self.params.demand.orders_per_hour.items()):
            self.actors.append(OrderArrivals(env=self.env, model=self, region=region, rates=rates))
        self.actors.append(Observer(env=self.env, model=self))

    # ---- set-up -------------------------------------------------------------------------
    def _read_inputs(self) -> None:
        """Master data as lists indexed by SKU position, lanes, and the order content."""
        snapshot, seed, replication = self.snapshot, self.seed, self.replication
        self.sku_codes = list(snapshot.sku_codes)
        self.sku_index = {code: i for i, code in enumerate(self.sku_codes)}
        self.sku_weight = [s.weight_kg for s in snapshot.skus]
        self.sku_price = [s.unit_price_usd for s in snapshot.skus]
        self.sku_family = [s.family for s in snapshot.skus]
        self.home_dc = {r.code: r.home_dc for r in snapshot.regions}
        self.cross_docks = {xd.code: xd for xd in snapshot.cross_docks}
        # Master-data inputs with a stated uncertainty: this replication's values.
        self.assumed = draw_assumptions(
            snapshot,
            self.params.logistics,
            calibrated_fees=self.params.finance.cross_dock_fee_usd_per_shipment,
            seed=seed,
            replication=replication,
        )
        self.lanes = LaneTable(
            snapshot, self.params.logistics, transit_median=self.assumed.transit_median
        )
        self.sla_hours = self.params.customer.sla_hours_by_tier
        self.content = {
            region: OrderContent(self.params.demand, self.sku_index, region)
            for region in snapshot.region_codes
        }

    def _start_counters(self) -> None:
        self.created = self.lost = 0
        self.backorders_made = 0
        self.measured_created = 0
        self.lost_measured = 0
        self.lost_sales_usd = 0.0
        self.lines_ordered = self.lines_available = 0
        self.delivered_by_now = 0
        # OTIF's orders: those due in the measured span, and of them the ones delivered on
        # time, in full, without a pick error (kpis.otif). Only orders created in the run
        # count: of the orders placed before it, the snapshot holds the open ones only, not
        # those already delivered, and counting them would bias OTIF towards failures.
        self.otif_count = kpis.OtifCount(start=self.warmup, end=self.horizon)
        self.costs = finance.CostLedger()
        self.in_system_samples: list[int] = []
        # (hour, DC, its backlog) as each hour closes; the hour's utilisation is added when
        # the run reports, once the work begun in it and finished after it is recorded.
        self.hourly_backlog: list[tuple[int, DcRuntime, int]] = []

    def _build_dc(self, code: str) -> DcRuntime:
        dc = DcRuntime(code)
        info = self.snapshot.dc(code)
        labour = self.params.labour.for_dc(code)
        self._staff(dc, labour, equipment_cap=int(info.pick_stations * info.equipment_up_share))
        handled = set(info.handled_skus) if info.handled_skus else set(self.sku_codes)
        dc.pick_times = PickTimes(
            labour=labour,
            params=self.params.labour,
            known=[sku in handled for sku in self.sku_codes],
            rng=stream(self.seed, self.replication, "labour.pick", code),
        )
        dc.pack_times = PackTimes(
            labour=labour, rng=stream(self.seed, self.replication, "labour.pack", code)
        )
        self._build_crews(dc)
        dc.inventory = Inventory(
            sku_count=len(self.sku_codes),
            families=self.sku_family,
            params=self.params.supply,
            rng=stream(self.seed, self.replication, "supply.lead_time", code),
        )
        self.actors += dc.pick.workers + dc.pack.workers
        self.actors.append(ShiftClock(env=self.env, dc=dc))
        self.actors.append(Receiving(env=self.env, model=self, dc=dc))
        dock = Dock(
            env=self.env,
            model=self,
            dc=dc,
            moments=pickup_times(
                self.params.logistics,
                start_hour_of_week=self.snapshot.start_hour_of_week,
                horizon_h=self.horizon,
            ),
        )
        self.actors.append(dock)
        return dc

    def _staff(self, dc: DcRuntime, labour: DcLabour, *, equipment_cap: int) -> None:
        """The DC's crews over the horizon, and the hours they clock in the measured span."""
        timeline, clocked, overtime = crew_timeline(
            labour,
            start_hour_of_week=self.snapshot.start_hour_of_week,
            horizon_h=self.horizon,
            equipment_cap=equipment_cap,
        )
        _, warm_clocked, warm_overtime = crew_timeline(
            labour,
            start_hour_of_week=self.snapshot.start_hour_of_week,
            horizon_h=self.warmup,
            equipment_cap=equipment_cap,
        )
        dc.clocked_h = clocked - (warm_clocked if self.warmup else 0.0)
        week_hour = self.snapshot.start_hour_of_week
        dc.loader_h = loader_hours(labour, start_hour_of_week=week_hour, horizon_h=self.horizon)
        if self.warmup:
            dc.loader_h -= loader_hours(labour, start_hour_of_week=week_hour, horizon_h=self.warmup)
        dc.overtime_h = overtime - (warm_overtime if self.warmup else 0.0)
        dc.timeline = timeline

    def _build_crews(self, dc: DcRuntime) -> None:
        timeline = dc.timeline
        max_pickers = max((c.pickers for c in timeline), default=0)
        max_packers = max((c.packers for c in timeline), default=0)
        dc.pick = Crew(
            env=self.env,
            size=max_pickers,
            duration_of=partial(self._pick_hours, dc),
            on_start=partial(self._pick_started, dc),
            on_done=partial(self._picked, dc),
            warmup_h=self.warmup,
            horizon_h=self.horizon,
        )
        dc.pack = Crew(
            env=self.env,
            size=max_packers,
            duration_of=partial(self._pack_hours, dc),
            on_start=None,
            on_done=partial(self.outbound.stage, dc),
            warmup_h=self.warmup,
            horizon_h=self.horizon,
        )

    # ---- the order's path -----------------------------------------------------------------
    def new_order(self, region: str, now: float, tier: str, lines: list) -> Order:
        measured = now >= self.warmup
        order = Order(region, now, now + self.sla_hours[tier], lines, measured)
        self.created += 1
        if now >= 0.0:
            self.otif_count.order_created(due=order.due)
        if measured:
            self.measured_created += 1
        return order

    def order_arrives(self, region: str, now: float, rng) -> None:
        tier, lines = self.content[region].draw(rng)
        order = self.new_order(region, now, tier, lines)
        order.dc = self._assign_dc(order)
        dc = self.dcs[order.dc]
        dc.in_dc += 1
        inventory = dc.inventory
        # One pass over the lines for weight, value and availability: the hottest loop.
        on_hand, sku_weight, sku_price = inventory.on_hand, self.sku_weight, self.sku_price
        weight = value = 0.0
        available = 0
        for sku, qty in lines:
            weight += qty * sku_weight[sku]
            value += qty * sku_price[sku]
            available += on_hand[sku] >= qty
        order.weight, order.value = weight, value
        if order.measured:
            self.lines_ordered += len(lines)
            self.lines_available += available
        if available == len(lines):
            inventory.take(lines, now)
            order.released = now
            dc.pick.enqueue(order, now)
        else:
            if order.measured:
                dc.stocked_out.update(sku for sku, qty in lines if on_hand[sku] < qty)
            self.backorder(dc, order, now)

    def _assign_dc(self, order: Order) -> str:
        home = self.home_dc[order.region]
        moves = self.plan.volume_moves.get(order.region)
        if not moves:
            return home
        rng = self.routing_rng[order.region]
        for move in moves:
            if move.from_dc != home:
                continue
            draw = rng.random()
            if move.families:
                family = self.sku_family
                in_scope = sum(1 for sku, _ in order.lines if family[sku] in move.families)
                if 2 * in_scope <= len(order.lines):
                    continue
            if draw < move.share:
                return move.to_dc
        return home

    def backorder(self, dc: DcRuntime, order: Order, now: float) -> None:
        self.backorders_made += 1
        dc.backorder(order, now, number=self.backorders_made)

    def retry_backorders(self, dc: DcRuntime, now: float) -> None:
        """Pick the backorders stock now fills; lose those out of patience."""
        released, lost = dc.retry_backorders(now, self.params.customer.backorder_patience_hours)
        for order in released:
            dc.pick.enqueue(order, now)
        for order in lost:
            self._lose(dc, order, now)

    def _lose(self, dc: DcRuntime, order: Order, now: float) -> None:
        self.lost += 1
        dc.lost += 1
        if order.measured:
            self.lost_measured += 1
            # A lost order leaves the system too: its wait counts towards time in system.
            self.outbound.hours_in_system.append(now - order.created)
            self.lost_sales_usd += order.value

    def _pick_hours(self, dc: DcRuntime, order: Order) -> float:
        hours, errors = dc.pick_times.draw(order.lines)
        order.errors = errors
        if order.measured:
            dc.lines_picked += len(order.lines)
            dc.errors += errors
        return hours

    def _pick_started(self, dc: DcRuntime, order: Order, now: float) -> None:
        order.pick_start = now
        if order.measured:
            dc.pick_wait_sum += now - order.released
            dc.pick_wait_count += 1

    def _picked(self, dc: DcRuntime, order: Order, now: float) -> None:
        dc.pack.enqueue(order, now)

    def _pack_hours(self, dc: DcRuntime, order: Order) -> float:
        return dc.pack_times.draw()

    # ---- observation ------------------------------------------------------------------------
    def observe(self, hour: int) -> None:
        """Close hour `hour - 1`: utilisation and backlog per DC, orders in the system."""
        # Deliveries are known when orders ship, before this hour ends: count those due by now.
        self.delivered_by_now += self.outbound.deliveries_by_hour[hour - 1]
        if hour - 1 < self.warmup:
            return
        in_system = self.created - self.delivered_by_now - self.lost
        self.in_system_samples.append(in_system)
        for dc in self.dcs.values():
            self.hourly_backlog.append((hour - 1, dc, dc.in_dc))

    # ---- run and report ------------------------------------------------------------------
    def run(self) -> ReplicationResult:
        for dc in self.dcs.values():
            dc.crew_by_hour = crew_by_hour(dc.timeline, self.horizon)
        # A run makes tens of thousands of short-lived records and no garbage cycles that
        # reference counting would not free: the cyclic collector, which would walk them
        # again and again, pauses for the run (about 7% of a replication) and resumes after.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.env.run(till=self.horizon)
        finally:
            if collecting:
                gc.enable()
        return replication_result(self)

    def events(self) -> int:
        """Events the run scheduled after its start: arrivals, tasks ended, shift changes,
        pick-ups and hourly ticks."""
        return sum(actor.wakes for actor in self.actors)


def run_replication(
    snapshot: NetworkSnapshot,
    parameters: ModelParameters,
    interventions=(),
    *,
    replication: int,
    seed: int,
    horizon_hours: float,
    warmup_hours: float = 0.0,
) -> ReplicationResult:
    """Validate the inputs, apply the interventions, and simulate one replication."""
    parameters.validate(snapshot)
    plan = plan_scenario(snapshot, parameters, interventions)
    plan.parameters.validate(plan.snapshot)
    model = NetworkModel(
        plan,
        replication=replication,
        seed=seed,
        horizon_hours=horizon_hours,
        warmup_hours=warmup_hours,
    )
    return model.run()
