"""A window of the event log, read once per calibration and shared by the six fitters.

This is where calibration reads the event log: an event whose fields calibration uses are
not sound (row_checks) is left out here and counted with its reason, never passed on.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

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


@dataclass
class History:
    """Events of the window by type, loaded on first use, and the master data they name.

    Rows left out are kept per type; a reader that wants them counted (one sub-model's
    fit) reads inside `skips_counted_in`, which adds those of every type it reads.
    """

    window: Window
    _events: dict[str, list] = field(default_factory=dict)
    _skipped: dict[tuple[str, str], SkippedRows] = field(default_factory=dict)
    _tallies: list[tuple[SkippedRows, set]] = field(default_factory=list)

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
    def orders(self) -> dict[str, dict]:
        """order id → {customer, region, lines, requested_by, created_at}."""
        self._read(["erp.order_created"])  # counts its skipped rows for this reader too
        return self._orders

    @cached_property
    def _orders(self) -> dict[str, dict]:
        orders = {}
        for event in self.events("erp.order_created"):
            payload = event.payload
            customer = payload["customer"]
            orders[payload["order_id"]] = {
                "customer": customer,
                "region": self.customer_region.get(customer, ""),
                "lines": payload["lines"],
                "requested_by": datetime.fromisoformat(payload["requested_by"]),
                "created_at": event.occurred_at,
            }
        return orders

    @property
    def shipments(self) -> dict[str, dict]:
        """shipment id → {lane, carrier, order_ids, picked_up_at, delivered_at, accepted,
        rate}: a load carries every order whose wms.shipped names it."""
        self._read(["tms.tender", "tms.tracking", "wms.shipped"])
        return self._shipments

    @cached_property
    def _shipments(self) -> dict[str, dict]:
        shipments: dict[str, dict] = {}

        def row(shipment_id: str) -> dict:
            return shipments.setdefault(
                shipment_id,
                {
                    "lane": "",
                    "carrier": "",
                    "order_ids": [],
                    "picked_up_at": None,
                    "delivered_at": None,
                    "accepted": None,
                    "rate": None,
                },
            )

        for event in self.events("tms.tender", "tms.tracking", "wms.shipped"):
            payload = event.payload
            item = row(payload["shipment_id"])
            if event.type == "tms.tender":
                item["lane"], item["carrier"] = payload["lane"], payload["carrier"]
                item["accepted"] = payload["status"] == "accepted"
                item["rate"] = payload.get("rate")
            elif event.type == "wms.shipped":
                item["order_ids"].append(payload["order_id"])
            elif payload["status"] == "picked_up":
                item["picked_up_at"] = datetime.fromisoformat(payload["at"])
            elif payload["status"] == "delivered":
                item["delivered_at"] = datetime.fromisoformat(payload["at"])
        if not any(
            item["accepted"] is not None or item["picked_up_at"] for item in shipments.values()
        ):
            self._handed_over(shipments)
        return shipments

    def _handed_over(self, shipments: dict[str, dict]) -> None:
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
            payload = event.payload
            item = shipments[payload["shipment_id"]]
            order = orders.get(payload["order_id"])
            if order is None:
                continue
            lane = lanes.get((payload["dc"], order["region"], payload["carrier"]))
            if lane:
                item["lane"], item["carrier"] = lane, payload["carrier"]
                item["picked_up_at"] = event.occurred_at

    @property
    def pick_errors_by_order(self) -> dict[str, int]:
        self._read(["wms.pick_completed"])
        return self._pick_errors_by_order

    @cached_property
    def _pick_errors_by_order(self) -> dict[str, int]:
        errors: dict[str, int] = {}
        for event in self.events("wms.pick_completed"):
            if event.payload.get("error"):
                order_id = event.payload["order_id"]
                errors[order_id] = errors.get(order_id, 0) + 1
        return errors

    def clock_intervals(self) -> list[tuple[str, str, str, datetime, datetime | None]]:
        """(dc, worker, role, clocked in, clocked out or None) for every stint in the window."""
        open_: dict[str, tuple[str, str, datetime]] = {}
        stints = []
        for event in self.events("wms.labor_clock"):
            payload = event.payload
            worker = payload["worker_id"]
            if payload["direction"] == "in":
                if worker in open_:
                    dc, role, since = open_.pop(worker)
                    stints.append((dc, worker, role, since, None))
                open_[worker] = (payload["dc"], payload["role"], event.occurred_at)
            elif worker in open_:
                dc, role, since = open_.pop(worker)
                stints.append((dc, worker, role, since, event.occurred_at))
        stints += [(dc, w, role, since, None) for w, (dc, role, since) in open_.items()]
        return stints
