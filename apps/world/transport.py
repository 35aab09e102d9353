"""Transport and customers: the routing guide, carrier pick-ups, tenders, transit and
delivery, cross-dock operations once a decision starts them; complaints and surveys from
what customers received."""

import math
from collections.abc import Iterable

from apps.world.network import Lane
from apps.world.truth import CROSS_DOCK_DWELL_SIGMA, SURVEY_RATE, Order

Route = tuple[str, str]  # (origin DC or cross-dock, destination region)


def lane_tables(lanes: Iterable[Lane]) -> tuple[dict[Route, Lane], dict[Route, Lane]]:
    """The routing guide as the business starts: per route, its cheapest ground lane (the
    primary one) and its cheapest expedited lane, from DCs and from cross-docks alike."""
    ground: dict[Route, Lane] = {}
    expedited: dict[Route, Lane] = {}
    for lane in lanes:
        route = (lane.origin, lane.destination)
        table = ground if lane.mode == "ground" else expedited
        best = table.get(route)
        if best is None or lane.cost_usd_per_shipment < best.cost_usd_per_shipment:
            table[route] = lane
    return ground, expedited


class CrossDocking:
    """Cross-dock operations a decision started: which regions' orders go through which
    cross-dock, and the orders waiting at a cross-dock after an outbound carrier rejected
    them (each under the shipment id its orders' wms.shipped already named)."""

    def __init__(self) -> None:
        self.routes: dict[Route, str] = {}  # (DC, region) -> cross-dock
        # cross-dock -> outbound loads waiting: (lane, shipment id, orders)
        self.staged: dict[str, list[tuple[Lane, str, list[Order]]]] = {}


class Transport:
    # None until a decision routes a region through a cross-dock (RouteViaCrossDock); a
    # world without one never looks at cross-docks.
    cross_docking: CrossDocking | None = None

    def _lane_for(self, order: Order, now: float, origin: str | None = None) -> Lane:
        """The routing guide's lane from `origin` (default: the order's DC) to the order's
        region: the primary lane, or the expedited one when the primary would miss the
        promise."""
        route = (origin or order.dc, order.region)
        ground = self.ground[route]
        median = self.truth.lane_transit_hours[ground.code][0]
        if order.due - now < median and route in self.expedited:
            return self.expedited[route]
        return ground

    def _line_haul_lane(self, dc: str, dock: str) -> Lane:
        """A DC's primary lane to the cross-dock's region: DC lanes serve every region."""
        return self.ground[(dc, self.network.cross_docks[dock].region)]

    def _route(self, order: Order, now: float) -> None:
        """The routing guide decides an order's lane as it is packed and staged (as the
        twin does): the primary lane, or the expedited one when the primary would miss the
        promise; a route a decision sends through a cross-dock takes its ground orders to
        the dock, while one the guide expedites keeps its expedited lane."""
        lane = self._lane_for(order, now)
        routes = self.cross_docking.routes if self.cross_docking else {}
        dock = routes.get((order.dc, order.region))
        if dock and lane is self.ground[(order.dc, order.region)]:
            order.lane, order.dock = self._line_haul_lane(order.dc, dock), dock
        else:
            order.lane, order.dock = lane, None

    def _pickup(self, now: float, carrier: str) -> None:
        """The carrier's pick-up: at each DC, the staged orders of one lane (and of one
        cross-dock line-haul) go as ONE tendered load; a rejected load waits, whole, for
        the carrier's next pick-up."""
        for dc, staged in self.staged.items():
            waiting = []
            loads: dict[tuple[str, str | None], list[Order]] = {}
            for order in staged:
                if order.lane.carrier != carrier:
                    waiting.append(order)
                else:
                    loads.setdefault((order.lane.code, order.dock), []).append(order)
            for (_lane, dock), orders in loads.items():
                if dock:
                    accepted = self._line_haul(dc, dock, orders, now)
                else:
                    accepted = self._ship(orders, orders[0].lane, now)
                if not accepted:
                    waiting += orders  # re-tendered at the carrier's next pick-up
            self.staged[dc] = waiting
        if self.cross_docking:
            self._cross_dock_pickup(now, carrier)

    def _new_shipment(self) -> str:
        return f"SH-{self.seed}-{next(self.shipment_seq):08d}"

    def _ship(self, orders: list[Order], lane: Lane, now: float) -> bool:
        """Tender one load of these orders; if the carrier accepts, it leaves now, each
        order shipped under the load's id. Accepted?"""
        shipment = self._new_shipment()
        kg = sum(order.weight for order in orders)
        if not self._tender(shipment, lane, kg, now):
            return False
        for order in orders:
            self._shipped(order, shipment, lane.carrier, now)
        delivered = self._carry(shipment, lane, kg, now)
        for order in orders:
            self.at(delivered, self._delivered, order)
        return True

    def _tender(self, shipment: str, lane: Lane, kg: float, now: float) -> bool:
        """The TMS tenders a shipment to the lane's carrier; does the carrier accept?"""
        rate = self.truth.tender_rejection_rate.get(lane.carrier, 0.0)
        rejected = self.tender_rng.random() < rate
        self.emit(
            now,
            "tms",
            "tms.tender",
            {
                "shipment_id": shipment,
                "carrier": lane.carrier,
                "lane": lane.code,
                "status": "rejected" if rejected else "accepted",
                "rate": round(lane.cost_usd_per_shipment + lane.cost_usd_per_kg * kg, 2),
            },
        )
        return not rejected

    def _shipped(self, order: Order, shipment: str, carrier: str, now: float) -> None:
        """The WMS ships the order; the ERP posts the packaging it went out in."""
        self.emit(
            now,
            "wms",
            "wms.shipped",
            {"order_id": order.id, "dc": order.dc, "shipment_id": shipment, "carrier": carrier},
        )
        truth = self.truth
        amount = truth.handling_usd_per_order + truth.handling_usd_per_line * len(order.lines)
        self.emit(
            now,
            "erp",
            "erp.financial_posted",
            {
                "account": f"6200-handling-{order.dc}",
                "amount": f"{amount:.2f}",
                "currency": "USD",
                "reference": f"HDL-{order.id}",
            },
        )

    def _carry(self, shipment: str, lane: Lane, kg: float, now: float) -> float:
        """The carrier picks the shipment up now and carries it; when it arrives."""
        median, sigma = self.truth.lane_transit_hours[lane.code]
        transit = median * math.exp(self.tender_rng.gauss(0, sigma))
        delivered = now + transit
        eta = self.iso(now + median)
        tracking = {"shipment_id": shipment, "status": "picked_up", "at": self.iso(now)}
        self.emit(now, "tms", "tms.tracking", {**tracking, "eta": eta})
        self.emit(
            now + transit / 2,
            "tms",
            "tms.tracking",
            {**tracking, "status": "in_transit", "at": self.iso(now + transit / 2), "eta": eta},
        )
        self.emit(
            delivered,
            "tms",
            "tms.tracking",
            {**tracking, "status": "delivered", "at": self.iso(delivered)},
        )
        self.emit(
            delivered,
            "tms",
            "tms.freight_accrued",
            {
                "shipment_id": shipment,
                "amount": round(lane.cost_usd_per_shipment + lane.cost_usd_per_kg * kg, 2),
                "currency": "USD",
            },
        )
        return delivered

    # ---- cross-docks -----------------------------------------------------------------------
    def _line_haul(self, dc: str, dock: str, orders: list[Order], now: float) -> bool:
        """One load carries these orders from the DC to the cross-dock. Accepted? Its
        arrival and the dock's dwell are drawn now, so the outbound lane of each order is
        chosen for the moment it leaves the dock (as the twin chooses it), and the orders
        of one outbound lane form one outbound load. The WMS ships each order under the id
        of the outbound load that will deliver it: the twin follows an order to its
        customer through the one shipment its wms.shipped names."""
        lane = self._line_haul_lane(dc, dock)
        kg = sum(order.weight for order in orders)
        line_haul = self._new_shipment()
        if not self._tender(line_haul, lane, kg, now):
            return False
        arrives = self._carry(line_haul, lane, kg, now)
        median = self.network.cross_docks[dock].dwell_hours_median
        leaves = arrives + median * math.exp(self.transport_rng.gauss(0, CROSS_DOCK_DWELL_SIGMA))
        by_lane: dict[str, list[Order]] = {}
        for order in orders:
            by_lane.setdefault(self._lane_for(order, leaves, origin=dock).code, []).append(order)
        legs = []
        for code, group in by_lane.items():
            leg = self._new_shipment()
            for order in group:
                self._shipped(order, leg, lane.carrier, now)
            legs.append((self.lanes_by_code[code], leg, group))
        self.at(leaves, self._cross_docked, dock, line_haul, legs)
        return True

    def _cross_docked(self, now: float, dock: str, line_haul: str, legs: list) -> None:
        """Unloaded, sorted and loaded again. The cross-dock's operator bills its fee per
        line-haul handled, which the ERP posts to its own account (not freight: the carrier
        did not bill it); each outbound load leaves, or waits for its carrier's next
        pick-up."""
        fee = self.network.cross_docks[dock].fee_usd_per_shipment
        self.emit(
            now,
            "erp",
            "erp.financial_posted",
            {
                "account": f"6300-cross-dock-{dock}",
                "amount": f"{fee:.2f}",
                "currency": "USD",
                "reference": f"XDF-{line_haul}",
            },
        )
        waiting = self.cross_docking.staged.setdefault(dock, [])
        for lane, leg, orders in legs:
            if not self._outbound(lane, leg, orders, now, None):
                waiting.append((lane, leg, orders))

    def _outbound(
        self, lane: Lane, leg: str, orders: list[Order], now: float, carrier: str | None
    ) -> bool:
        """Tender an outbound load from the cross-dock (only to `carrier` when it is that
        carrier's pick-up); a rejected load is re-tendered under the same id."""
        if carrier is not None and lane.carrier != carrier:
            return False
        kg = sum(order.weight for order in orders)
        if not self._tender(leg, lane, kg, now):
            return False
        delivered = self._carry(leg, lane, kg, now)
        for order in orders:
            self.at(delivered, self._delivered, order)
        return True

    def _cross_dock_pickup(self, now: float, carrier: str) -> None:
        staged = self.cross_docking.staged
        for dock, legs in staged.items():
            staged[dock] = [
                (lane, leg, orders)
                for lane, leg, orders in legs
                if not self._outbound(lane, leg, orders, now, carrier)
            ]

    # ---- customers -------------------------------------------------------------------------
    def _delivered(self, now: float, order: Order) -> None:
        late_h = now - order.due
        truth = self.truth
        p = truth.complaint_base + truth.complaint_per_pick_error * order.errors
        if late_h > 0:
            p += truth.complaint_per_late_day * late_h / 24
        if self.transport_rng.random() < min(1.0, p):
            complaint = f"CMP-{order.id}"
            category = "wrong_item" if order.errors else ("late" if late_h > 0 else "damaged")
            self.emit(
                now + 2,
                "crm",
                "crm.complaint_opened",
                {
                    "complaint_id": complaint,
                    "customer": order.customer,
                    "order_id": order.id,
                    "category": category,
                },
            )
            self.emit(
                now + 50,
                "crm",
                "crm.complaint_closed",
                {"complaint_id": complaint, "resolution": "credit issued"},
            )
        if self.transport_rng.random() < SURVEY_RATE:
            score = 5 - (late_h > 0) - 2 * (order.errors > 0)
            score = max(1, min(5, score + self.transport_rng.choice((-1, 0, 0, 0, 1))))
            self.emit(
                now + 24,
                "crm",
                "crm.satisfaction_survey",
                {"customer": order.customer, "order_id": order.id, "score": score},
            )
