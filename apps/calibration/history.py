"""A window of the event log, read once per calibration and shared by the six fitters.

This is where calibration reads the event log: an event whose fields calibration uses are
not sound (row_checks) is left out here and counted with its reason, never passed on.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import NamedTuple

from apps.calibration.payloads import (
    LaborClockRow,
    OrderCreatedRow,
    OrderLineRow,
    PickCompletedRow,
    ShippedRow,
    TenderRow,
    TrackingRow,
    payload_of,
)
from apps.calibration.row_checks import SkippedRows, event_problem
from apps.network.models import Customer, Lane, Sku
from apps.sources.selectors import event_window_read


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M}"


def hours_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def crews(stints: list[tuple], *, gap_h: float) -> list[list[tuple]]:
    """One DC's clock stints (each starting with its clock-in time) in order of arrival,
    grouped into crews: a stint clocking in within `gap_h` of the one before joins its crew."""
    grouped: list[list[tuple]] = []
    for stint in sorted(stints, key=lambda s: s[0]):
        if grouped and hours_between(grouped[-1][-1][0], stint[0]) <= gap_h:
            grouped[-1].append(stint)
        else:
            grouped.append([stint])
    return grouped


def sound_events(events: Iterable, skipped: SkippedRows) -> list:
    """The events calibration can read; the others counted in `skipped` with their reason."""
    sound = []
    for event in events:
        problem = event_problem(event)
        if problem is None:
            sound.append(event)
        else:
            skipped.add(f"{event.type} {problem}", event.id)
    return sound


def window_events(
    *, types: Iterable[str], start: datetime, end: datetime, skipped: SkippedRows
) -> list:
    """Sound events of these types in [start, end), oldest first (see event_window_read)."""
    return sound_events(event_window_read(types=types, start=start, end=end), skipped)


# Keys of what a History read: the window's events of a type, or a type's since the log began.
WINDOW, SINCE_LOG_START = "window", "since log start"


@dataclass(frozen=True)
class Order:
    order_id: str
    customer: str
    region: str  # the customer's region; "" for a customer the master data does not know
    lines: list[OrderLineRow]
    requested_by: datetime
    created_at: datetime


@dataclass(frozen=True)
class Shipment:
    """A load: its tender, its pick-up and delivery, and every order whose wms.shipped names it."""

    shipment_id: str
    lane: str = ""
    carrier: str = ""
    order_ids: tuple[str, ...] = ()
    picked_up_at: datetime | None = None
    delivered_at: datetime | None = None
    accepted: bool | None = None  # None: no tender seen
    rate: float | None = None


class Stint(NamedTuple):
    """One worker's time on the clock; `until` is None while still clocked in."""

    dc: str
    worker: str
    role: str
    since: datetime
    until: datetime | None


# The event types a load is built from, each read as its payload's row.
SHIPMENT_ROWS: dict[str, type[TenderRow | TrackingRow | ShippedRow]] = {
    "tms.tender": TenderRow,
    "tms.tracking": TrackingRow,
    "wms.shipped": ShippedRow,
}


@dataclass(frozen=True)
class History:
    """Events of the window by type, loaded on first use, and the master data they name.

    Rows left out are kept per type; a reader that wants them counted (one sub-model's
    fit) reads inside `skips_counted_in`, which adds those of every type it reads. The
    window is fixed; what is read is cached on the instance (the dicts below, and each
    cached property), so the six fitters share one read of each table.
    """

    window: Window
    _events: dict[str, list] = field(default_factory=dict, repr=False)
    _skipped: dict[tuple[str, str], SkippedRows] = field(default_factory=dict, repr=False)
    _tallies: list[tuple[SkippedRows, set]] = field(default_factory=list, repr=False)

    def events(self, *types: str) -> list:
        self._read(types)
        if len(types) == 1:
            return self._events[types[0]]
        return sorted(
            (e for t in types for e in self._events[t]), key=lambda e: (e.occurred_at, e.id)
        )

    def _read(self, types: Iterable[str]) -> None:
        """Load the types not loaded yet, and count what they left out for the readers."""
        missing = [t for t in types if t not in self._events]
        if missing:
            for t in missing:
                self._events[t] = []
                self._skipped[(WINDOW, t)] = SkippedRows()
            for event in event_window_read(
                types=missing, start=self.window.start, end=self.window.end
            ):
                problem = event_problem(event)
                if problem is None:
                    self._events[event.type].append(event)
                else:
                    self._skipped[(WINDOW, event.type)].add(f"{event.type} {problem}", event.id)
        self._count_skips([(WINDOW, t) for t in types])

    def events_since_log_start(self, event_type: str) -> list:
        """Events of a type from the start of the log to the window's end (standing facts,
        such as SLA commitments, are posted once and hold until replaced)."""
        skipped = self._skipped[(SINCE_LOG_START, event_type)] = SkippedRows()
        events = window_events(
            types=[event_type],
            start=datetime.min.replace(tzinfo=self.window.end.tzinfo),
            end=self.window.end,
            skipped=skipped,
        )
        self._count_skips([(SINCE_LOG_START, event_type)])
        return events

    @contextmanager
    def skips_counted_in(self, tally: SkippedRows) -> Iterator[None]:
        """Within: the rows left out of every type read are added to `tally`."""
        entry = (tally, set())
        self._tallies.append(entry)
        try:
            yield
        finally:
            self._tallies.remove(entry)

    def _count_skips(self, keys: Iterable[tuple[str, str]]) -> None:
        for tally, counted in self._tallies:
            for key in keys:
                if key not in counted:
                    counted.add(key)
                    tally.merge(self._skipped[key])

    @cached_property
    def customer_region(self) -> dict[str, str]:
        return dict(Customer.objects.values_list("code", "region__code"))

    @cached_property
    def customer_tier(self) -> dict[str, str]:
        return dict(Customer.objects.values_list("code", "sla_tier"))

    @cached_property
    def sku_family(self) -> dict[str, str]:
        return dict(Sku.objects.values_list("code", "family"))

    @cached_property
    def sku_weight_kg(self) -> dict[str, float]:
        return {code: float(kg) for code, kg in Sku.objects.values_list("code", "weight_kg")}

    @cached_property
    def lane_route(self) -> dict[str, tuple[str, str, str]]:
        """Lane code → (origin DC or cross-dock, destination region, mode)."""
        return {
            lane.code: (
                lane.origin_dc.code if lane.origin_dc_id else lane.origin_cross_dock.code,
                lane.destination.code,
                lane.mode,
            )
            for lane in Lane.objects.select_related("origin_dc", "origin_cross_dock", "destination")
        }

    # ---- joins several fitters need ----------------------------------------------------
    @property
    def orders(self) -> dict[str, Order]:
        """Order id → the order as created in the window."""
        self._read(["erp.order_created"])  # counts its skipped rows for this reader too
        return self._orders

    @cached_property
    def _orders(self) -> dict[str, Order]:
        orders = {}
        for event in self.events("erp.order_created"):
            payload = payload_of(event, OrderCreatedRow)
            customer = payload["customer"]
            orders[payload["order_id"]] = Order(
                order_id=payload["order_id"],
                customer=customer,
                region=self.customer_region.get(customer, ""),
                lines=payload["lines"],
                requested_by=datetime.fromisoformat(payload["requested_by"]),
                created_at=event.occurred_at,
            )
        return orders

    @property
    def shipments(self) -> dict[str, Shipment]:
        """Shipment id → the load: a load carries every order whose wms.shipped names it."""
        self._read(["tms.tender", "tms.tracking", "wms.shipped"])
        return self._shipments

    @cached_property
    def _shipments(self) -> dict[str, Shipment]:
        # Built field by field as the three event types arrive, then frozen.
        rows: dict[str, dict] = {}
        for event in self.events("tms.tender", "tms.tracking", "wms.shipped"):
            payload = payload_of(event, SHIPMENT_ROWS[event.type])
            shipment_id = payload["shipment_id"]
            row = rows.setdefault(shipment_id, {"shipment_id": shipment_id, "order_ids": []})
            if event.type == "tms.tender":
                tender = payload_of(event, TenderRow)
                row["lane"], row["carrier"] = tender["lane"], tender["carrier"]
                row["accepted"] = tender["status"] == "accepted"
                row["rate"] = tender.get("rate")
            elif event.type == "wms.shipped":
                row["order_ids"].append(payload_of(event, ShippedRow)["order_id"])
            else:
                tracking = payload_of(event, TrackingRow)
                if tracking["status"] == "picked_up":
                    row["picked_up_at"] = datetime.fromisoformat(tracking["at"])
                elif tracking["status"] == "delivered":
                    row["delivered_at"] = datetime.fromisoformat(tracking["at"])
        if not any(
            row.get("accepted") is not None or row.get("picked_up_at") for row in rows.values()
        ):
            self._handed_over(rows)
        return {
            shipment_id: Shipment(**{**row, "order_ids": tuple(row["order_ids"])})
            for shipment_id, row in rows.items()
        }

    def _handed_over(self, rows: dict[str, dict]) -> None:
        """A history with no TMS tenders or pick-ups (a marketplace's export: the seller's
        hand-off to the carrier and the delivery, as Olist's) still measures transit: the
        hand-off (wms.shipped) is the pick-up, on the lane of its carrier from its DC to
        the order's region. Orders placed before the window are not read, so their
        shipments are left out rather than guessed."""
        lanes = {
            (origin, region, carrier): code
            for code, origin, region, carrier in Lane.objects.filter(
                origin_dc__isnull=False
            ).values_list("code", "origin_dc__code", "destination__code", "carrier__code")
        }
        orders = self._orders
        for event in self.events("wms.shipped"):
            shipped = payload_of(event, ShippedRow)
            order = orders.get(shipped["order_id"])
            if order is None:
                continue
            lane = lanes.get((shipped["dc"], order.region, shipped["carrier"]))
            if lane:
                row = rows[shipped["shipment_id"]]
                row["lane"], row["carrier"] = lane, shipped["carrier"]
                row["picked_up_at"] = event.occurred_at

    @property
    def pick_errors_by_order(self) -> dict[str, int]:
        self._read(["wms.pick_completed"])
        return self._pick_errors_by_order

    @cached_property
    def _pick_errors_by_order(self) -> dict[str, int]:
        errors: dict[str, int] = {}
        for event in self.events("wms.pick_completed"):
            pick = payload_of(event, PickCompletedRow)
            if pick.get("error"):
                errors[pick["order_id"]] = errors.get(pick["order_id"], 0) + 1
        return errors

    def clock_intervals(self) -> list[Stint]:
        """Every stint in the window; one clocked in twice without clocking out ends open."""
        open_: dict[str, tuple[str, str, datetime]] = {}
        stints = []
        for event in self.events("wms.labor_clock"):
            clock = payload_of(event, LaborClockRow)
            worker = clock["worker_id"]
            if clock["direction"] == "in":
                if worker in open_:
                    dc, role, since = open_.pop(worker)
                    stints.append(Stint(dc, worker, role, since, None))
                open_[worker] = (clock["dc"], clock["role"], event.occurred_at)
            elif worker in open_:
                dc, role, since = open_.pop(worker)
                stints.append(Stint(dc, worker, role, since, event.occurred_at))
        stints += [Stint(dc, w, role, since, None) for w, (dc, role, since) in open_.items()]
        return stints
