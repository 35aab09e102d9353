"""Event payloads as calibration reads them: one TypedDict per event type, beside its schema.

Ingestion validated every payload against its pydantic schema (apps.sources.schemas), and
calibration's row checks (row_checks) check again the fields it uses before a row reaches a
fitter. Reading each payload back through pydantic costs too much for a window of a few
hundred thousand events: measured on a pick event, `model_validate` takes 5 µs and
`model_construct` 11 µs against 0.07 µs for the dict (a 10-day window holds about 100,000
picks, so one or two seconds on a calibration of five). Validating again would also refuse
a row that an older schema version wrote, which the row checks deliberately keep. So a
payload is read as the TypedDict of its schema (apps.sources.payload_types): the same field
names and JSON types, checked by the type checker at each read and against the schemas by
tests/calibration/test_payloads.py, at no cost at run time. Where calibration reads rows an
older schema wrote, or a field more loosely than ingestion now checks it (a ledger amount as
a number or a decimal string, a tender without a rate), its own TypedDict below says so.
Times arrive as ISO strings, as in the JSON the event carried.
"""

from typing import NotRequired, TypedDict, TypeVar, cast

from apps.sources.payload_types import (
    InventoryAdjustedPayload,
    OrderLinePayload,
    OrderReleasedPayload,
    PackCompletedPayload,
    PickCompletedPayload,
    PoCreatedPayload,
    ReceiptPostedPayload,
    SatisfactionSurveyPayload,
    ShippedPayload,
    SlaCommittedPayload,
)

# Read exactly as ingestion stored them.
InventoryAdjustedRow = InventoryAdjustedPayload
OrderLineRow = OrderLinePayload
OrderReleasedRow = OrderReleasedPayload
PackCompletedRow = PackCompletedPayload
PickCompletedRow = PickCompletedPayload
PoCreatedRow = PoCreatedPayload
ReceiptPostedRow = ReceiptPostedPayload
SatisfactionSurveyRow = SatisfactionSurveyPayload
ShippedRow = ShippedPayload
SlaCommittedRow = SlaCommittedPayload


class OrderCreatedRow(TypedDict):
    order_id: str
    customer: str
    lines: list[OrderLineRow]
    requested_by: str
    dc: NotRequired[str | None]


class OrderIdRow(TypedDict):
    """erp.order_cancelled and crm.complaint_opened: calibration reads the order only."""

    order_id: str


class FinancialPostedRow(TypedDict):
    account: str
    amount: float | str
    currency: str
    reference: str


class TimedTaskRow(TypedDict):
    """What a pick and a pack have in common: where, and how long it took."""

    dc: str
    duration_s: float


class LaborClockRow(TypedDict):
    dc: str
    worker_id: str
    role: str
    direction: str


class TenderRow(TypedDict):
    shipment_id: str
    carrier: str
    lane: str
    status: str
    # Older tenders carry no rate (row_checks keeps them): freight keeps its prior.
    rate: NotRequired[float]


class TrackingRow(TypedDict):
    shipment_id: str
    status: str
    at: str
    eta: NotRequired[str | None]


# Each event type calibration reads, and the TypedDict its payload is read as.
ROWS: dict[str, type] = {
    "erp.order_created": OrderCreatedRow,
    "erp.order_cancelled": OrderIdRow,
    "erp.inventory_adjusted": InventoryAdjustedRow,
    "erp.po_created": PoCreatedRow,
    "erp.receipt_posted": ReceiptPostedRow,
    "erp.financial_posted": FinancialPostedRow,
    "wms.order_released": OrderReleasedRow,
    "wms.pick_completed": PickCompletedRow,
    "wms.pack_completed": PackCompletedRow,
    "wms.shipped": ShippedRow,
    "wms.labor_clock": LaborClockRow,
    "tms.tender": TenderRow,
    "tms.tracking": TrackingRow,
    "crm.sla_committed": SlaCommittedRow,
    "crm.complaint_opened": OrderIdRow,
    "crm.satisfaction_survey": SatisfactionSurveyRow,
}

Row = TypeVar("Row")


def payload_of(event, row: type[Row]) -> Row:
    """The event's payload as its schema's TypedDict (see the module's docstring)."""
    return cast(Row, event.payload)
