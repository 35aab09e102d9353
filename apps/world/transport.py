"""Transport and customers: carrier pick-ups, tenders, transit and delivery; complaints
and surveys from what customers received."""

import math

from apps.world.network import Lane
from apps.world.truth import SURVEY_RATE, Order


class Transport:
    def _lane_for(self, order: Order, now: float) -> Lane:
        route = (order.dc, order.region)
        ground = self.ground[route]
        median = self.truth.lane_transit_hours[ground.code][0]
        if order.due - now < median and route in self.expedited:
            return self.expedited[route]
        return ground

    def _pickup(self, now: float, carrier: str) -> None:
        for dc, staged in self.staged.items():
            waiting = []
            for order in staged:
                lane = self._lane_for(order, now)
                if lane.carrier != carrier:
                    waiting.append(order)
                    continue
                if not self._ship(order, lane, now):
                    waiting.append(order)  # re-tendered at the carrier's next pick-up
            self.staged[dc] = waiting

    def _ship(self, order: Order, lane: Lane, now: float) -> bool:
        """Tender the order's shipment; if the carrier accepts, it leaves now. Accepted?"""
        shipment = f"SH-{self.seed}-{next(self.shipment_seq):08d}"
        carrier = lane.carrier
        rate = lane.cost_usd_per_shipment + lane.cost_usd_per_kg * order.weight
        rejected = self.rng.random() < self.truth.tender_rejection_rate.get(carrier, 0.0)
        self.emit(
            now,
            "tms",
            "tms.tender",
            {
                "shipment_id": shipment,
                "carrier": carrier,
                "lane": lane.code,
                "status": "rejected" if rejected else "accepted",
                "rate": round(rate, 2),
            },
        )
        if rejected:
            return False
        median, sigma = self.truth.lane_transit_hours[lane.code]
        transit = median * math.exp(self.rng.gauss(0, sigma))
        delivered = now + transit
        eta = self.iso(now + median)
        self.emit(
            now,
            "wms",
            "wms.shipped",
            {"order_id": order.id, "dc": order.dc, "shipment_id": shipment, "carrier": carrier},
        )
        self.emit(
            now,
            "tms",
            "tms.tracking",
            {"shipment_id": shipment, "status": "picked_up", "at": self.iso(now), "eta": eta},
        )
        self.emit(
            now + transit / 2,
            "tms",
            "tms.tracking",
            {
                "shipment_id": shipment,
                "status": "in_transit",
                "at": self.iso(now + transit / 2),
                "eta": eta,
            },
        )
        self.emit(
            delivered,
            "tms",
            "tms.tracking",
            {"shipment_id": shipment, "status": "delivered", "at": self.iso(delivered)},
        )
        self.emit(
            delivered,
            "tms",
            "tms.freight_accrued",
            {"shipment_id": shipment, "amount": round(rate, 2), "currency": "USD"},
        )
        self.at(delivered, self._delivered, order)
        return True

    def _delivered(self, now: float, order: Order) -> None:
        late_h = now - order.due
        truth = self.truth
        p = truth.complaint_base + truth.complaint_per_pick_error * order.errors
        if late_h > 0:
            p += truth.complaint_per_late_day * late_h / 24
        if self.rng.random() < min(1.0, p):
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
        if self.rng.random() < SURVEY_RATE:
            score = 5 - (late_h > 0) - 2 * (order.errors > 0)
            score = max(1, min(5, score + self.rng.choice((-1, 0, 0, 0, 1))))
            self.emit(
                now + 24,
                "crm",
                "crm.satisfaction_survey",
                {"customer": order.customer, "order_id": order.id, "score": score},
            )
