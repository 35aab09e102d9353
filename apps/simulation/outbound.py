"""Outbound: orders staged by lane, loads tendered at carrier pick-ups, cross-docks, and
delivery (no event: its time is known when a load leaves), with what the customer saw."""

from apps.simulation import customer, finance, kpis
from apps.simulation.logistics import LaneTable, lognormal
from apps.simulation.parameters import ModelParameters
from apps.simulation.runtime import DcRuntime, Order
from apps.simulation.snapshot import CrossDockInfo
from apps.simulation.streams import StreamFamily


class Outbound:
    """The DCs' outbound flow during one run, and its counters: loads per lane, orders
    delivered, late, with errors or complaints, per region and for the network."""

    def __init__(
        self,
        *,
        params: ModelParameters,
        lanes: LaneTable,
        cross_docks: dict[str, CrossDockInfo],
        cross_dock_routes: dict[tuple[str, str], str],
        dwell_median: dict[str, float],
        fee_usd: dict[str, float],
        costs: finance.CostLedger,
        otif_count: kpis.OtifCount,
        seed: int,
        replication: int,
        region_codes: tuple[str, ...],
        warmup_h: float,
        horizon_h: float,
    ) -> None:
        self.params = params
        self.lanes = lanes
        self.cross_docks = cross_docks
        self.cross_dock_routes = cross_dock_routes
        self.dwell_median = dwell_median
        self.fee_usd = fee_usd
        self.costs = costs
        self.otif_count = otif_count
        self.warmup = warmup_h
        self.horizon = horizon_h
        # Finely keyed streams: moving volume between DCs changes how many draws some lanes
        # make, and must not change the draws of any other lane, carrier or region.
        self.transit_rng = StreamFamily(seed, replication, "logistics.transit")  # by lane
        self.tender_rng = StreamFamily(seed, replication, "logistics.tender")  # by lane
        self.dwell_rng = StreamFamily(seed, replication, "logistics.cross_dock")  # by dock
        self.complaint_rng = StreamFamily(seed, replication, "customer.complaints")  # by region
        self.delivered_in_horizon = self.in_transit_at_end = self.complaints = 0
        # Orders delivered in each hour of the horizon, for the orders-in-system samples.
        self.deliveries_by_hour = [0] * (int(horizon_h) + 2)
        self.outcomes = {"delivered": 0, "on_time_in_full": 0, "late": 0, "errors": 0}
        # Hours from creation to delivery or loss of each measured order that left.
        self.hours_in_system: list[float] = []
        self.lane_stats: dict[str, list] = {}  # lane -> [shipments, orders, kg, transits]
        self.region_stats: dict[str, list] = {
            code: [0, 0.0, 0.0, 0] for code in region_codes
        }  # delivered, delivery hours, transit hours, on time
        self.docks_used: set[str] = set()

    def stage(self, dc: DcRuntime, order: Order, now: float) -> None:
        """A packed order waits at the dock for its lane's carrier."""
        expedite = self.params.logistics.expedite_to_meet_sla
        lane = self.lanes.lane_for(dc.code, order.region, order.due - now, expedite)
        via = self.cross_dock_routes.get((dc.code, order.region))
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
                    self.deliver(order, now, transit, transit=transit)
                continue
            self._through_cross_dock(dc, via, orders, now, transit)
        dc.staged = remaining

    def _through_cross_dock(
        self, dc: DcRuntime, via: str, orders: list[Order], now: float, leg1: float
    ):
        dwell = lognormal(
            self.dwell_rng[via],
            self.dwell_median[via],
            self.params.logistics.cross_dock_dwell_sigma,
        )
        fee = self.params.finance.cross_dock_fee_usd_per_shipment.get(via)
        if fee is None:
            fee = self.fee_usd[via]
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
                self.deliver(order, now, leg1 + dwell + transit2, transit=leg1 + dwell + transit2)

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

    def deliver(self, order: Order, now: float, hours: float, *, transit: float | None) -> None:
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
