"""The event envelope and every type's payload schema (pydantic), published as JSON Schema."""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    StringConstraints,
)

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(max_length=500)]
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]


def _not_zero(value: int) -> int:
    if value == 0:
        raise ValueError("must not be 0: an adjustment changes stock")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Envelope(Strict):
    event_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    source: Literal["erp", "wms", "tms", "crm", "iot"]
    type: Annotated[str, StringConstraints(min_length=3, max_length=40)]
    occurred_at: AwareDatetime
    payload: dict


# ---- ERP ---------------------------------------------------------------------------------
class OrderLine(Strict):
    sku: Code
    qty: PositiveInt


class OrderCreated(Strict):
    order_id: Code
    customer: Code
    lines: Annotated[list[OrderLine], Field(min_length=1, max_length=200)]
    requested_by: AwareDatetime
    dc: Code | None = None


class OrderCancelled(Strict):
    order_id: Code
    reason: Text | None = None


class InventoryMoved(Strict):
    sku: Code
    from_dc: Code
    to_dc: Code
    qty: PositiveInt


class InventoryAdjusted(Strict):
    sku: Code
    dc: Code
    delta: Annotated[int, AfterValidator(_not_zero)]
    reason: Text


class PoCreated(Strict):
    po_id: Code
    sku: Code
    dc: Code
    qty: PositiveInt
    expected_at: AwareDatetime


class ReceiptPosted(Strict):
    po_id: Code
    sku: Code
    dc: Code
    qty: PositiveInt


class FinancialPosted(Strict):
    account: Code
    amount: Decimal
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    reference: Code


# ---- WMS ---------------------------------------------------------------------------------
class OrderReleased(Strict):
    order_id: Code
    dc: Code


class PickCompleted(Strict):
    order_id: Code
    dc: Code
    sku: Code
    qty: PositiveInt
    picker_id: Code
    started_at: AwareDatetime
    duration_s: Positive
    error: bool


class PackCompleted(Strict):
    order_id: Code
    dc: Code
    packer_id: Code
    duration_s: Positive


class Shipped(Strict):
    order_id: Code
    dc: Code
    shipment_id: Code
    carrier: Code


class LaborClock(Strict):
    dc: Code
    worker_id: Code
    role: Literal["picker", "packer", "loader", "supervisor"]
    direction: Literal["in", "out"]


class EquipmentStatus(Strict):
    dc: Code
    equipment_id: Code
    kind: Code
    status: Literal["up", "down"]
    reason: Text | None = None


# ---- TMS ---------------------------------------------------------------------------------
class Tender(Strict):
    shipment_id: Code
    carrier: Code
    lane: Code
    status: Literal["accepted", "rejected"]
    rate: NonNegative


class Tracking(Strict):
    shipment_id: Code
    status: Literal["picked_up", "in_transit", "delivered", "exception"]
    at: AwareDatetime
    eta: AwareDatetime | None = None


class FreightAccrued(Strict):
    shipment_id: Code
    amount: Positive
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "USD"


# ---- CRM ---------------------------------------------------------------------------------
class SlaCommitted(Strict):
    customer: Code
    promised_hours: Positive


class ComplaintOpened(Strict):
    complaint_id: Code
    customer: Code
    order_id: Code
    category: Literal["late", "damaged", "wrong_item", "other"]


class ComplaintClosed(Strict):
    complaint_id: Code
    resolution: Text | None = None


class SatisfactionSurvey(Strict):
    customer: Code
    order_id: Code
    score: Annotated[int, Field(ge=1, le=5)]


# ---- IoT ---------------------------------------------------------------------------------
class Reading(Strict):
    dc: Code
    sensor_id: Code
    kind: Literal["temperature", "humidity", "door", "power"]
    value: float
    unit: Annotated[str, StringConstraints(min_length=1, max_length=16)]


class EquipmentTelemetry(Strict):
    dc: Code
    equipment_id: Code
    metric: Code
    value: float


PAYLOADS: dict[str, type[Strict]] = {
    "erp.order_created": OrderCreated,
    "erp.order_cancelled": OrderCancelled,
    "erp.inventory_moved": InventoryMoved,
    "erp.inventory_adjusted": InventoryAdjusted,
    "erp.po_created": PoCreated,
    "erp.receipt_posted": ReceiptPosted,
    "erp.financial_posted": FinancialPosted,
    "wms.order_released": OrderReleased,
    "wms.pick_completed": PickCompleted,
    "wms.pack_completed": PackCompleted,
    "wms.shipped": Shipped,
    "wms.labor_clock": LaborClock,
    "wms.equipment_status": EquipmentStatus,
    "tms.tender": Tender,
    "tms.tracking": Tracking,
    "tms.freight_accrued": FreightAccrued,
    "crm.sla_committed": SlaCommitted,
    "crm.complaint_opened": ComplaintOpened,
    "crm.complaint_closed": ComplaintClosed,
    "crm.satisfaction_survey": SatisfactionSurvey,
    "iot.reading": Reading,
    "iot.equipment_telemetry": EquipmentTelemetry,
}

# Payload fields that name master data, and which kind of master data they name.
REFERENCES = {
    "dc": "dc",
    "from_dc": "dc",
    "to_dc": "dc",
    "sku": "sku",
    "customer": "customer",
    "carrier": "carrier",
    "lane": "lane",
}


def json_schemas() -> dict[str, dict]:
    """Every type's payload JSON Schema, for integrators building connectors."""
    return {name: model.model_json_schema() for name, model in PAYLOADS.items()}
