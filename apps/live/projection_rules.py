"""The projection rules: how each type of event changes the live state, a batch at a time.

Counters live in hourly (or daily) rows keyed by the event's own time, so an event that
arrives late lands in the hour it happened, not the hour it was received. Facts that need
several events (a delivery's transit time needs its tender, pick-up and delivery) are
settled once all of them are known, whatever order they came in.

Each rule reads its payload through the type's stored form (apps/sources/payload_types.py):
a TypedDict, so the read costs nothing more than a dict's while its keys are checked
against the schema by tests/sources/test_payload_types.py.

Which events to apply, in what transaction, and what to do when one fails is the
projector's (apps/live/projector.py); these rules only apply them.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from apps.live.batch_state import HOUR, LABOUR_ROLES, BatchState, hour_of
from apps.sources.payload_types import (
    ComplaintClosedPayload,
    ComplaintOpenedPayload,
    EquipmentStatusPayload,
    FinancialPostedPayload,
    FreightAccruedPayload,
    InventoryAdjustedPayload,
    InventoryMovedPayload,
    LaborClockPayload,
    OrderCancelledPayload,
    OrderCreatedPayload,
    OrderReleasedPayload,
    PackCompletedPayload,
    PickCompletedPayload,
    PoCreatedPayload,
    ReadingPayload,
    ReceiptPostedPayload,
    ShippedPayload,
    TenderPayload,
    TrackingPayload,
)

__all__ = ["CHECKPOINT", "DISPATCH", "HOUR", "LABOUR_ROLES", "SENSOR_RANGES", "STOCK_TYPES",
           "events_apply", "hour_of", "stock_changes"]  # fmt: skip

# The name of the checkpoint row that holds how far the live state has applied the log.
CHECKPOINT = "live"
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


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _day(moment: datetime) -> date:
    return moment.date()


# ---- Labour ------------------------------------------------------------------------------
def _labor_clock(event, state: BatchState) -> None:
    clock: LaborClockPayload = event.payload
    at = event.occurred_at
    worker = clock["worker_id"]
    present = state.presence.rows.get(worker)
    if clock["direction"] == "in":
        if present is None or present.clocked_out_at is not None:  # or back for a shift
            present = state.presence.row(worker)
            present.dc, present.role = clock["dc"], clock["role"]
            present.clocked_in_at, present.clocked_out_at = at, None
        else:
            return  # already in: the first clock-in stands
        state.changed_dcs.add(clock["dc"])
        return
    if present is None or present.clocked_out_at is not None:
        return  # an out without an in: nothing was clocked
    if present.role in LABOUR_ROLES:
        state.add_interval(present.dc, present.clocked_in_at, at, "clocked_s")
    present.clocked_out_at = at
    state.changed_dcs.add(present.dc)


def _pick_completed(event, state: BatchState) -> None:
    pick: PickCompletedPayload = event.payload
    at = event.occurred_at
    dc = pick["dc"]
    started = _parse(pick["started_at"])
    end = started + timedelta(seconds=pick["duration_s"])
    state.add_interval(dc, started, end, "busy_s")
    _clock_overtime(state, pick["picker_id"], started, end)
    dc_hour = (dc, hour_of(at))
    state.dc_hours.add(dc_hour, "lines_picked", 1)
    state.dc_hours.add(dc_hour, "pick_errors", 1 if pick["error"] else 0)
    if pick["error"]:
        state.orders.row(pick["order_id"]).pick_errors += 1
    for change in _pick_changes(pick):
        state.add_stock(*change)
    state.stock_days.add((pick["sku"], dc, _day(at)), "units_picked", pick["qty"])


def _pack_completed(event, state: BatchState) -> None:
    pack: PackCompletedPayload = event.payload
    at = event.occurred_at
    started = at - timedelta(seconds=pack["duration_s"])
    state.add_interval(pack["dc"], started, at, "busy_s")
    _clock_overtime(state, pack["packer_id"], started, at)


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


# ---- Orders ------------------------------------------------------------------------------
def _order_created(event, state: BatchState) -> None:
    created: OrderCreatedPayload = event.payload
    order = state.orders.row(created["order_id"])
    order.lines = len(created["lines"])
    order.created_at = event.occurred_at
    order.due_at = _parse(created["requested_by"])
    order.dc = order.dc or created.get("dc") or ""


def _order_released(event, state: BatchState) -> None:
    released: OrderReleasedPayload = event.payload
    at = event.occurred_at
    order = state.orders.row(released["order_id"])
    order.dc, order.released_at = released["dc"], at
    state.add(released["dc"], at, "orders_released", 1)


def _shipped(event, state: BatchState) -> None:
    shipped: ShippedPayload = event.payload
    at = event.occurred_at
    order = state.orders.row(shipped["order_id"])
    order.shipped_at = at
    state.add(shipped["dc"], at, "orders_shipped", 1)
    shipment = state.shipments.row(shipped["shipment_id"])
    # A load's first order stands for it where one order is wanted (its lateness).
    shipment.order_id = shipment.order_id or shipped["order_id"]
    order.shipment_id = shipped["shipment_id"]
    state.aboard.setdefault(order.shipment_id, set()).add(order.order_id)
    shipment.carrier = shipment.carrier or shipped["carrier"]
    lane = state.handoff_lanes.get(shipped["order_id"])
    if lane and not shipment.lane:
        shipment.lane, shipment.picked_up_at = lane, shipment.picked_up_at or at
    state.settle(shipment)


def _order_cancelled(event, state: BatchState) -> None:
    cancelled: OrderCancelledPayload = event.payload
    state.orders.row(cancelled["order_id"]).cancelled_at = event.occurred_at


# ---- Transport and costs -----------------------------------------------------------------
def _tender(event, state: BatchState) -> None:
    tender: TenderPayload = event.payload
    at = event.occurred_at
    shipment = state.shipments.row(tender["shipment_id"])
    shipment.lane, shipment.carrier = tender["lane"], tender["carrier"]
    shipment.tendered_at = at
    shipment.rejected = tender["status"] == "rejected"
    key = (tender["lane"], hour_of(at))
    state.lane_hours.add(key, "tendered", 1)
    if shipment.rejected:
        state.lane_hours.add(key, "rejected", 1)
    else:
        state.lane_hours.add(key, "tendered_usd", float(tender["rate"]))
    state.settle(shipment)


def _tracking(event, state: BatchState) -> None:
    tracking: TrackingPayload = event.payload
    shipment = state.shipments.row(tracking["shipment_id"])
    status, when = tracking["status"], _parse(tracking["at"])
    if tracking.get("eta"):
        shipment.eta = _parse(tracking["eta"])
    if status == "picked_up":
        shipment.picked_up_at = when
    elif status == "delivered":
        shipment.delivered_at = when
    state.settle(shipment)


def _freight_accrued(event, state: BatchState) -> None:
    freight: FreightAccruedPayload = event.payload
    key = (_day(event.occurred_at), "freight")
    state.cost_days.add(key, "amount_usd", Decimal(str(freight["amount"])))


def _financial_posted(event, state: BatchState) -> None:
    posted: FinancialPostedPayload = event.payload
    category = "labour" if posted["account"].startswith(LABOUR_ACCOUNT_PREFIX) else "other"
    key = (_day(event.occurred_at), category)
    state.cost_days.add(key, "amount_usd", Decimal(str(posted["amount"])))


# ---- Stock -------------------------------------------------------------------------------
# The event types that change a stock level, and how: one definition, applied forwards by
# the projector and backwards by the state at an earlier moment (stock_history.py).
STOCK_TYPES = frozenset({"wms.pick_completed", "erp.inventory_adjusted", "erp.inventory_moved",
                         "erp.po_created", "erp.receipt_posted"})  # fmt: skip


def _pick_changes(pick: PickCompletedPayload) -> list[tuple[str, str, str, int]]:
    return [(pick["sku"], pick["dc"], "on_hand", -pick["qty"])]


def _adjusted_changes(adjusted: InventoryAdjustedPayload) -> list[tuple[str, str, str, int]]:
    return [(adjusted["sku"], adjusted["dc"], "on_hand", adjusted["delta"])]


def _moved_changes(moved: InventoryMovedPayload) -> list[tuple[str, str, str, int]]:
    return [
        (moved["sku"], moved["from_dc"], "on_hand", -moved["qty"]),
        (moved["sku"], moved["to_dc"], "on_hand", moved["qty"]),
    ]


def _po_changes(po: PoCreatedPayload) -> list[tuple[str, str, str, int]]:
    return [(po["sku"], po["dc"], "on_order", po["qty"])]


def _receipt_changes(receipt: ReceiptPostedPayload) -> list[tuple[str, str, str, int]]:
    return [
        (receipt["sku"], receipt["dc"], "on_order", -receipt["qty"]),
        (receipt["sku"], receipt["dc"], "on_hand", receipt["qty"]),
    ]


STOCK_CHANGES = {
    "wms.pick_completed": _pick_changes,
    "erp.inventory_adjusted": _adjusted_changes,
    "erp.inventory_moved": _moved_changes,
    "erp.po_created": _po_changes,
    "erp.receipt_posted": _receipt_changes,
}


def stock_changes(kind: str, payload: dict) -> list[tuple[str, str, str, int]]:
    """(sku, dc, "on_hand" or "on_order", amount) for each stock level the event changes."""
    changes = STOCK_CHANGES.get(kind)
    return changes(payload) if changes is not None else []


def _stock(event, state: BatchState) -> None:
    for change in STOCK_CHANGES[event.type](event.payload):
        state.add_stock(*change)


# ---- Customers, equipment and sensors ----------------------------------------------------
def _complaint_opened(event, state: BatchState) -> None:
    opened: ComplaintOpenedPayload = event.payload
    complaint = state.complaints.row(opened["complaint_id"])
    complaint.customer, complaint.order_id = opened["customer"], opened["order_id"]
    complaint.category, complaint.opened_at = opened["category"], event.occurred_at


def _complaint_closed(event, state: BatchState) -> None:
    closed: ComplaintClosedPayload = event.payload
    state.complaints.row(closed["complaint_id"]).closed_at = event.occurred_at


def _equipment_status(event, state: BatchState) -> None:
    status: EquipmentStatusPayload = event.payload
    at = event.occurred_at
    item = state.equipment.row(status["equipment_id"])
    item.dc = status["dc"]
    if item.since is None or at >= item.since:  # a late event does not undo a newer one
        item.kind, item.up, item.since = status["kind"], status["status"] == "up", at
        item.reason = status.get("reason", "") or ""
    state.changed_dcs.add(status["dc"])


def _reading(event, state: BatchState) -> None:
    reading: ReadingPayload = event.payload
    at = event.occurred_at
    sensor = state.sensors.row(reading["sensor_id"])
    if sensor.at is not None and at < sensor.at:
        return  # a late reading does not replace a newer one
    low, high = SENSOR_RANGES.get(reading["kind"], (float("-inf"), float("inf")))
    outside = not low <= reading["value"] <= high
    if outside and sensor.out_of_range_since is None:
        sensor.out_of_range_since = at
        state.changed_dcs.add(reading["dc"])
    elif not outside and sensor.out_of_range_since is not None:
        sensor.out_of_range_since = None
        state.changed_dcs.add(reading["dc"])
    sensor.dc, sensor.kind, sensor.at = reading["dc"], reading["kind"], at
    sensor.value, sensor.unit = reading["value"], reading["unit"]


# Which rule applies each type: a dict look-up per event instead of a chain of comparisons.
DISPATCH = {
    "wms.labor_clock": _labor_clock,
    "wms.pick_completed": _pick_completed,
    "wms.pack_completed": _pack_completed,
    "erp.order_created": _order_created,
    "wms.order_released": _order_released,
    "wms.shipped": _shipped,
    "erp.order_cancelled": _order_cancelled,
    "tms.tender": _tender,
    "tms.tracking": _tracking,
    "tms.freight_accrued": _freight_accrued,
    "erp.financial_posted": _financial_posted,
    "erp.inventory_adjusted": _stock,
    "erp.inventory_moved": _stock,
    "erp.po_created": _stock,
    "erp.receipt_posted": _stock,
    "crm.complaint_opened": _complaint_opened,
    "crm.complaint_closed": _complaint_closed,
    "wms.equipment_status": _equipment_status,
    "iot.reading": _reading,
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
