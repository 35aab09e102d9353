"""Each event type's payload as stored in the log, typed: the JSON form of its schema.

Ingestion stores `schema.model_dump(mode="json", exclude_none=True)`, so a stored payload's
times are ISO strings, its decimals are strings and an optional field left empty is absent.
The projector reads tens of thousands of payloads a second (issue 19), too many to
validate each again; these TypedDicts type those reads at no cost at run time, and
tests/sources/test_payload_types.py keeps each one's keys equal to its schema's fields.
"""

from typing import Literal, NotRequired, TypedDict


class OrderLinePayload(TypedDict):
    sku: str
    qty: int


class OrderCreatedPayload(TypedDict):
    order_id: str
    customer: str
    lines: list[OrderLinePayload]
    requested_by: str
    dc: NotRequired[str]


class OrderCancelledPayload(TypedDict):
    order_id: str
    reason: NotRequired[str]


class InventoryMovedPayload(TypedDict):
    sku: str
    from_dc: str
    to_dc: str
    qty: int


class InventoryAdjustedPayload(TypedDict):
    sku: str
    dc: str
    delta: int
    reason: str


class PoCreatedPayload(TypedDict):
    po_id: str
    sku: str
    dc: str
    qty: int
    expected_at: str


class ReceiptPostedPayload(TypedDict):
    po_id: str
    sku: str
    dc: str
    qty: int


class FinancialPostedPayload(TypedDict):
    account: str
    amount: str  # a Decimal, written as a string so no digit is lost
    currency: str
    reference: str


class OrderReleasedPayload(TypedDict):
    order_id: str
    dc: str


class PickCompletedPayload(TypedDict):
    order_id: str
    dc: str
    sku: str
    qty: int
    picker_id: str
    started_at: str
    duration_s: float
    error: bool


class PackCompletedPayload(TypedDict):
    order_id: str
    dc: str
    packer_id: str
    duration_s: float


class ShippedPayload(TypedDict):
    order_id: str
    dc: str
    shipment_id: str
    carrier: str


class LaborClockPayload(TypedDict):
    dc: str
    worker_id: str
    role: Literal["picker", "packer", "loader", "supervisor"]
    direction: Literal["in", "out"]


class EquipmentStatusPayload(TypedDict):
    dc: str
    equipment_id: str
    kind: str
    status: Literal["up", "down"]
    reason: NotRequired[str]


class TenderPayload(TypedDict):
    shipment_id: str
    carrier: str
    lane: str
    status: Literal["accepted", "rejected"]
    rate: float


class TrackingPayload(TypedDict):
    shipment_id: str
    status: Literal["picked_up", "in_transit", "delivered", "exception"]
    at: str
    eta: NotRequired[str]


class FreightAccruedPayload(TypedDict):
    shipment_id: str
    amount: float
    currency: str


class SlaCommittedPayload(TypedDict):
    customer: str
    promised_hours: float


class ComplaintOpenedPayload(TypedDict):
    complaint_id: str
    customer: str
    order_id: str
    category: Literal["late", "damaged", "wrong_item", "other"]


class ComplaintClosedPayload(TypedDict):
    complaint_id: str
    resolution: NotRequired[str]


class SatisfactionSurveyPayload(TypedDict):
    customer: str
    order_id: str
    score: int


class ReadingPayload(TypedDict):
    dc: str
    sensor_id: str
    kind: Literal["temperature", "humidity", "door", "power"]
    value: float
    unit: str


class EquipmentTelemetryPayload(TypedDict):
    dc: str
    equipment_id: str
    metric: str
    value: float


# Type -> its stored payload, beside schemas.PAYLOADS (type -> its schema).
STORED_PAYLOADS: dict[str, type] = {
    "erp.order_created": OrderCreatedPayload,
    "erp.order_cancelled": OrderCancelledPayload,
    "erp.inventory_moved": InventoryMovedPayload,
    "erp.inventory_adjusted": InventoryAdjustedPayload,
    "erp.po_created": PoCreatedPayload,
    "erp.receipt_posted": ReceiptPostedPayload,
    "erp.financial_posted": FinancialPostedPayload,
    "wms.order_released": OrderReleasedPayload,
    "wms.pick_completed": PickCompletedPayload,
    "wms.pack_completed": PackCompletedPayload,
    "wms.shipped": ShippedPayload,
    "wms.labor_clock": LaborClockPayload,
    "wms.equipment_status": EquipmentStatusPayload,
    "tms.tender": TenderPayload,
    "tms.tracking": TrackingPayload,
    "tms.freight_accrued": FreightAccruedPayload,
    "crm.sla_committed": SlaCommittedPayload,
    "crm.complaint_opened": ComplaintOpenedPayload,
    "crm.complaint_closed": ComplaintClosedPayload,
    "crm.satisfaction_survey": SatisfactionSurveyPayload,
    "iot.reading": ReadingPayload,
    "iot.equipment_telemetry": EquipmentTelemetryPayload,
}
