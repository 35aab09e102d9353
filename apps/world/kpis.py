"""The world's headline KPIs over a time window, read from its own event stream alone.

Each figure follows the twin's vocabulary (apps/simulation/kpis.py) as far as
the events a real ERP, WMS and TMS emit allow, so that the world's change in a KPI can be
set against the twin's predicted change. Where they cannot match, the docstring of the
figure says how they differ. The world imports nothing from the twin: the definitions are
restated here, and the validation tests hold the two side by side.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Roles whose time labour utilisation weighs: the twin clocks pickers and packers only.
FLOOR_ROLES = ("picker", "packer")
# Ledger accounts the world's cost per order adds up, one prefix per cost component of the
# twin (apps.simulation.finance.COST_ACCOUNTS restates them): the payroll's straight time
# and overtime, packaging, cross-dock fees. Freight is the carriers' accepted tenders.
COST_ACCOUNT_PREFIXES = {
    "6100-labour-": "labour",
    "6110-overtime-": "overtime",
    "6200-handling-": "handling",
    "6300-cross-dock-": "cross_dock",
}


@dataclass(frozen=True)
class WorldKpis:
    """What the world did in [start, end): the headline figures and what they are made of."""

    start: datetime
    end: datetime
    labour_utilisation: dict[str, float]  # by DC
    otif: float
    cost_per_order_usd: float
    orders_lost: int
    orders_created: int
    orders_shipped: int  # of those created in the window: the cost's denominator
    cost_usd: dict[str, float] = field(default_factory=dict)  # labour, freight, cross_dock

    def headline(self) -> dict[str, float]:
        """The figures under the twin's flat KPI names ("dc.NE.labour_utilisation")."""
        flat = {f"dc.{dc}.labour_utilisation": u for dc, u in self.labour_utilisation.items()}
        flat["network.otif"] = self.otif
        flat["network.cost_per_order_usd"] = self.cost_per_order_usd
        flat["network.orders_lost"] = float(self.orders_lost)
        return flat


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _overlap(lo: datetime, hi: datetime, start: datetime, end: datetime) -> float:
    """Hours of [lo, hi] inside [start, end)."""
    return max(0.0, (min(hi, end) - max(lo, start)).total_seconds() / 3600)


class _Tally:
    """The running sums one pass over the events collects."""

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.end = start, end
        self.busy_h: dict[str, float] = defaultdict(float)
        self.clocked_h: dict[str, float] = defaultdict(float)
        self.clocked_in: dict[str, tuple[str, datetime]] = {}  # worker -> (dc, since)
        self.due: dict[str, datetime] = {}  # orders created in the window -> requested by
        # OTIF's orders: created in the window and due in it (see world_kpis).
        self.otif_due: dict[str, datetime] = {}
        self.cancelled: set[str] = set()
        self.erred: set[str] = set()
        self.shipment_orders: dict[str, list[str]] = defaultdict(list)
        self.shipped: set[str] = set()
        self.delivered: dict[str, datetime] = {}
        self.lost_all = 0
        self.cost: dict[str, float] = defaultdict(float)

    def inside(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def read(self, event: dict) -> None:
        handler = getattr(self, "_" + event["type"].replace(".", "_"), None)
        if handler is not None:
            handler(_at(event["occurred_at"]), event["payload"])

    # ---- the floor: busy and clocked pick and pack time -----------------------------------
    def _wms_labor_clock(self, at: datetime, p: dict) -> None:
        if p["role"] not in FLOOR_ROLES:
            return
        if p["direction"] == "in":
            self.clocked_in[p["worker_id"]] = (p["dc"], at)
            return
        # A worker clocking out unseen clocking in was on the clock before the events began,
        # so from the window's start at least: their busy time in it is clocked, and busy
        # never exceeds clocked (a worker finishes the order in hand, then clocks out).
        dc, since = self.clocked_in.pop(p["worker_id"], (p["dc"], self.start))
        self.clocked_h[dc] += _overlap(since, at, self.start, self.end)

    def _wms_pick_completed(self, at: datetime, p: dict) -> None:
        began = _at(p["started_at"]) if p.get("started_at") else at - _seconds(p["duration_s"])
        self.busy_h[p["dc"]] += _overlap(
            began, began + _seconds(p["duration_s"]), self.start, self.end
        )
        if p.get("error"):
            self.erred.add(p["order_id"])

    def _wms_pack_completed(self, at: datetime, p: dict) -> None:
        self.busy_h[p["dc"]] += _overlap(at - _seconds(p["duration_s"]), at, self.start, self.end)

    # ---- orders: created, shipped, delivered, cancelled --------------------------------
    def _erp_order_created(self, at: datetime, p: dict) -> None:
        if self.inside(at):
            due = _at(p["requested_by"])
            self.due[p["order_id"]] = due
            if _is_due_in(due, self.start, self.end):
                self.otif_due[p["order_id"]] = due

    def _wms_shipped(self, at: datetime, p: dict) -> None:
        self.shipment_orders[p["shipment_id"]].append(p["order_id"])
        if self.inside(at):
            self.shipped.add(p["order_id"])

    def _tms_tracking(self, at: datetime, p: dict) -> None:
        if p["status"] != "delivered" or not self.inside(at):
            return
        for order in self.shipment_orders.get(p["shipment_id"], ()):
            self.delivered.setdefault(order, _at(p["at"]) if p.get("at") else at)

    def _erp_order_cancelled(self, at: datetime, p: dict) -> None:
        if self.inside(at):
            self.lost_all += 1
            self.cancelled.add(p["order_id"])

    # ---- money ---------------------------------------------------------------------------
    def _tms_tender(self, at: datetime, p: dict) -> None:
        # Freight is the accepted tender's rate, booked when the shipment leaves, as the twin
        # books it; the TMS accrues the same amount at delivery, which may fall after the end.
        if p["status"] == "accepted" and self.inside(at):
            self.cost["freight"] += float(p["rate"])

    def _erp_financial_posted(self, at: datetime, p: dict) -> None:
        # Payroll posts a day's labour at the midnight that ends it: (start, end] holds the
        # postings of the window's own days.
        if not self.start < at <= self.end:
            return
        account = p["account"].lower()
        for prefix, component in COST_ACCOUNT_PREFIXES.items():
            if account.startswith(prefix):
                self.cost[component] += float(p["amount"])
                return

    def close(self) -> WorldKpis:
        for dc, since in self.clocked_in.values():
            self.clocked_h[dc] += _overlap(since, self.end, self.start, self.end)
        on_time_in_full = sum(
            1
            for order, due in self.otif_due.items()
            if _is_on_time_in_full(
                due=due,
                delivered=self.delivered.get(order),
                pick_error=order in self.erred,
                lost=order in self.cancelled,
            )
        )
        shipped = len(self.shipped & set(self.due))
        total_cost = sum(self.cost.values())
        return WorldKpis(
            start=self.start,
            end=self.end,
            labour_utilisation={
                dc: self.busy_h[dc] / hours for dc, hours in sorted(self.clocked_h.items()) if hours
            },
            otif=on_time_in_full / len(self.otif_due) if self.otif_due else 0.0,
            cost_per_order_usd=total_cost / shipped if shipped else 0.0,
            orders_lost=self.lost_all,
            orders_created=len(self.due),
            orders_shipped=shipped,
            cost_usd=dict(self.cost),
        )


def _is_due_in(due: datetime, start: datetime, end: datetime) -> bool:
    """Whether an order belongs to the window's OTIF: due in [start, end)."""
    return start <= due < end


def _is_on_time_in_full(
    *, due: datetime, delivered: datetime | None, pick_error: bool, lost: bool
) -> bool:
    """One order's OTIF outcome: delivered (complete: the world ships an order whole, and a
    cancelled one not at all), by its due time, with no pick error."""
    return not lost and delivered is not None and delivered <= due and not pick_error


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=float(value))


def world_kpis(events: Iterable[dict], *, start: datetime, end: datetime) -> WorldKpis:
    """The world's headline KPIs over [start, end) from its envelopes, in time order.

    Pass the events from a shift's length before `start` on, so that the workers already
    clocked in at `start` are counted; events after `end` are ignored.

    - labour utilisation per DC: busy pick and pack time over clocked pick and pack time,
      both clipped to the window, as the twin's (apps/simulation/kpis.py,
      labour_utilisation; loaders are not in either). Work finished after a shift's end is
      overtime that is clocked: a worker finishes the order in hand before clocking out,
      as the twin clocks its crews' spill past a shift, so busy never exceeds clocked.
    - OTIF: the orders due in the window (requested by a time in [start, end)) that were
      delivered complete, by their requested-by time and without a pick error, over all
      those orders; cancelled orders and orders undelivered when due are failures. As in
      the twin (kpis.otif), only orders created in the window count: the twin's run holds
      the open orders of before its start, not those already delivered.
    - cost per order: payroll straight-time and overtime postings, packaging postings,
      accepted freight tenders (one per load) and cross-dock fees over the orders created
      in the window that shipped in it (the twin's denominator): each of the twin's cost
      components has its own account. Payroll posts scheduled shift hours of every role
      (loaders too) and overtime worked, as the twin costs its crews.
    - orders lost: orders cancelled in the window, whenever created (the twin's
      orders_lost counts every order lost in its horizon, the ones open at its start too).
    """
    tally = _Tally(start, end)
    for event in events:
        if _at(event["occurred_at"]) > end:  # the payroll posts the last day at `end`
            break
        tally.read(event)
    return tally.close()
