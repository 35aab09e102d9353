"""A history's orders -> event envelopes, as the Olist contract says (one order, up to four
events), plus the failures of events that cannot be true (a delivery before the purchase)."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from apps.imports.failures import IMPOSSIBLE_TIME, UNKNOWN_ORIGIN, RowFailure
from apps.imports.history import History, OrderRecord

CANCELLED = "cancelled"


@dataclass(frozen=True)
class GeneratedEvents:
    """The envelopes of a history, in event-time order, and the failures met on the way
    (those of reading the files included)."""

    events: list[dict]
    failures: list[RowFailure]

    def count_by_type(self) -> dict[str, int]:
        return dict(Counter(event["type"] for event in self.events))


def _envelope(prefix: str, order_id: str, suffix: str, type_: str, at: str,
              payload: dict) -> dict:  # fmt: skip
    return {
        "event_id": f"{prefix}:{order_id}:{suffix}",
        "source": type_.split(".", 1)[0],
        "type": type_,
        "occurred_at": at,
        "payload": payload,
    }


def order_events(order: OrderRecord, history: History) -> tuple[list[dict], list[RowFailure]]:
    """One order's events; the impossible ones are not made but returned as failures."""
    made = _OrderEvents(order, history)
    events = [made.created()]
    shipped = made.shipped()
    if shipped is not None:
        events.append(shipped)
    delivered = made.delivered(handed_ok=shipped is not None)
    if delivered is not None:
        events.append(delivered)
    if history.mapping.statuses.get(order.status) == CANCELLED:
        events.append(made.cancelled())
    return events, made.failures


class _OrderEvents:
    """The events of one order, each checked against the order's other times."""

    def __init__(self, order: OrderRecord, history: History) -> None:
        self.order = order
        self.mapping = history.mapping
        self.prefix = history.mapping.event_prefix
        self.orders_file = history.tables["orders"].name
        self.failures: list[RowFailure] = []

    def _failure(self, column_field: str, category: str, reason: str) -> None:
        order = self.order
        column = self.mapping.column("orders", column_field) or column_field
        self.failures.append(
            RowFailure(self.orders_file, "orders", order.row, column, category, reason,
                       order.order_id)
        )  # fmt: skip

    def _event(self, suffix: str, type_: str, at: str, payload: dict) -> dict:
        return _envelope(self.prefix, self.order.order_id, suffix, type_, at, payload)

    def created(self) -> dict:
        order = self.order
        created = {
            "order_id": order.order_id,
            "customer": order.customer,
            "lines": [{"sku": sku, "qty": qty} for sku, qty in order.lines.items()],
            "requested_by": order.iso["promised_at"],
        }
        if order.origin:
            created["dc"] = order.origin
        return self._event("created", "erp.order_created", order.iso["purchased_at"], created)

    def shipped(self) -> dict | None:
        order = self.order
        if order.handed_at is None:
            return None
        iso_handed, iso_purchased = order.iso.get("handed_at"), order.iso["purchased_at"]
        if order.handed_at < order.purchased_at:
            self._failure("handed_at", IMPOSSIBLE_TIME, f"handed to the carrier at {iso_handed}, "
                          f"before the purchase at {iso_purchased}: no shipped event")  # fmt: skip
            return None
        if not order.origin:
            self._failure("handed_at", UNKNOWN_ORIGIN,
                          "a hand-off with no origin to ship from: no shipped event")  # fmt: skip
            return None
        return self._event("shipped", "wms.shipped", iso_handed,
                           {"order_id": order.order_id, "dc": order.origin,
                            "shipment_id": order.order_id,
                            "carrier": self.mapping.carrier.code})  # fmt: skip

    def delivered(self, *, handed_ok: bool) -> dict | None:
        order = self.order
        if order.delivered_at is None:
            return None
        iso_delivered, iso_purchased = order.iso.get("delivered_at"), order.iso["purchased_at"]
        if order.delivered_at < order.purchased_at:
            self._failure("delivered_at", IMPOSSIBLE_TIME, f"delivered at {iso_delivered}, "
                          f"before the purchase at {iso_purchased}: no delivery event")  # fmt: skip
            return None
        if handed_ok and order.delivered_at < order.handed_at:
            self._failure("delivered_at", IMPOSSIBLE_TIME, f"delivered at {iso_delivered}, "
                          f"before the hand-off at {order.iso.get('handed_at')}: "
                          "no delivery event")  # fmt: skip
            return None
        return self._event("delivered", "tms.tracking", iso_delivered,
                           {"shipment_id": order.order_id, "status": "delivered",
                            "at": iso_delivered})  # fmt: skip

    def cancelled(self) -> dict:
        # A cancellation has no time of its own in an order export: the order's latest.
        order = self.order
        return self._event("cancelled", "erp.order_cancelled", order.iso[order.latest],
                           {"order_id": order.order_id,
                            "reason": f"{self.prefix} status {order.status}"})  # fmt: skip


def events_generate(history: History) -> GeneratedEvents:
    """Every order's events, sorted by event time so that a log filled from them replays the
    history in the order it happened."""
    events: list[dict] = []
    failures = list(history.failures)
    for order in history.orders:
        made, failed = order_events(order, history)
        events.extend(made)
        failures.extend(failed)
    events.sort(key=lambda e: (datetime.fromisoformat(e["occurred_at"]), e["event_id"]))
    return GeneratedEvents(events=events, failures=failures)
