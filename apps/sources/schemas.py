"""The event envelope and every type's payload schema (pydantic), published as JSON Schema."""

# Long: the one published contract of every event type, read by ingestion, the importers
# and the OpenAPI document alike; splitting it by source system waits until the work on
# its readers (issue 21) has landed, so that the move is made once.

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from apps.simulation.errors import SimulationInputError
from apps.simulation.interventions import INTERVENTION_TYPES
from apps.simulation.serialization import intervention_from_jsonable, intervention_to_jsonable

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(max_length=500)]

# ---- Bounds ----------------------------------------------------------------------------
# Every number and time an event carries is bounded, so that a typo or a broken connector
# (1e12 seconds, 10**30 units, the year 9999) is refused at the door with the field named,
# instead of breaking the projections that add it up later.

# No source system we connect to holds history from before this; imports of years-old
# history (e.g. 2016-2018 order data) still fit. A fixed floor, not "N years ago", so that
# an event accepted once stays valid when it is read again through its schema.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# Promises and forecasts (requested_by, expected_at, eta) look ahead, but a promise more
# than two years out is a wrong year, not a plan.
PROMISE_HORIZON = timedelta(days=730)
# One pick or pack of one order line takes at most a whole 8-hour shift.
TASK_MAX_S = 8 * 3600
# One order line, or the pick of one, is at most a million units (a pallet of screws).
LINE_MAX_UNITS = 1_000_000
# Stock movements (transfers, purchase orders, receipts, adjustments incl. opening
# balances) are at most ten million units of one SKU at one DC.
STOCK_MAX_UNITS = 10_000_000
# One shipment's freight or tender rate is at most $1,000,000, far above any truckload,
# rail car or ocean container.
FREIGHT_MAX_USD = 1_000_000
# One general-ledger posting is at most 100 million either way (reversals are negative);
# live cost rows sum a day's postings in 12 digits before the point.
POSTING_MAX = Decimal(100_000_000)
# An SLA promises delivery within at most a year.
SLA_MAX_HOURS = 8760
# Plausible readings per sensor kind, in the twin's units: temperature in °C (cold stores
# reach -60, nothing in a DC 200), relative humidity in %, door 0 closed / 1 open, power
# 0 off / 1 on or a draw in kW (a whole DC draws well under 1,000,000 kW).
READING_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (-100.0, 200.0),
    "humidity": (0.0, 100.0),
    "door": (0.0, 1.0),
    "power": (0.0, 1_000_000.0),
}
# Machine telemetry (motor temperatures, speeds, currents, hours run) stays within a
# million in its unit.
TELEMETRY_MAX = 1_000_000.0


@dataclass(frozen=True)
class TimeWindow:
    """A time's plausible window: not before `earliest` and, when `ahead` is set, at most
    `ahead` after the time of receipt (validation's context["received_at"], else now).

    Kept as data in each field's metadata so tests and docs read the bounds from here.
    """

    earliest: datetime
    ahead: timedelta | None = None

    def __call__(self, value: datetime, info: ValidationInfo) -> datetime:
        try:
            moment = value.astimezone(UTC)
        except OverflowError:
            # Year 1 with a positive offset is in year 0 in UTC, which Python cannot hold.
            raise ValueError("is outside the range of representable dates") from None
        if moment < self.earliest:
            raise ValueError(f"must not be before {self.earliest.date().isoformat()}")
        if self.ahead is not None:
            received = (info.context or {}).get("received_at") or datetime.now(UTC)
            if moment > received + self.ahead:
                raise ValueError(
                    f"must not be more than {self.ahead.days} days after the time of receipt"
                )
        return value


# When something happened (the envelope's occurred_at; its future bound is
# settings.TWIN_MAX_FUTURE_SKEW_S, checked at ingestion).
EventTime = Annotated[
    AwareDatetime,
    AfterValidator(TimeWindow(EARLIEST)),
    Field(
        description=f"With a UTC offset; not before {EARLIEST.date()} nor later than the time "
        "of receipt (give or take the server's allowed clock skew)."
    ),
]
# A time in a payload: when something happened or is promised to happen.
PayloadTime = Annotated[
    AwareDatetime,
    AfterValidator(TimeWindow(EARLIEST, PROMISE_HORIZON)),
    Field(
        description=f"With a UTC offset; not before {EARLIEST.date()} nor more than "
        f"{PROMISE_HORIZON.days} days after the time of receipt."
    ),
]
LineUnits = Annotated[int, Field(gt=0, le=LINE_MAX_UNITS)]
StockUnits = Annotated[int, Field(gt=0, le=STOCK_MAX_UNITS)]
TaskSeconds = Annotated[float, Field(gt=0, le=TASK_MAX_S)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def _not_zero(value: int) -> int:
    if value == 0:
        raise ValueError("must not be 0: an adjustment changes stock")
    return value


class Strict(BaseModel):
    # NaN and ±Infinity are never a quantity, duration or amount.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Envelope(Strict):
    event_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    source: Literal["erp", "wms", "tms", "crm", "iot"]
    type: Annotated[str, StringConstraints(min_length=3, max_length=40)]
    occurred_at: EventTime
    payload: dict


# ---- ERP ---------------------------------------------------------------------------------
class OrderLine(Strict):
    sku: Code
    qty: LineUnits


class OrderCreated(Strict):
    order_id: Code
    customer: Code
    lines: Annotated[list[OrderLine], Field(min_length=1, max_length=200)]
    requested_by: PayloadTime
    dc: Code | None = None


class OrderCancelled(Strict):
    order_id: Code
    reason: Text | None = None


class InventoryMoved(Strict):
    sku: Code
    from_dc: Code
    to_dc: Code
    qty: StockUnits


class InventoryAdjusted(Strict):
    sku: Code
    dc: Code
    delta: Annotated[int, Field(ge=-STOCK_MAX_UNITS, le=STOCK_MAX_UNITS), AfterValidator(_not_zero)]
    reason: Text


class PoCreated(Strict):
    po_id: Code
    sku: Code
    dc: Code
    qty: StockUnits
    expected_at: PayloadTime


class ReceiptPosted(Strict):
    po_id: Code
    sku: Code
    dc: Code
    qty: StockUnits


class FinancialPosted(Strict):
    account: Code
    # A ledger keeps at most 4 decimals; more is a float artefact (0.30000000000000004).
    amount: Annotated[Decimal, Field(ge=-POSTING_MAX, le=POSTING_MAX, decimal_places=4)]
    currency: Currency
    reference: Code


# ---- WMS ---------------------------------------------------------------------------------
class OrderReleased(Strict):
    order_id: Code
    dc: Code


class PickCompleted(Strict):
    order_id: Code
    dc: Code
    sku: Code
    qty: LineUnits
    picker_id: Code
    started_at: PayloadTime
    duration_s: TaskSeconds
    error: bool


class PackCompleted(Strict):
    order_id: Code
    dc: Code
    packer_id: Code
    duration_s: TaskSeconds


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
    rate: Annotated[float, Field(ge=0, le=FREIGHT_MAX_USD)]


class Tracking(Strict):
    shipment_id: Code
    status: Literal["picked_up", "in_transit", "delivered", "exception"]
    at: PayloadTime
    eta: PayloadTime | None = None


class FreightAccrued(Strict):
    shipment_id: Code
    amount: Annotated[float, Field(gt=0, le=FREIGHT_MAX_USD)]
    currency: Currency = "USD"


# ---- CRM ---------------------------------------------------------------------------------
class SlaCommitted(Strict):
    customer: Code
    promised_hours: Annotated[float, Field(gt=0, le=SLA_MAX_HOURS)]


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
    score: Annotated[int, Field(ge=1, le=5)]  # the survey's 1-5 scale


# ---- IoT ---------------------------------------------------------------------------------
class Reading(Strict):
    dc: Code
    sensor_id: Code
    kind: Literal["temperature", "humidity", "door", "power"]
    # The widest kind's range here (published in the JSON Schema); each kind's own below.
    value: Annotated[
        float,
        Field(
            ge=min(low for low, _ in READING_RANGES.values()),
            le=max(high for _, high in READING_RANGES.values()),
        ),
    ]
    unit: Annotated[str, StringConstraints(min_length=1, max_length=16)]

    @field_validator("value")
    @classmethod
    def _within_its_kinds_range(cls, value: float, info: ValidationInfo) -> float:
        kind = info.data.get("kind")
        if kind in READING_RANGES:
            low, high = READING_RANGES[kind]
            if not low <= value <= high:
                raise ValueError(f"a {kind} reading must be within {low:g}..{high:g}")
        return value


class EquipmentTelemetry(Strict):
    dc: Code
    equipment_id: Code
    metric: Code
    value: Annotated[float, Field(ge=-TELEMETRY_MAX, le=TELEMETRY_MAX)]


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


# ---- Twin (events the twin itself emits; never accepted from a source) ----------------------
def _an_intervention(value: dict[str, Any]) -> dict[str, Any]:
    """The engine's own reader decides (a kind it knows, with exactly that kind's fields);
    written back in full, defaults included, so a reader need not know the engine's
    defaults to carry it out."""
    try:
        typed = intervention_from_jsonable(value)
    except SimulationInputError as error:
        raise ValueError(str(error)) from None
    return intervention_to_jsonable(typed)


Intervention = Annotated[
    dict[str, Any],
    AfterValidator(_an_intervention),
    Field(
        description='One intervention as typed JSON: `{"kind": "ShiftVolume", ...}`, the kind '
        "and every one of that kind's fields.",
        json_schema_extra={
            "required": ["kind"],
            "properties": {"kind": {"enum": sorted(INTERVENTION_TYPES)}},
        },
    ),
]
UserName = Annotated[str, StringConstraints(min_length=1, max_length=150)]
# Written out in full wherever it is written: in the log and on the feed (django-ninja's own
# encoder would cut it to milliseconds, and the feed would differ from the log).
IsoTime = Annotated[
    AwareDatetime,
    PlainSerializer(datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class DecisionAnnounced(Strict):
    decision_id: Annotated[int, Field(gt=0)]
    title: Annotated[str, StringConstraints(min_length=1, max_length=160)]
    comparison_id: Annotated[int, Field(gt=0)]
    scenario: Annotated[str, StringConstraints(min_length=1)]
    # Empty when the decision is to change nothing.
    interventions: list[Intervention]
    approved_by: UserName
    # Sub-model -> calibrated version the prediction rests on.
    versions: dict[str, int]


class DecisionApproved(DecisionAnnounced):
    proposed_by: UserName
    comment: str


class DecisionExecuted(DecisionAnnounced):
    executed_by: UserName
    executed_at: IsoTime
    # The start of the next operating day in event time, from which the twin tracks the
    # decision: the day a company carrying it out starts.
    carried_out_from: IsoTime


TWIN_PAYLOADS: dict[str, type[Strict]] = {
    "twin.decision_approved": DecisionApproved,
    "twin.decision_executed": DecisionExecuted,
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
