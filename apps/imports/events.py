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
    mapping = history.mapping
    prefix = mapping.event_prefix
    orders_file = history.tables["orders"].name
    failures = []

    def impossible(column_field: str, reason: str) -> None:
        column = mapping.column("orders", column_field) or column_field
        failures.append(
            RowFailure(orders_file, "orders", order.row, column, IMPOSSIBLE_TIME, reason,
                       order.order_id)
        )  # fmt: skip

    created = {
        "order_id": order.order_id,
        "customer": order.customer,
        "lines": [{"sku": sku, "qty": qty} for sku, qty in order.lines.items()],
        "requested_by": order.iso["promised_at"],
    }
    if order.origin:
        created["dc"] = order.origin
    iso_purchased = order.iso["purchased_at"]
    iso_handed, iso_delivered = order.iso.get("handed_at"), order.iso.get("delivered_at")
    events = [_envelope(prefix, order.order_id, "created", "erp.order_created", iso_purchased,
                        created)]  # fmt: skip
    handed_ok = False
    if order.handed_at is not None:
        if order.handed_at < order.purchased_at:
            impossible("handed_at", f"handed to the carrier at {iso_handed}, before "
                       f"the purchase at {iso_purchased}: no shipped event")  # fmt: skip
        elif not order.origin:
            failures.append(
                RowFailure(orders_file, "orders", order.row,
                           mapping.column("orders", "handed_at") or "handed_at", UNKNOWN_ORIGIN,
                           "a hand-off with no origin to ship from: no shipped event",
                           order.order_id)
            )  # fmt: skip
        else:
            handed_ok = True
            events.append(
                _envelope(prefix, order.order_id, "shipped", "wms.shipped", iso_handed,
                          {"order_id": order.order_id, "dc": order.origin,
                           "shipment_id": order.order_id, "carrier": mapping.carrier.code})
            )  # fmt: skip
    if order.delivered_at is not None:
        if order.delivered_at < order.purchased_at:
            impossible("delivered_at", f"delivered at {iso_delivered}, before the "
                       f"purchase at {iso_purchased}: no delivery event")  # fmt: skip
        elif handed_ok and order.delivered_at < order.handed_at:
            impossible("delivered_at", f"delivered at {iso_delivered}, before the "
                       f"hand-off at {iso_handed}: no delivery event")  # fmt: skip
        else:
            events.append(
                _envelope(prefix, order.order_id, "delivered", "tms.tracking", iso_delivered,
                          {"shipment_id": order.order_id, "status": "delivered",
                           "at": iso_delivered})
            )  # fmt: skip
    if mapping.statuses.get(order.status) == CANCELLED:
        # A cancellation has no time of its own in an order export: the order's latest.
        events.append(
            _envelope(prefix, order.order_id, "cancelled", "erp.order_cancelled",
                      order.iso[order.latest],
                      {"order_id": order.order_id,
                       "reason": f"{prefix} status {order.status}"})
        )  # fmt: skip
    return events, failures


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
