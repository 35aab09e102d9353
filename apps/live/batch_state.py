"""The rows one batch of events touches: loaded once, changed in memory, written in bulk."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
from apps.sources.payload_types import (
    OrderCreatedPayload,
    PickCompletedPayload,
    ShippedPayload,
    TrackingPayload,
)

HOUR = timedelta(hours=1)
LABOUR_ROLES = ("picker", "packer")
# Event types whose application reads or changes the event's order.
ORDER_TYPES = {"erp.order_created", "wms.order_released", "wms.shipped", "erp.order_cancelled"}
# The payload field naming the worker, equipment, complaint or sensor an event is about
# (tests/sources/test_payload_types.py checks each is a field of its type's payload).
SUBJECT_FIELDS = {
    "wms.labor_clock": ("workers", "worker_id"),
    "wms.pack_completed": ("workers", "packer_id"),
    "wms.equipment_status": ("equipment", "equipment_id"),
    "crm.complaint_opened": ("complaints", "complaint_id"),
    "crm.complaint_closed": ("complaints", "complaint_id"),
    "iot.reading": ("sensors", "sensor_id"),
}
DC_HOUR_COUNTERS = ("busy_s", "clocked_s", "lines_picked", "pick_errors", "orders_released",
                    "orders_shipped")  # fmt: skip
LANE_HOUR_COUNTERS = ("tendered", "rejected", "tendered_usd", "delivered", "late", "transit_s")


def hour_of(moment: datetime) -> datetime:
    """The start of the hour the moment falls in, in the moment's own time zone."""
    if moment.fold:  # the repeated hour of a clock change: replace() keeps which one it is
        return moment.replace(minute=0, second=0, microsecond=0)
    # The constructor's positional arguments cost a third of replace()'s keywords, and the
    # projector asks for an hour several times per event.
    return datetime(moment.year, moment.month, moment.day, moment.hour, 0, 0, 0, moment.tzinfo)


@dataclass
class Subjects:
    """The ids of the rows a batch's events name, by kind of row."""

    workers: set[str] = field(default_factory=set)
    orders: set[str] = field(default_factory=set)
    equipment: set[str] = field(default_factory=set)
    shipments: set[str] = field(default_factory=set)
    complaints: set[str] = field(default_factory=set)
    sensors: set[str] = field(default_factory=set)
    deliveries: set[str] = field(default_factory=set)  # shipments delivered in the batch


def _subjects(events: list) -> Subjects:
    found = Subjects()
    for event in events:
        kind = event.type
        if event.shipment_id:
            found.shipments.add(event.shipment_id)
            if kind == "tms.tracking":
                tracking: TrackingPayload = event.payload
                if tracking["status"] == "delivered":
                    found.deliveries.add(event.shipment_id)
        if kind in ORDER_TYPES:
            found.orders.add(event.order_id)
        elif kind == "wms.pick_completed":
            # A pick in error counts against its order; its picker is then not loaded (as
            # the digest in tests/live/test_projector.py was recorded).
            pick: PickCompletedPayload = event.payload
            if pick["error"]:
                found.orders.add(event.order_id)
            else:
                found.workers.add(pick["picker_id"])
        elif kind in SUBJECT_FIELDS:
            rows, name = SUBJECT_FIELDS[kind]
            getattr(found, rows).add(event.payload[name])
    return found


class BatchState:
    """The rows a batch touches, loaded once, changed in memory, written back in bulk."""

    def __init__(self, events: list) -> None:
        subjects = _subjects(events)
        deliveries = subjects.deliveries
        # Every shift change clocks hundreds of workers out and in: their rows are upserted
        # with the others, in one statement, rather than updated one CASE WHEN at a time.
        self.presence = Rows(WorkerPresence, "worker_id")
        self.presence.load(subjects.workers)
        self.shipments = Rows(Shipment, "shipment_id")
        self.shipments.load(subjects.shipments)
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
            subjects.orders
            | aboard
            | {self.shipments.rows[s].order_id for s in deliveries & self.shipments.rows.keys()}
        )
        self.aboard: dict[str, set[str]] = {}  # shipment id -> its orders known to the batch
        for order in self.orders.rows.values():
            if order.shipment_id:
                self.aboard.setdefault(order.shipment_id, set()).add(order.order_id)
        self.equipment = Rows(EquipmentState, "equipment_id")
        self.equipment.load(subjects.equipment)
        self.complaints = Rows(Complaint, "complaint_id")
        self.complaints.load(subjects.complaints)
        self.sensors = Rows(Sensor, "sensor_id")
        self.sensors.load(subjects.sensors)
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
        if start >= end:
            return
        self.changed_dcs.add(dc)
        add = self.dc_hours.add
        hour = hour_of(start)
        while start < end:
            # The next hour starts on the boundary: no need to round it down again.
            following = hour + HOUR
            boundary = following if following < end else end
            add((dc, hour), counter, (boundary - start).total_seconds())
            start, hour = boundary, following

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


def _handoff_lanes(shipped: list[ShippedPayload]) -> dict[str, str]:
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
    handed: list[ShippedPayload] = [payload for payload in shipped if payload["dc"] in origins]
    if not handed:
        return {}
    customer_of = _customers_of([payload["order_id"] for payload in handed])
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


def _customers_of(order_ids: list[str]) -> dict[str, str]:
    """Order id -> customer, from the orders' creation events."""
    customers = {}
    for order_id, payload in Event.objects.filter(
        type="erp.order_created", order_id__in=order_ids
    ).values_list("order_id", "payload"):
        created: OrderCreatedPayload = payload
        customers[order_id] = created["customer"]
    return customers
