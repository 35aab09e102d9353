"""The network model: orders flow region → DC → stock → pick → pack → carrier → customer.

Long-lived salabim components do the work (order arrivals per region; pickers, packers,
a shift clock, receiving and a dock per DC; an hourly observer); orders are plain records
in their queues. Each sub-model's rules live in its own module; this one wires them.
"""

import heapq
from collections import defaultdict, deque
from functools import partial
from operator import attrgetter

import salabim as sim

from apps.simulation import customer, finance, kpis
from apps.simulation.actors import Actor
from apps.simulation.demand import OrderContent, next_arrival
from apps.simulation.interventions import ScenarioPlan, plan_scenario
from apps.simulation.labour import Crew, PackTimes, PickTimes, crew_timeline, loader_hours
from apps.simulation.logistics import LaneTable, draw_assumptions, lognormal, pickup_times
from apps.simulation.parameters import ModelParameters
from apps.simulation.results import (
    AssumedInput,
    DcKpis,
    HourlyPoint,
    LaneKpis,
    NetworkKpis,
    RegionKpis,
    ReplicationResult,
)
from apps.simulation.snapshot import NetworkSnapshot
from apps.simulation.streams import StreamFamily, stream
from apps.simulation.supply import Inventory


class Order:
    __slots__ = (
        "backorder_number",
        "created",
        "dc",
        "delivered",
        "due",
        "errors",
        "lane",
        "lines",
        "measured",
        "pick_start",
        "region",
        "released",
        "value",
        "via",
        "waiting",
        "weight",
    )

    def __init__(self, region: str, created: float, due: float, lines: list, measured: bool):
        self.region = region
        self.created = created
        self.due = due
        self.lines = lines
        self.measured = measured
        self.errors = 0
        self.dc = None
        self.lane = None
        self.via = None
        self.released = self.pick_start = self.delivered = 0.0
        self.weight = self.value = 0.0
        self.waiting = False  # backordered: waiting for stock
        self.backorder_number = 0  # its place in its DC's backorder queue


# The KPI formulas are apps/simulation/kpis.py's; a result dataclass holds 0.0 where the
# span measured nothing.
def _mean(values) -> float:
    return kpis.mean(values) or 0.0


def _p95(values: list[float]) -> float:
    return kpis.p95(values) or 0.0


def _share(part: float, whole: float) -> float:
    return kpis.share(part, whole) or 0.0


class DcRuntime:
    """One DC during a run: stock, crews, queues and what happened there."""

    def __init__(self, code: str) -> None:
        self.code = code
        # Backordered orders, first come first: those no longer waiting are dropped when
        # they reach the front. Each waiting order is also filed under one SKU it is short
        # of (or for a look at the next retry), and by age, so that a retry looks only at
        # the orders that stock received may fill and those out of patience.
        self.backorders: deque[Order] = deque()
        self.blocked_on: defaultdict[int, list[Order]] = defaultdict(list)
        self.recheck: list[Order] = []
        self.by_age: list[tuple[float, int, Order]] = []  # heap
        self.staged: list[Order] = []
        self.in_dc = 0
        self.shipped = self.lines_picked = self.errors = 0
        self.cycle_times: list[float] = []
        self.pick_wait_sum = 0.0
        self.pick_wait_count = 0
        self.pick: Crew
        self.pack: Crew
        self.inventory: Inventory
        self.pick_times: PickTimes
        self.pack_times: PackTimes
        self.timeline: list  # crew changes over the horizon
        self.crew_by_hour: list[float]  # clocked pick+pack labour-hours per hour
        self.clocked_h = self.overtime_h = 0.0  # within the measured span
        self.loader_h = 0.0  # loaders' clocked hours in the measured span
        self.lost = 0  # orders lost here for want of stock, out of patience
        # SKUs (indexes) an order created in the measured span found short here: the DC's
        # stock-outs, each SKU counted once however often it ran out.
        self.stocked_out: set[int] = set()

    def file_backorder(self, order: Order) -> None:
        """File a waiting order under a SKU it is short of, to be looked at when that SKU
        is restocked."""
        short = self.inventory.short_of(order.lines)
        if short is None:
            self.recheck.append(order)  # an open order backordered with stock: look again
        else:
            self.blocked_on[short].append(order)

    def oldest_backorder(self) -> Order | None:
        """The first backordered order still waiting."""
        queue = self.backorders
        while queue and not queue[0].waiting:
            queue.popleft()
        return queue[0] if queue else None


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
        self.env = sim.Environment(trace=False, random_seed=seed, yieldless=False)

        snapshot = self.snapshot
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

        # Counters and observations.
        self.created = self.lost = self.delivered_in_horizon = self.in_transit_at_end = 0
        self.backorders_made = 0
        self.measured_created = 0
        self.lost_measured = 0
        self.lost_sales_usd = 0.0
        self.lines_ordered = self.lines_available = 0
        # Orders delivered in each hour of the horizon, for the orders-in-system samples.
        self.deliveries_by_hour = [0] * (int(horizon_hours) + 2)
        self.delivered_by_now = 0
        self.outcomes = {"delivered": 0, "on_time_in_full": 0, "late": 0, "errors": 0}
        # OTIF's orders: those due in the measured span, and of them the ones delivered on
        # time, in full, without a pick error (kpis.otif). Only orders created in the run
        # count: of the orders placed before it, the snapshot holds the open ones only, not
        # those already delivered, and counting them would bias OTIF towards failures.
        self.otif_count = kpis.OtifCount(start=self.warmup, end=self.horizon)
        self.complaints = 0
        self.hours_in_system: list[float] = []
        self.costs = finance.CostLedger()
        self.lane_stats: dict[str, list] = {}  # lane -> [shipments, orders, kg, transits]
        self.region_stats: dict[str, list] = {
            r: [0, 0.0, 0.0, 0] for r in snapshot.region_codes
        }  # delivered, delivery hours, transit hours, on time
        self.in_system_samples: list[int] = []
        self.docks_used: set[str] = set()
        # (hour, DC, its backlog) as each hour closes; the hour's utilisation is added when
        # the run reports, once the work begun in it and finished after it is recorded.
        self.hourly_backlog: list[tuple[int, DcRuntime, int]] = []

        # Finely keyed streams: moving volume between DCs changes how many draws some lanes
        # make, and must not change the draws of any other lane, carrier or region.
        self.transit_rng = StreamFamily(seed, replication, "logistics.transit")  # by lane
        self.tender_rng = StreamFamily(seed, replication, "logistics.tender")  # by lane
        self.dwell_rng = StreamFamily(seed, replication, "logistics.cross_dock")  # by dock
        self.complaint_rng = StreamFamily(seed, replication, "customer.complaints")  # by region
        self.routing_rng = {
            region: stream(seed, replication, "routing", region) for region in plan.volume_moves
        }
        self.dcs = {code: self._build_dc(code) for code in snapshot.dc_codes}
        self._load_stock()
        self._load_open_orders()
        self._start_transfers()
        for region, rates in sorted(self.params.demand.orders_per_hour.items()):
            OrderArrivals(env=self.env, model=self, region=region, rates=rates)
        Observer(env=self.env, model=self)

    # ---- set-up -------------------------------------------------------------------------
    def _build_dc(self, code: str) -> DcRuntime:
        dc = DcRuntime(code)
        info = self.snapshot.dc(code)
        labour = self.params.labour.for_dc(code)
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
        equipment_cap = int(info.pick_stations * info.equipment_up_share)
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
            on_done=partial(self._packed, dc),
            warmup_h=self.warmup,
            horizon_h=self.horizon,
        )
        sku_count = len(self.sku_codes)
        dc.inventory = Inventory(
            sku_count=sku_count,
            families=self.sku_family,
            params=self.params.supply,
            rng=stream(self.seed, self.replication, "supply.lead_time", code),
        )
        ShiftClock(env=self.env, dc=dc)
        Receiving(env=self.env, model=self, dc=dc)
        Dock(
            env=self.env,
            model=self,
            dc=dc,
            moments=pickup_times(
                self.params.logistics,
                start_hour_of_week=self.snapshot.start_hour_of_week,
                horizon_h=self.horizon,
            ),
        )
        return dc

    def _load_stock(self) -> None:
        for position in self.snapshot.stock:
            dc = self.dcs[position.dc]
            sku = self.sku_index[position.sku]
            dc.inventory.adjust(sku, position.on_hand)
            if position.on_order:
                dc.inventory.expect(sku, position.on_order, position.on_order_due_hours)
        for policy in self.params.supply.policies:
            inventory = self.dcs[policy.dc].inventory
            sku = self.sku_index[policy.sku]
            inventory.reorder_point[sku] = policy.reorder_point
            inventory.reorder_quantity[sku] = policy.reorder_quantity
        for dc in self.dcs.values():
            for sku in range(len(self.sku_codes)):
                dc.inventory.review(sku, 0.0)

    def _load_open_orders(self) -> None:
        for open_order in self.snapshot.open_orders:
            lines = [(self.sku_index[sku], qty) for sku, qty in open_order.lines]
            created = -open_order.age_hours
            order = self._new_order(open_order.region, created, open_order.tier, lines)
            order.weight = sum(qty * self.sku_weight[sku] for sku, qty in lines)
            order.value = sum(qty * self.sku_price[sku] for sku, qty in lines)
            order.dc = open_order.dc
            dc = self.dcs[open_order.dc]
            if open_order.stage == "in_transit":
                order.lane = self.lanes.ground[(order.dc, order.region)].code
                self._deliver(order, 0.0, open_order.hours_to_delivery, transit=None)
                continue
            dc.in_dc += 1
            if open_order.stage == "backorder":
                self._backorder(dc, order, 0.0)
            elif open_order.stage == "released":
                order.released = 0.0
                dc.pick.enqueue(order, 0.0)
            elif open_order.stage == "picked":
                dc.pack.enqueue(order, 0.0)
            else:
                self._packed(dc, order, 0.0)

    def _start_transfers(self) -> None:
        for transfer in self.plan.transfers:
            source = self.dcs[transfer.from_dc]
            target = self.dcs[transfer.to_dc]
            sku = self.sku_index[transfer.sku]
            source.inventory.adjust(sku, -transfer.quantity)
            source.inventory.review(sku, 0.0)  # what leaves may take it to its reorder point
            region = self.snapshot.dc(transfer.to_dc).region
            lane = self.lanes.ground[(transfer.from_dc, region)]
            target.inventory.expect(sku, transfer.quantity, self.lanes.transit[lane.code][0])
            self.costs.freight += finance.freight_cost(
                lane.cost_usd_per_shipment / len(self.plan.transfers),
                lane.cost_usd_per_kg,
                transfer.quantity * self.sku_weight[sku],
            )

    # ---- the order's path -----------------------------------------------------------------
    def _new_order(self, region: str, now: float, tier: str, lines: list) -> Order:
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
        order = self._new_order(region, now, tier, lines)
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
            self._backorder(dc, order, now)

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

    def _backorder(self, dc: DcRuntime, order: Order, now: float) -> None:
        inventory = dc.inventory
        for sku, qty in order.lines:
            inventory.backordered[sku] += qty
            inventory.review(sku, now)
        self.backorders_made += 1
        order.backorder_number = self.backorders_made
        order.waiting = True
        dc.backorders.append(order)
        heapq.heappush(dc.by_age, (order.created, order.backorder_number, order))
        dc.file_backorder(order)

    def retry_backorders(self, dc: DcRuntime, now: float) -> None:
        """Release, in the order they came, the backorders that stock now fills; lose those
        out of patience. Only orders short of a restocked SKU can be filled now (stock of
        anything else has only gone down since they were last looked at), and only the
        oldest can be out of patience: the others are not looked at."""
        inventory = dc.inventory
        patience = self.params.customer.backorder_patience_hours
        candidates, dc.recheck = dc.recheck, []
        for sku in inventory.restocked:
            if sku in dc.blocked_on:
                candidates.extend(dc.blocked_on.pop(sku))
        inventory.restocked.clear()
        by_age = dc.by_age
        while by_age and now - by_age[0][0] > patience:
            candidates.append(heapq.heappop(by_age)[2])
        waiting = {order for order in candidates if order.waiting}
        for order in sorted(waiting, key=attrgetter("backorder_number")):
            if inventory.available(order.lines):
                for sku, qty in order.lines:
                    inventory.backordered[sku] -= qty
                inventory.take(order.lines, now)
                order.released = now
                order.waiting = False
                dc.pick.enqueue(order, now)
            elif now - order.created > patience:
                for sku, qty in order.lines:
                    inventory.backordered[sku] -= qty
                dc.in_dc -= 1
                order.waiting = False
                self._lose(dc, order, now)
            else:
                dc.file_backorder(order)

    def _lose(self, dc: DcRuntime, order: Order, now: float) -> None:
        self.lost += 1
        dc.lost += 1
        if order.measured:
            self.lost_measured += 1
            # A lost order leaves the system too: its wait counts towards time in system.
            self.hours_in_system.append(now - order.created)
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

    def _packed(self, dc: DcRuntime, order: Order, now: float) -> None:
        expedite = self.params.logistics.expedite_to_meet_sla
        lane = self.lanes.lane_for(dc.code, order.region, order.due - now, expedite)
        via = self.plan.cross_dock_routes.get((dc.code, order.region))
        # The cross-dock takes the flow's ground orders; one its DC would expedite to keep
        # the promise keeps its expedited lane, as it would without the cross-dock.
        if via is not None and lane is self.lanes.ground[(dc.code, order.region)]:
            order.via = via
            hub = self.cross_docks[via].region
            lane = self.lanes.ground[(dc.code, hub)]
        order.lane = lane.code
        dc.staged.append(order)

    def ship(self, dc: DcRuntime, now: float, carriers: frozenset[str]) -> None:
        """A pick-up: staged orders whose carrier collects now leave, one shipment per lane."""
        if not dc.staged:
            return
        lanes, logistics = self.lanes.lanes, self.params.logistics
        shipments: dict[tuple[str, str | None], list[Order]] = {}
        remaining = []
        for order in dc.staged:
            if lanes[order.lane].carrier in carriers:
                shipments.setdefault((order.lane, order.via), []).append(order)
            else:
                remaining.append(order)
        capacity = {p.carrier: p.max_shipments_per_pickup for p in logistics.pickups}
        for (lane_code, via), orders in shipments.items():
            carrier = lanes[lane_code].carrier
            rejection = logistics.tender_rejection_rate.get(carrier, 0.0)
            tender = self.tender_rng[lane_code]
            if capacity[carrier] <= 0 or (rejection and tender.random() < rejection):
                remaining.extend(orders)  # re-tendered at the carrier's next pick-up
                continue
            capacity[carrier] -= 1
            transit = self.lanes.draw_transit(lane_code, self.transit_rng[lane_code])
            self._record_shipment(lane_code, orders, transit, now)
            if via is None:
                for order in orders:
                    self._ship_order(dc, order, now)
                    self._deliver(order, now, transit, transit=transit)
                continue
            self._through_cross_dock(dc, via, orders, now, transit)
        dc.staged = remaining

    def _through_cross_dock(self, dc, via: str, orders: list[Order], now: float, leg1: float):
        dwell = lognormal(
            self.dwell_rng[via],
            self.assumed.dwell_median[via],
            self.params.logistics.cross_dock_dwell_sigma,
        )
        fee = self.params.finance.cross_dock_fee_usd_per_shipment.get(via)
        if fee is None:
            fee = self.assumed.fee_usd[via]
        self.docks_used.add(via)
        if now >= self.warmup:
            self.costs.cross_dock += fee
        # Sorted onto the cross-dock's lanes: the ground lane, or the expedited one for an
        # order that would miss its promise on the ground (as the world's cross-dock does).
        leaves = now + leg1 + dwell
        expedite = self.params.logistics.expedite_to_meet_sla
        by_lane: dict[str, list[Order]] = {}
        for order in orders:
            lane = self.lanes.lane_for(via, order.region, order.due - leaves, expedite)
            by_lane.setdefault(lane.code, []).append(order)
        for leg2, group in by_lane.items():
            transit2 = self.lanes.draw_transit(leg2, self.transit_rng[leg2])
            self._record_shipment(leg2, group, transit2, leaves)
            for order in group:
                self._ship_order(dc, order, now)
                self._deliver(order, now, leg1 + dwell + transit2, transit=leg1 + dwell + transit2)

    def _record_shipment(self, lane_code: str, orders: list[Order], transit: float, now: float):
        if now < self.warmup:
            return
        lane = self.lanes.lanes[lane_code]
        kg = sum(order.weight for order in orders)
        stats = self.lane_stats.setdefault(lane_code, [0, 0, 0.0, []])
        stats[0] += 1
        stats[1] += len(orders)
        stats[2] += kg
        stats[3].append(transit)
        # The lane carries every load the run dispatched, but freight is booked as a load
        # leaves, inside the measured span only: a cross-dock's outbound load may leave
        # after the horizon, when the books would post it.
        if now >= self.horizon:
            return
        per_shipment, per_kg = self.params.finance.freight_usd.get(
            lane_code, (lane.cost_usd_per_shipment, lane.cost_usd_per_kg)
        )
        self.costs.freight += finance.freight_cost(per_shipment, per_kg, kg)

    def _ship_order(self, dc: DcRuntime, order: Order, now: float) -> None:
        dc.in_dc -= 1
        if now >= self.warmup:
            # Packaging is booked as an order ships, as any cost of the measured span.
            fin = self.params.finance
            self.costs.handling += fin.handling_usd_per_order + fin.handling_usd_per_line * len(
                order.lines
            )
        if order.measured:
            dc.shipped += 1
            dc.cycle_times.append(now - order.created)

    def _deliver(self, order: Order, now: float, hours: float, *, transit: float | None) -> None:
        """Delivery needs no event: its time is known when the order leaves."""
        order.delivered = now + hours
        # Lost orders never get here: they count among the due, never among the OTIF.
        if order.created >= 0.0:
            self.otif_count.order_delivered(
                due=order.due, delivered=order.delivered, pick_errors=order.errors
            )
        if order.delivered > self.horizon:
            self.in_transit_at_end += 1
            return
        self.delivered_in_horizon += 1
        self.deliveries_by_hour[int(order.delivered)] += 1
        if not order.measured:
            return
        late_hours = order.delivered - order.due
        params = self.params.customer
        p = customer.complaint_probability(params, late_hours=late_hours, pick_errors=order.errors)
        complained = self.complaint_rng[order.region].random() < p
        outcomes = self.outcomes
        outcomes["delivered"] += 1
        outcomes["late"] += late_hours > 0
        outcomes["errors"] += order.errors > 0
        outcomes["on_time_in_full"] += late_hours <= 0 and order.errors == 0
        self.complaints += complained
        self.hours_in_system.append(order.delivered - order.created)
        stats = self.region_stats[order.region]
        stats[0] += 1
        stats[1] += order.delivered - order.created
        stats[2] += transit if transit is not None else hours
        stats[3] += late_hours <= 0

    # ---- observation ------------------------------------------------------------------------
    def observe(self, hour: int) -> None:
        """Close hour `hour - 1`: utilisation and backlog per DC, orders in the system."""
        # Deliveries are known when orders ship, before this hour ends: count those due by now.
        self.delivered_by_now += self.deliveries_by_hour[hour - 1]
        if hour - 1 < self.warmup:
            return
        in_system = self.created - self.delivered_by_now - self.lost
        self.in_system_samples.append(in_system)
        for dc in self.dcs.values():
            self.hourly_backlog.append((hour - 1, dc, dc.in_dc))

    # ---- run and report ------------------------------------------------------------------
    def run(self) -> ReplicationResult:
        for dc in self.dcs.values():
            dc.crew_by_hour = _crew_by_hour(dc.timeline, self.horizon)
        self.env.run(till=self.horizon)
        return self._result()

    def _hourly(self) -> tuple[HourlyPoint, ...]:
        # Read at the end: a task is recorded when it finishes, often after the hour it
        # began in has closed, and counting it then keeps the hours adding up to the span.
        return tuple(_hourly_point(h, dc, backlog) for h, dc, backlog in self.hourly_backlog)

    def _result(self) -> ReplicationResult:
        """The replication's KPIs. Reads the run's counters and changes none of them, so a
        second call reports the same costs (labour and inventory are added to a copy)."""
        params = self.params
        span = self.horizon - self.warmup
        costs = finance.CostLedger()
        for component, amount in self.costs.as_dict().items():
            setattr(costs, component, amount)
        dcs, in_dcs = [], 0
        for code, dc in self.dcs.items():
            in_dcs += dc.in_dc
            clocked = dc.clocked_h + dc.pick.spill_h + dc.pack.spill_h
            overtime = dc.overtime_h + dc.pick.spill_h + dc.pack.spill_h
            wage = params.finance.wage_usd_per_hour[code]
            straight, extra = finance.labour_cost(
                clocked_h=clocked,
                overtime_h=overtime,
                wage=wage,
                premium=params.finance.overtime_premium,
            )
            # Loaders are paid their shifts too (they leave on time: no overtime).
            costs.labour += straight + dc.loader_h * wage
            costs.overtime += extra
            pick_clocked, pack_clocked = _role_hours(dc.timeline, self.warmup, self.horizon)
            times = dc.pick_times
            dcs.append(
                DcKpis(
                    dc=code,
                    labour_utilisation=kpis.labour_utilisation(
                        busy=dc.pick.busy_h + dc.pack.busy_h, clocked=clocked
                    )
                    or 0.0,
                    pick_utilisation=kpis.labour_utilisation(
                        busy=dc.pick.busy_h, clocked=pick_clocked + dc.pick.spill_h
                    )
                    or 0.0,
                    pack_utilisation=kpis.labour_utilisation(
                        busy=dc.pack.busy_h, clocked=pack_clocked + dc.pack.spill_h
                    )
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
                    new_sku_time_factor_mean=_share(times.new_time_factor_sum, times.new_lines)
                    or 1.0,
                    new_skus_picked=times.new_skus_picked,
                    orders_lost=dc.lost,
                    stockouts=len(dc.stocked_out),
                )
            )
        lanes = tuple(
            LaneKpis(
                lane=code,
                shipments=stats[0],
                orders=stats[1],
                kg=stats[2],
                transit_hours_mean=_mean(stats[3]),
                transit_hours_p95=_p95(stats[3]),
            )
            for code, stats in sorted(self.lane_stats.items())
        )
        regions = tuple(
            RegionKpis(
                region=code,
                orders_delivered=s[0],
                delivery_hours_mean=_share(s[1], s[0]),
                transit_hours_mean=_share(s[2], s[0]),
                on_time_rate=_share(s[3], s[0]),
            )
            for code, s in self.region_stats.items()
        )
        outcomes = self.outcomes
        delivered = outcomes["delivered"]
        shipped = sum(dc.orders_shipped for dc in dcs)
        by_component = costs.as_dict()
        total = sum(by_component.values())
        network = NetworkKpis(
            orders_created=self.created,
            orders_delivered=self.delivered_in_horizon,
            orders_in_transit=self.in_transit_at_end,
            orders_in_dcs=in_dcs,
            orders_lost=self.lost,
            otif=self.otif_count.otif or 0.0,
            fill_rate=kpis.fill_rate(
                lines_available=self.lines_available, lines_ordered=self.lines_ordered
            )
            or 0.0,
            lost_sales_usd=self.lost_sales_usd,
            complaints=self.complaints,
            satisfaction_index=customer.satisfaction_index(
                params.customer,
                late_share=_share(outcomes["late"], delivered),
                error_share=_share(outcomes["errors"], delivered),
                complaint_share=_share(self.complaints, delivered),
            ),
            total_cost_usd=total,
            cost_per_order_usd=kpis.cost_per_order(costs_usd=by_component, orders=shipped) or 0.0,
            cost_by_component_usd=by_component,
            cost_per_order_by_component_usd={
                k: v or 0.0
                for k, v in kpis.cost_per_order_by_component(
                    costs_usd=by_component, orders=shipped
                ).items()
            },
            throughput_orders_per_hour=_share(self.measured_created, span),
            mean_hours_in_system=_mean(self.hours_in_system),
            mean_orders_in_system=_mean(self.in_system_samples),
            stockouts=sum(dc.stockouts for dc in dcs),
        )
        return ReplicationResult(
            replication=self.replication,
            seed=self.seed,
            horizon_hours=self.horizon,
            warmup_hours=self.warmup,
            events=self.env._seq,
            dcs=tuple(dcs),
            lanes=lanes,
            regions=regions,
            network=network,
            hourly=self._hourly(),
            assumptions=self._assumptions_used(),
        )

    def _assumptions_used(self) -> tuple[AssumedInput, ...]:
        """The master-data assumptions this run leaned on: lanes that carried a shipment
        (in the measured span) and cross-docks that handled one."""
        used = [f"lane.{code}.transit_hours_median" for code in self.lane_stats]
        for dock in self.docks_used:
            used += [
                f"cross_dock.{dock}.dwell_hours_median",
                f"cross_dock.{dock}.fee_usd_per_shipment",
            ]
        inputs = self.assumed.inputs
        return tuple(inputs[name] for name in sorted(used) if name in inputs)


def _hourly_point(hour: int, dc: DcRuntime, backlog: int) -> HourlyPoint:
    """An hour's utilisation: busy over clocked, where work finished after a shift is
    overtime clocked in the hour it was done, so the hour never passes 100%."""
    crew_h = dc.crew_by_hour[hour] if hour < len(dc.crew_by_hour) else 0.0
    crew_h += dc.pick.spill_by_hour[hour] + dc.pack.spill_by_hour[hour]
    busy = dc.pick.busy_by_hour[hour] + dc.pack.busy_by_hour[hour]
    utilisation = kpis.labour_utilisation(busy=busy, clocked=crew_h) or 0.0
    return HourlyPoint(hour, dc.code, round(utilisation, 6), backlog, round(crew_h, 4))


def _crew_by_hour(timeline, horizon: float) -> list[float]:
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


class OrderArrivals(Actor):
    def setup(self, model: NetworkModel, region: str, rates: tuple[float, ...]) -> None:
        self.model = model
        self.region = region
        self.rates = rates
        self.rng = stream(model.seed, model.replication, "demand.arrivals", region)
        self.content_rng = stream(model.seed, model.replication, "demand.content", region)

    def process(self) -> None:
        model, env, rng, rates = self.model, self.env, self.rng, self.rates
        start = model.snapshot.start_hour_of_week
        while True:
            at, is_arrival = next_arrival(rng, rates, env._now, start)
            yield self.hold(till=at)
            if is_arrival:
                model.order_arrives(self.region, at, self.content_rng)


class ShiftClock(Actor):
    def setup(self, dc: DcRuntime) -> None:
        self.dc = dc

    def process(self) -> None:
        dc = self.dc
        for change in dc.timeline:
            yield self.hold(till=change.at_h)
            dc.pick.resize(change.pickers, change.at_h, change.pickers_ending)
            dc.pack.resize(change.packers, change.at_h, change.packers_ending)


class Receiving(Actor):
    """Puts purchase orders away each hour, then releases backorders that can now be filled."""

    def setup(self, model: NetworkModel, dc: DcRuntime) -> None:
        self.model = model
        self.dc = dc

    def process(self) -> None:
        model, dc, env = self.model, self.dc, self.env
        patience = model.params.customer.backorder_patience_hours
        while True:
            yield self.hold(1.0)
            received = dc.inventory.receive_due(env._now)
            # Nothing changes for backorders but new stock, or the first in the queue
            # running out of patience.
            first = dc.oldest_backorder()
            if first and (received or env._now - first.created > patience):
                model.retry_backorders(dc, env._now)


class Dock(Actor):
    def setup(self, model: NetworkModel, dc: DcRuntime, moments) -> None:
        self.model = model
        self.dc = dc
        self.moments = moments

    def process(self) -> None:
        for at, carriers in self.moments:
            yield self.hold(till=at)
            self.model.ship(self.dc, at, carriers)


class Observer(Actor):
    def setup(self, model: NetworkModel) -> None:
        self.model = model

    def process(self) -> None:
        hour = 0
        while True:
            hour += 1
            yield self.hold(till=float(hour))
            self.model.observe(hour)


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
