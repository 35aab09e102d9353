"""Orders and stock: arrivals by region, hour and weekday; allocation, back orders and
cancellations; purchase orders on a reorder point; receipts, postings and cycle counts."""

import math
from bisect import bisect_right
from collections import deque
from datetime import timedelta

from apps.world.truth import BACKORDER_PATIENCE_H, Order

# A SKU's reorder point and quantity before its demand is added: a few units, so that even
# a SKU nobody buys is reordered once it runs out.
REORDER_FLOOR = (2, 5)


def reorder_sizes(daily_units: float, lead_days: float) -> tuple[int, int]:
    """What `daily_units` of demand adds to a reorder point and quantity: the point covers
    the supplier's lead time plus four days of it, the quantity a week of it."""
    return int(daily_units * (lead_days + 4)), int(daily_units * 7)


class OrdersAndStock:
    def _arrivals(self, now: float, region: str) -> None:
        """Orders arrive as a Poisson process whose rate follows hour and weekday."""
        moment = self.start + timedelta(hours=now)
        factor = self.truth.weekday_factor if moment.weekday() < 5 else self.truth.weekend_factor
        profile = self.truth.hour_profile
        rate = (
            self.truth.orders_per_day
            * self.truth.region_share[region]
            * factor
            * profile[moment.hour]
            / sum(profile)
        )
        boundary = now + (60 - moment.minute - moment.second / 60) / 60
        arrival = now + self.rng.expovariate(rate) if rate > 0 else boundary
        if arrival >= boundary:
            self.at(boundary, self._arrivals, region)
            return
        self.at(arrival, self._arrivals, region)
        self._order(arrival, region)

    def _draw(self, cumulative: list[float]) -> int:
        return bisect_right(cumulative, self.rng.random() * cumulative[-1])

    def _order(self, now: float, region: str) -> None:
        customer, promised = self.rng.choice(self.customers[region])
        lines: dict[str, int] = {}
        for _ in range(self._draw(self.lines_cumulative)):
            sku = self.sku_codes[self._draw(self.sku_cumulative[region])]
            lines[sku] = lines.get(sku, 0) + self._draw(self.quantity_cumulative)
        # The ERP creates the order for the DC that serves it, after any re-sourcing.
        dc = self._serving_dc(region, lines)
        order_id = f"SO-{self.seed}-{next(self.next_id):08d}"
        weight = sum(qty * self.sku_weight_kg[sku] for sku, qty in lines.items())
        order = Order(order_id, customer, region, dc, lines, now + promised, weight)
        self.emit(
            now,
            "erp",
            "erp.order_created",
            {
                "order_id": order_id,
                "customer": customer,
                "lines": [{"sku": sku, "qty": qty} for sku, qty in lines.items()],
                "requested_by": self.iso(order.due),
                "dc": dc,
            },
        )
        if self._allocate(order, now):
            self._release(order, now)
        else:
            self.backorders[dc].append((now, order))

    def _serving_dc(self, region: str, lines: dict[str, int]) -> str:
        """The region's home DC, unless a volume shift carried out (counterparts.stock)
        sends this order elsewhere. As the twin does: each shift from the home DC draws
        once per order, and one limited to SKU families takes only orders with more than
        half of their lines in those families. The draws come from a stream of their own,
        so a world without a shift draws exactly what it drew before shifts existed."""
        home = self.home[region]
        for move in self.volume_moves.get(region, ()):
            if move.from_dc != home:
                continue
            draw = self.routing_rng.random()
            if move.families:
                in_scope = sum(1 for sku in lines if self.sku_family[sku] in move.families)
                if 2 * in_scope <= len(lines):
                    continue
            if draw < move.share:
                return move.to_dc
        return home

    def _allocate(self, order: Order, now: float) -> bool:
        if any(self.stock.get((sku, order.dc), 0) < qty for sku, qty in order.lines.items()):
            return False
        for sku, qty in order.lines.items():
            self.stock[(sku, order.dc)] -= qty
            self._review(sku, order.dc, now)
        return True

    def _review(self, sku: str, dc: str, now: float) -> None:
        point, quantity = self.reorder.get((sku, dc), (None, None))
        if point is None or self.stock[(sku, dc)] + self.on_order[(sku, dc)] > point:
            return
        po_id = f"PO-{self.seed}-{next(self.po_seq):06d}"
        median = self.truth.lead_time_hours_median[self.sku_family[sku]]
        lead = median * math.exp(self.rng.gauss(0, self.truth.lead_time_sigma))
        self.on_order[(sku, dc)] += quantity
        self.emit(
            now,
            "erp",
            "erp.po_created",
            {
                "po_id": po_id,
                "sku": sku,
                "dc": dc,
                "qty": quantity,
                "expected_at": self.iso(now + median),
            },
        )
        self.at(now + lead, self._receipt, po_id, sku, dc, quantity)

    def _receipt(self, now: float, po_id: str, sku: str, dc: str, quantity: int) -> dict:
        self.on_order[(sku, dc)] -= quantity
        self.stock[(sku, dc)] += quantity
        self._serve_backorders(dc, now)
        return self._out(
            now,
            "erp",
            "erp.receipt_posted",
            {"po_id": po_id, "sku": sku, "dc": dc, "qty": quantity},
        )

    def _serve_backorders(self, dc: str, now: float) -> None:
        """Stock arrived: release the back orders it completes, cancel those waited too long."""
        waiting, self.backorders[dc] = self.backorders[dc], deque()
        for created, order in waiting:
            if self._allocate(order, now):
                self._release(order, now)
            elif now - created > BACKORDER_PATIENCE_H:
                self.emit(
                    now,
                    "erp",
                    "erp.order_cancelled",
                    {"order_id": order.id, "reason": "out of stock too long"},
                )
            else:
                self.backorders[dc].append((created, order))

    def _release(self, order: Order, now: float) -> None:
        self.emit(now, "wms", "wms.order_released", {"order_id": order.id, "dc": order.dc})
        self.pick_queue[order.dc].append(order)
        self._dispatch(order.dc, "picker", now)

    def _daily_postings(self, now: float, day: int) -> None:
        """Each DC's labour cost of the day just ended, as the payroll system books it: the
        shifts' hours of every role (loaders too) at the wage, and the overtime worked
        (decided overtime and orders finished after a shift) at the wage times the
        premium, each to its own account."""
        weekday = (self.start + timedelta(hours=now - 1)).weekday()
        for dc in sorted(self.workers):
            straight_h, overtime_h = self._labour_hours_booked(dc, weekday)
            wage = self.truth.dcs[dc].wage_usd_per_hour
            amounts = {
                "6100-labour": straight_h * wage,
                "6110-overtime": overtime_h * wage * self.dcs[dc].overtime_premium,
            }
            for account, amount in amounts.items():
                if amount <= 0:
                    continue
                self.emit(
                    now,
                    "erp",
                    "erp.financial_posted",
                    {
                        "account": f"{account}-{dc}",
                        "amount": f"{amount:.2f}",
                        "currency": "USD",
                        "reference": f"PAY-{self.seed}-{dc}-{day}"
                        + ("-OT" if account == "6110-overtime" else ""),
                    },
                )
            self._cycle_count(now, dc)

    def _cycle_count(self, now: float, dc: str) -> None:
        """A daily cycle count finds a small difference on one SKU, and the ERP books it."""
        sku = self.rng.choice(self.sku_codes)
        if (sku, dc) not in self.stock:
            return
        delta = self.rng.choice((-3, -2, -1, 1, 2))
        delta = max(delta, -self.stock[(sku, dc)]) or 1
        self.stock[(sku, dc)] += delta
        self.emit(
            now,
            "erp",
            "erp.inventory_adjusted",
            {"sku": sku, "dc": dc, "delta": delta, "reason": "cycle count"},
        )
