"""What a row of history must hold before calibration turns it into numbers: one check per
event type and live table it reads, and the tally of the rows it skipped, with the reason.

The event log keeps whatever an older schema version accepted, and the live tables add up
whatever the projector was given: a pick of 1e12 seconds, a line of 10**30 units, a date in
the year 9999 or a NaN would otherwise stop a fit or a round for every sub-model. These
checks read only the fields calibration uses, so an event written by an older or newer
schema version still counts when those fields are sound; a value of the wrong type is
refused, never coerced. The bounds are the constants ingestion enforces
(apps.sources.schemas), so a row calibration skips is one that ingestion would refuse today.
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from apps.sources.schemas import (
    EARLIEST,
    FREIGHT_MAX_USD,
    LINE_MAX_UNITS,
    POSTING_MAX,
    PROMISE_HORIZON,
    SLA_MAX_HOURS,
    STOCK_MAX_UNITS,
    TASK_MAX_S,
)

# An order holds at most this many lines (the order schema's limit), and a line is picked
# once, so an order has at most as many pick errors.
ORDER_MAX_LINES = 200
# No DC has more than this many people on its floor in one hour: it bounds the labour
# seconds an hour's row can hold, and the lines picked in it (one a second each, at most).
DC_MAX_PEOPLE = 10_000
DC_HOUR_MAX_LABOUR_S = DC_MAX_PEOPLE * 3600.0
DC_HOUR_MAX_LINES = DC_MAX_PEOPLE * 3600
SURVEY_SCORES = (1, 5)

Problem = str | None


@dataclass
class SkippedRows:
    """Rows left out, by reason ("<table> <field> <what is wrong>"), each row counted once."""

    by_reason: dict[str, set[int]] = field(default_factory=dict)

    def add(self, reason: str, row_id: int) -> None:
        self.by_reason.setdefault(reason, set()).add(row_id)

    def merge(self, other: "SkippedRows") -> None:
        for reason, ids in other.by_reason.items():
            self.by_reason.setdefault(reason, set()).update(ids)

    @property
    def count(self) -> int:
        # Ids are unique per table only (an event and a DcHour may share one); the table is
        # the reason's first word.
        return len({(reason.split(" ", 1)[0], i) for reason, ids in self.items() for i in ids})

    def items(self) -> list[tuple[str, set[int]]]:
        return sorted(self.by_reason.items(), key=lambda item: (-len(item[1]), item[0]))

    def summary(self) -> str:
        """'3 rows skipped: wms.pick_completed duration_s not finite (2), …' or ''."""
        if not self.by_reason:
            return ""
        count = self.count
        reasons = ", ".join(f"{reason} ({len(ids)})" for reason, ids in self.items())
        return f"{count} row{'s' if count != 1 else ''} skipped: {reasons}"

    def examples(self) -> str:
        """A few row ids per reason, for the log: enough to find and fix the rows."""
        return "; ".join(
            f"{reason}: ids {', '.join(str(i) for i in sorted(ids)[:5])}"
            for reason, ids in self.items()
        )


def keep_sound(
    rows: Iterable, check: Callable[..., Problem], table: str, skipped: SkippedRows, *args
) -> list:
    """The rows the check passes; the others counted in `skipped` under the table's name."""
    sound = []
    for row in rows:
        problem = check(row, *args)
        if problem is None:
            sound.append(row)
        else:
            skipped.add(f"{table} {problem}", row.id)
    return sound


# ---- field checks: None when sound, else what is wrong, naming the field ------------------
def _codes(payload: dict, *names: str) -> Problem:
    for name in names:
        value = payload.get(name)
        if value is None:
            return f"{name} missing"
        if not isinstance(value, str) or not value:
            return f"{name} not a code"
    return None


def _number(value: Any, name: str, low: float, high: float, *, above: bool = False) -> Problem:
    """A finite int or float within [low, high] ((low, high] with `above`); never a bool."""
    if value is None:
        return f"{name} missing"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{name} not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{name} not finite"
    if value > high or value < low or (above and value == low):
        return f"{name} out of range"
    return None


def _whole(value: Any, name: str, low: int, high: int) -> Problem:
    """An int within [low, high]: counts become dictionary keys and ranges, where 3.0 breaks."""
    if isinstance(value, float) and math.isfinite(value):
        return f"{name} not a whole number"
    return _number(value, name, low, high)


def _one_of(payload: dict, name: str, allowed: tuple[str, ...]) -> Problem:
    value = payload.get(name)
    if value is None:
        return f"{name} missing"
    return None if value in allowed else f"{name} not one of {'/'.join(allowed)}"


def _payload_time(payload: dict, name: str, occurred_at: datetime) -> Problem:
    """An ISO time with an offset, from EARLIEST to PROMISE_HORIZON after the event."""
    text = payload.get(name)
    if text is None:
        return f"{name} missing"
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return f"{name} not a time"
    if moment.tzinfo is None:
        return f"{name} has no UTC offset"
    return moment_problem(moment, name, latest=occurred_at + PROMISE_HORIZON)


def moment_problem(moment: datetime | None, name: str, *, latest: datetime) -> Problem:
    """None (not yet happened) or a time from EARLIEST to `latest`."""
    if moment is None:
        return None
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # year 1 with a positive offset lies before the year 1 in UTC
        return f"{name} out of range"
    return None if EARLIEST <= moment <= latest else f"{name} out of range"


def _amount(value: Any) -> Problem:
    """A ledger amount: a number, or a decimal string (how ledgers send it), within ±POSTING_MAX."""
    if value is None:
        return "amount missing"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return "amount not a number"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return "amount not a number"
    if not amount.is_finite():
        return "amount not finite"
    return None if -POSTING_MAX <= amount <= POSTING_MAX else "amount out of range"


# ---- one check per event type calibration reads -----------------------------------------
def order_created_problem(payload: dict, occurred_at: datetime) -> Problem:
    problem = _codes(payload, "order_id", "customer")
    if problem:
        return problem
    lines = payload.get("lines")
    if not isinstance(lines, list) or not 1 <= len(lines) <= ORDER_MAX_LINES:
        return f"lines not a list of 1 to {ORDER_MAX_LINES} lines"
    for line in lines:
        if not isinstance(line, dict):
            return f"lines not a list of 1 to {ORDER_MAX_LINES} lines"
        problem = _codes(line, "sku") or _whole(line.get("qty"), "qty", 1, LINE_MAX_UNITS)
        if problem:
            return f"lines[].{problem}"
    return _payload_time(payload, "requested_by", occurred_at)


def order_id_problem(payload: dict, occurred_at: datetime) -> Problem:
    """erp.order_cancelled, crm.complaint_opened: the order they name."""
    return _codes(payload, "order_id")


def order_released_problem(payload: dict, occurred_at: datetime) -> Problem:
    return _codes(payload, "order_id", "dc")


def po_created_problem(payload: dict, occurred_at: datetime) -> Problem:
    return _codes(payload, "po_id", "sku", "dc") or _whole(
        payload.get("qty"), "qty", 1, STOCK_MAX_UNITS
    )


def receipt_posted_problem(payload: dict, occurred_at: datetime) -> Problem:
    return _codes(payload, "po_id", "dc")


def inventory_adjusted_problem(payload: dict, occurred_at: datetime) -> Problem:
    return _codes(payload, "sku", "dc") or _whole(
        payload.get("delta"), "delta", -STOCK_MAX_UNITS, STOCK_MAX_UNITS
    )


def financial_posted_problem(payload: dict, occurred_at: datetime) -> Problem:
    return _codes(payload, "account") or _amount(payload.get("amount"))


def pick_completed_problem(payload: dict, occurred_at: datetime) -> Problem:
    return _codes(payload, "order_id", "dc", "sku") or _number(
        payload.get("duration_s"), "duration_s", 0, TASK_MAX_S, above=True
    )


def pack_completed_problem(payload: dict, occurred_at: datetime) -> Problem:
    return _codes(payload, "dc") or _number(
        payload.get("duration_s"), "duration_s", 0, TASK_MAX_S, above=True
    )


def shipped_problem(payload: dict, occurred_at: datetime) -> Problem:
    return _codes(payload, "shipment_id", "order_id")


def labor_clock_problem(payload: dict, occurred_at: datetime) -> Problem:
    return _codes(payload, "worker_id", "dc", "role") or _one_of(
        payload, "direction", ("in", "out")
    )


def tender_problem(payload: dict, occurred_at: datetime) -> Problem:
    problem = _codes(payload, "shipment_id", "lane", "carrier") or _one_of(
        payload, "status", ("accepted", "rejected")
    )
    if problem or "rate" not in payload:  # older tenders carry no rate: freight keeps its prior
        return problem
    return _number(payload["rate"], "rate", 0, FREIGHT_MAX_USD)


def tracking_problem(payload: dict, occurred_at: datetime) -> Problem:
    return _codes(payload, "shipment_id", "status") or _payload_time(payload, "at", occurred_at)


def sla_committed_problem(payload: dict, occurred_at: datetime) -> Problem:
    return _codes(payload, "customer") or _number(
        payload.get("promised_hours"), "promised_hours", 0, SLA_MAX_HOURS, above=True
    )


def satisfaction_survey_problem(payload: dict, occurred_at: datetime) -> Problem:
    if payload.get("order_id") is not None and not isinstance(payload["order_id"], str):
        return "order_id not a code"
    return _whole(payload.get("score"), "score", *SURVEY_SCORES)


EVENT_CHECKS: dict[str, Callable[[dict, datetime], Problem]] = {
    "erp.order_created": order_created_problem,
    "erp.order_cancelled": order_id_problem,
    "erp.po_created": po_created_problem,
    "erp.receipt_posted": receipt_posted_problem,
    "erp.inventory_adjusted": inventory_adjusted_problem,
    "erp.financial_posted": financial_posted_problem,
    "wms.order_released": order_released_problem,
    "wms.pick_completed": pick_completed_problem,
    "wms.pack_completed": pack_completed_problem,
    "wms.shipped": shipped_problem,
    "wms.labor_clock": labor_clock_problem,
    "tms.tender": tender_problem,
    "tms.tracking": tracking_problem,
    "crm.sla_committed": sla_committed_problem,
    "crm.complaint_opened": order_id_problem,
    "crm.satisfaction_survey": satisfaction_survey_problem,
}


def event_problem(event) -> Problem:
    """What is wrong with a logged event's payload for calibration; None if it is sound."""
    if not isinstance(event.payload, dict):
        return "payload not an object"
    check = EVENT_CHECKS.get(event.type)
    return check(event.payload, event.occurred_at) if check else None


# ---- one check per live table calibration reads ------------------------------------------
def dc_hour_problem(row) -> Problem:
    return (
        _number(row.busy_s, "busy_s", 0, DC_HOUR_MAX_LABOUR_S)
        or _number(row.clocked_s, "clocked_s", 0, DC_HOUR_MAX_LABOUR_S)
        or _whole(row.lines_picked, "lines_picked", 0, DC_HOUR_MAX_LINES)
    )


def shipment_problem(row, at: datetime) -> Problem:
    """`at`: the round's event time; a time two years past it is a wrong year."""
    latest = at + PROMISE_HORIZON
    problem = moment_problem(row.picked_up_at, "picked_up_at", latest=latest) or moment_problem(
        row.delivered_at, "delivered_at", latest=latest
    )
    if problem is not None or row.picked_up_at is None or row.delivered_at is None:
        return problem
    return "delivered_at before picked_up_at" if row.delivered_at < row.picked_up_at else None


def order_progress_problem(row, at: datetime) -> Problem:
    latest = at + PROMISE_HORIZON
    return (
        moment_problem(row.due_at, "due_at", latest=latest)
        or moment_problem(row.delivered_at, "delivered_at", latest=latest)
        or _whole(row.pick_errors, "pick_errors", 0, ORDER_MAX_LINES)
    )


def order_lines_problem(row) -> Problem:
    return _whole(row.lines, "lines", 0, ORDER_MAX_LINES)
