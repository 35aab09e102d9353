"""The projection rules: how each type of event changes the live state, a batch at a time.

Counters live in hourly (or daily) rows keyed by the event's own time, so an event that
arrives late lands in the hour it happened, not the hour it was received. Facts that need
several events (a delivery's transit time needs its tender, pick-up and delivery) are
settled once all of them are known, whatever order they came in.

Which events to apply, in what transaction, and what to do when one fails is the
projector's (apps/live/projector.py); these rules only apply them.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from apps.live.models import (
    Complaint,
    CostDay,
    DcHour,
    EquipmentState,
    LaneHour,
    OrderProgress,
    Sensor,
    Shipment,
    StockDay,
    StockLevel,
    WorkerPresence,
)
from apps.live.tables import Counters, Rows
from apps.network.models import Customer, DistributionCenter, Lane
from apps.sources.models import Event

# The name of the checkpoint row that holds how far the live state has applied the log.
CHECKPOINT = "live"
LABOUR_ROLES = ("picker", "packer")
HOUR = timedelta(hours=1)
# A reading outside its kind's range is an environment alert. Door and power sensors read
# 0/1: a door reads 1 when open, a power feed 0 when off.
SENSOR_RANGES = {
    "temperature": (10.0, 25.0),
    "humidity": (20.0, 70.0),
    "door": (0.0, 0.0),
    "power": (1.0, float("inf")),
}
# General-ledger accounts whose postings are labour cost (the payroll accounts, 61xx).
LABOUR_ACCOUNT_PREFIX = "61"


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


# Event types whose application reads or changes the event's order.
ORDER_TYPES = {"erp.order_created", "wms.order_released", "wms.shipped", "erp.order_cancelled"}
DC_HOUR_COUNTERS = ("busy_s", "clocked_s", "lines_picked", "pick_errors", "orders_released",
                    "orders_shipped")  # fmt: skip
LANE_HOUR_COUNTERS = ("tendered", "rejected", "tendered_usd", "delivered", "late", "transit_s")


class BatchState:
    """The rows a batch touches, loaded once, changed in memory, written back in bulk."""

    def __init__(self, events: list) -> None:
        workers, orders, equipment, shipments = set(), set(), set(), set()
        complaints, sensors, deliveries = set(), set(), set()
        for event in events:
            kind = event.type
            if event.shipment_id:
                shipments.add(event.shipment_id)
                if kind == "tms.tracking" and event.payload["status"] == "delivered":
                    deliveries.add(event.shipment_id)
            if kind in ORDER_TYPES or (kind == "wms.pick_completed" and event.payload["error"]):
                orders.add(event.order_id)
            elif kind == "wms.labor_clock":
                workers.add(event.payload["worker_id"])
            elif kind == "wms.pick_completed":
                workers.add(event.payload["picker_id"])
            elif kind == "wms.pack_completed":
                workers.add(event.payload["packer_id"])
            elif kind == "wms.equipment_status":
                equipment.add(event.payload["equipment_id"])
            elif kind.startswith("crm.complaint_"):
                complaints.add(event.payload["complaint_id"])
            elif kind == "iot.reading":
                sensors.add(event.payload["sensor_id"])
        # Every shift change clocks hundreds of workers out and in: their rows are upserted
        # with the others, in one statement, rather than updated one CASE WHEN at a time.
        self.presence = Rows(WorkerPresence, "worker_id")
        self.presence.load(workers)
        self.shipments = Rows(Shipment, "shipment_id")
        self.shipments.load(shipments)
        self.orders = Rows(OrderProgress, "order_id")
        # A delivery settles its orders too (see settle), so delivered shipments' orders
        # load: a load carries many, each naming the shipment on its row.
        aboard = (
            set(
                OrderProgress.objects.filter(shipment_id__in=deliveries).values_list(
                    "order_id", flat=True
                )
            )
            if deliveries
            else set()
        )
        self.orders.load(
            orders
            | aboard
            | {self.shipments.rows[s].order_id for s in deliveries & self.shipments.rows.keys()}
        )
        self.aboard: dict[str, set[str]] = {}  # shipment id -> its orders known to the batch
        for order in self.orders.rows.values():
            if order.shipment_id:
                self.aboard.setdefault(order.shipment_id, set()).add(order.order_id)
        self.equipment = Rows(EquipmentState, "equipment_id")
        self.equipment.load(equipment)
        self.complaints = Rows(Complaint, "complaint_id")
        self.complaints.load(complaints)
        self.sensors = Rows(Sensor, "sensor_id")
        self.sensors.load(sensors)
        self.dc_hours = Counters(DcHour, ("dc", "hour"), DC_HOUR_COUNTERS)
        self.lane_hours = Counters(LaneHour, ("lane", "hour"), LANE_HOUR_COUNTERS)
        self.stock = Counters(StockLevel, ("sku", "dc"), ("on_hand", "on_order"))
        self.stock_days = Counters(StockDay, ("sku", "dc", "day"), ("units_picked",))
        self.cost_days = Counters(CostDay, ("day", "category"), ("amount_usd",))
        self.changed_dcs: set[str] = set()
        self.handoff_lanes = _handoff_lanes([e.payload for e in events if e.type == "wms.shipped"])

    def add(self, dc: str, moment: datetime, counter: str, amount: float) -> None:
        self.dc_hours.add((dc, hour_of(moment)), counter, amount)
        self.changed_dcs.add(dc)

    def add_interval(self, dc: str, start: datetime, end: datetime, counter: str) -> None:
        """Spread the seconds of [start, end) over the hours they fall in."""
        while start < end:
            boundary = min(hour_of(start) + HOUR, end)
            self.add(dc, start, counter, (boundary - start).total_seconds())
            start = boundary

    def add_stock(self, sku: str, dc: str, counter: str, amount: int) -> None:
        self.stock.add((sku, dc), counter, amount)
        self.changed_dcs.add(dc)

    def settle(self, shipment) -> None:
        """Once a shipment's orders are known and it is delivered, they are delivered too;
        once its lane, pick-up and delivery are known, its lane's hour counts it."""
        delivered = shipment.delivered_at
        if delivered is None:
            return
        # Orders of deliveries are loaded with the batch; a tender or a shipped event that
        # completes a delivered shipment out of order is rare enough to read its own.
        order = self.orders.fetch(shipment.order_id) if shipment.order_id else None
        for order_id in self.aboard.get(shipment.shipment_id, ()):
            aboard = self.orders.rows.get(order_id)
            if aboard is not None and aboard.delivered_at is None:
                aboard.delivered_at = delivered
        if order is not None and order.delivered_at is None:
            order.delivered_at = delivered
        if shipment.settled or not shipment.lane or shipment.picked_up_at is None:
            return
        # Late against the customer's requested time when the order is known; against the
        # carrier's ETA otherwise.
        if order is not None and order.due_at is not None:
            late = delivered > order.due_at
        else:
            late = shipment.eta is not None and delivered > shipment.eta
        shipment.late = late
        shipment.transit_s = (delivered - shipment.picked_up_at).total_seconds()
        shipment.settled = True
        key = (shipment.lane, hour_of(delivered))
        self.lane_hours.add(key, "delivered", 1)
        self.lane_hours.add(key, "late", 1 if late else 0)
        self.lane_hours.add(key, "transit_s", shipment.transit_s)

    def save(self) -> None:
        for table in (self.presence, self.orders, self.equipment, self.shipments, self.complaints,
                      self.sensors, self.dc_hours, self.lane_hours, self.stock, self.stock_days,
                      self.cost_days):  # fmt: skip
            table.save()


def _handoff_lanes(shipped: list[dict]) -> dict[str, str]:
    """Order id → lane, for hand-offs from origins with no crews (a marketplace's seller
    regions, as in the Olist history): no TMS tenders or pick-ups come for them, so the
    hand-off is the pick-up, on the lane of its carrier from its origin to the order's
    region. Staffed DCs' shipments wait for their tenders, as before."""
    if not shipped:
        return {}
    origins = set(
        DistributionCenter.objects.filter(
            shifts__isnull=True, standard_pick_lines_per_hour__lte=0
        ).values_list("code", flat=True)
    )
    handed = [payload for payload in shipped if payload["dc"] in origins]
    if not handed:
        return {}
    customer_of = {
        order_id: payload["customer"]
        for order_id, payload in Event.objects.filter(
            type="erp.order_created", order_id__in=[p["order_id"] for p in handed]
        ).values_list("order_id", "payload")
    }
    region_of = dict(
        Customer.objects.filter(code__in=customer_of.values()).values_list("code", "region__code")
    )
    lanes = {
        tuple(route): code
        for code, *route in Lane.objects.filter(origin_dc__code__in=origins).values_list(
            "code", "origin_dc__code", "destination__code", "carrier__code"
        )
    }
    found = {}
    for payload in handed:
        region = region_of.get(customer_of.get(payload["order_id"], ""))
        lane = lanes.get((payload["dc"], region, payload["carrier"]))
        if lane:
            found[payload["order_id"]] = lane
    return found


def _day(moment: datetime) -> date:
    return moment.date()


def _labour(event, state: BatchState) -> None:
    payload, at = event.payload, event.occurred_at
    kind = event.type
    if kind == "wms.labor_clock":
        worker = payload["worker_id"]
        present = state.presence.rows.get(worker)
        if payload["direction"] == "in":
            if present is None or present.clocked_out_at is not None:  # or back for a shift
                present = state.presence.row(worker)
                present.dc, present.role = payload["dc"], payload["role"]
                present.clocked_in_at, present.clocked_out_at = at, None
            else:
                return  # already in: the first clock-in stands
            state.changed_dcs.add(payload["dc"])
            return
        if present is None or present.clocked_out_at is not None:
            return  # an out without an in: nothing was clocked
        if present.role in LABOUR_ROLES:
            state.add_interval(present.dc, present.clocked_in_at, at, "clocked_s")
        present.clocked_out_at = at
        state.changed_dcs.add(present.dc)
    elif kind == "wms.pick_completed":
        dc = payload["dc"]
        started = _parse(payload["started_at"])
        end = started + timedelta(seconds=payload["duration_s"])
        state.add_interval(dc, started, end, "busy_s")
        _clock_overtime(state, payload["picker_id"], started, end)
        state.add(dc, at, "lines_picked", 1)
        state.add(dc, at, "pick_errors", 1 if payload["error"] else 0)
        if payload["error"]:
            state.orders.row(payload["order_id"]).pick_errors += 1
        for change in stock_changes(kind, payload):
            state.add_stock(*change)
        state.stock_days.add((payload["sku"], dc, _day(at)), "units_picked", payload["qty"])
    elif kind == "wms.pack_completed":
        started = at - timedelta(seconds=payload["duration_s"])
        state.add_interval(payload["dc"], started, at, "busy_s")
        _clock_overtime(state, payload["packer_id"], started, at)


def _clock_overtime(state: BatchState, worker: str, started: datetime, end: datetime) -> None:
    """A task finished after its worker clocked out was worked on overtime: the part after
    the clock-out is clocked too, in the hours it was worked, so busy never exceeds
    clocked (apps/simulation/kpis.py). A task whose worker never clocked in stays
    unclocked: that is missing clock data, which the live alerts name."""
    present = state.presence.rows.get(worker)
    if present is None or present.clocked_out_at is None or present.role not in LABOUR_ROLES:
        return
    if end > present.clocked_out_at:
        state.add_interval(present.dc, max(started, present.clocked_out_at), end, "clocked_s")


def _orders(event, state: BatchState) -> None:
    payload, at = event.payload, event.occurred_at
    kind = event.type
    if kind == "erp.order_created":
        order = state.orders.row(payload["order_id"])
        order.lines = len(payload["lines"])
        order.created_at = at
        order.due_at = _parse(payload["requested_by"])
        order.dc = order.dc or payload.get("dc") or ""
    elif kind == "wms.order_released":
        order = state.orders.row(payload["order_id"])
        order.dc, order.released_at = payload["dc"], at
        state.add(payload["dc"], at, "orders_released", 1)
    elif kind == "wms.shipped":
        order = state.orders.row(payload["order_id"])
        order.shipped_at = at
        state.add(payload["dc"], at, "orders_shipped", 1)
        shipment = state.shipments.row(payload["shipment_id"])
        # A load's first order stands for it where one order is wanted (its lateness).
        shipment.order_id = shipment.order_id or payload["order_id"]
        order.shipment_id = payload["shipment_id"]
        state.aboard.setdefault(order.shipment_id, set()).add(order.order_id)
        shipment.carrier = shipment.carrier or payload["carrier"]
        lane = state.handoff_lanes.get(payload["order_id"])
        if lane and not shipment.lane:
            shipment.lane, shipment.picked_up_at = lane, shipment.picked_up_at or at
        state.settle(shipment)
    elif kind == "erp.order_cancelled":
        state.orders.row(payload["order_id"]).cancelled_at = at


def _transport(event, state: BatchState) -> None:
    payload, at = event.payload, event.occurred_at
    kind = event.type
    if kind == "tms.tender":
        shipment = state.shipments.row(payload["shipment_id"])
        shipment.lane, shipment.carrier = payload["lane"], payload["carrier"]
        shipment.tendered_at = at
        shipment.rejected = payload["status"] == "rejected"
        key = (payload["lane"], hour_of(at))
        state.lane_hours.add(key, "tendered", 1)
        if shipment.rejected:
            state.lane_hours.add(key, "rejected", 1)
        else:
            state.lane_hours.add(key, "tendered_usd", float(payload["rate"]))
        state.settle(shipment)
    elif kind == "tms.tracking":
        shipment = state.shipments.row(payload["shipment_id"])
        status, when = payload["status"], _parse(payload["at"])
        if payload.get("eta"):
            shipment.eta = _parse(payload["eta"])
        if status == "picked_up":
            shipment.picked_up_at = when
        elif status == "delivered":
            shipment.delivered_at = when
        state.settle(shipment)
    elif kind == "tms.freight_accrued":
        state.cost_days.add((_day(at), "freight"), "amount_usd", Decimal(str(payload["amount"])))
    elif kind == "erp.financial_posted":
        category = "labour" if payload["account"].startswith(LABOUR_ACCOUNT_PREFIX) else "other"
        state.cost_days.add((_day(at), category), "amount_usd", Decimal(str(payload["amount"])))


# The event types that change a stock level, and how: one definition, applied forwards by
# the projector and backwards by the state at an earlier moment (stock_history.py).
STOCK_TYPES = frozenset({"wms.pick_completed", "erp.inventory_adjusted", "erp.inventory_moved",
                         "erp.po_created", "erp.receipt_posted"})  # fmt: skip


def stock_changes(kind: str, payload: dict) -> list[tuple[str, str, str, int]]:
    """(sku, dc, "on_hand" or "on_order", amount) for each stock level the event changes."""
    if kind == "wms.pick_completed":
        return [(payload["sku"], payload["dc"], "on_hand", -payload["qty"])]
    if kind == "erp.inventory_adjusted":
        return [(payload["sku"], payload["dc"], "on_hand", payload["delta"])]
    if kind == "erp.inventory_moved":
        return [
            (payload["sku"], payload["from_dc"], "on_hand", -payload["qty"]),
            (payload["sku"], payload["to_dc"], "on_hand", payload["qty"]),
        ]
    if kind == "erp.po_created":
        return [(payload["sku"], payload["dc"], "on_order", payload["qty"])]
    if kind == "erp.receipt_posted":
        return [
            (payload["sku"], payload["dc"], "on_order", -payload["qty"]),
            (payload["sku"], payload["dc"], "on_hand", payload["qty"]),
        ]
    return []


def _stock(event, state: BatchState) -> None:
    for change in stock_changes(event.type, event.payload):
        state.add_stock(*change)


def _customers(event, state: BatchState) -> None:
    payload, at = event.payload, event.occurred_at
    kind = event.type
    complaint = state.complaints.row(payload["complaint_id"])
    if kind == "crm.complaint_opened":
        complaint.customer, complaint.order_id = payload["customer"], payload["order_id"]
        complaint.category, complaint.opened_at = payload["category"], at
    elif kind == "crm.complaint_closed":
        complaint.closed_at = at


def _equipment(event, state: BatchState) -> None:
    payload, at = event.payload, event.occurred_at
    if event.type == "wms.equipment_status":
        item = state.equipment.row(payload["equipment_id"])
        item.dc = payload["dc"]
        if item.since is None or at >= item.since:  # a late event does not undo a newer one
            item.kind, item.up, item.since = payload["kind"], payload["status"] == "up", at
            item.reason = payload.get("reason", "") or ""
        state.changed_dcs.add(payload["dc"])
    elif event.type == "iot.reading":
        sensor = state.sensors.row(payload["sensor_id"])
        if sensor.at is not None and at < sensor.at:
            return  # a late reading does not replace a newer one
        low, high = SENSOR_RANGES.get(payload["kind"], (float("-inf"), float("inf")))
        outside = not low <= payload["value"] <= high
        if outside and sensor.out_of_range_since is None:
            sensor.out_of_range_since = at
            state.changed_dcs.add(payload["dc"])
        elif not outside and sensor.out_of_range_since is not None:
            sensor.out_of_range_since = None
            state.changed_dcs.add(payload["dc"])
        sensor.dc, sensor.kind, sensor.at = payload["dc"], payload["kind"], at
        sensor.value, sensor.unit = payload["value"], payload["unit"]


# Which part applies each type: a dict look-up per event instead of a chain of comparisons.
DISPATCH = {
    "wms.labor_clock": _labour,
    "wms.pick_completed": _labour,
    "wms.pack_completed": _labour,
    "erp.order_created": _orders,
    "wms.order_released": _orders,
    "wms.shipped": _orders,
    "erp.order_cancelled": _orders,
    "tms.tender": _transport,
    "tms.tracking": _transport,
    "tms.freight_accrued": _transport,
    "erp.financial_posted": _transport,
    "erp.inventory_adjusted": _stock,
    "erp.inventory_moved": _stock,
    "erp.po_created": _stock,
    "erp.receipt_posted": _stock,
    "crm.complaint_opened": _customers,
    "crm.complaint_closed": _customers,
    "wms.equipment_status": _equipment,
    "iot.reading": _equipment,
}


def events_apply(events: list) -> set[str]:
    """Apply the events to the live state in one go; the DCs they changed."""
    state = BatchState(events)
    for event in events:
        apply = DISPATCH.get(event.type)
        if apply is not None:
            apply(event, state)
    state.save()
    return state.changed_dcs
