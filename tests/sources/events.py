"""A valid example of every event type, over the demo network, for tests to start from."""

import copy
import itertools
from datetime import UTC, datetime, timedelta

_counter = itertools.count(1)
NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

PAYLOADS: dict[str, dict] = {
    "erp.order_created": {
        "order_id": "SO-1001",
        "customer": "C-MAT-01",
        "lines": [{"sku": "FAS-0001", "qty": 4}, {"sku": "ELE-0002", "qty": 1}],
        "requested_by": "2026-11-04T17:00:00+00:00",
        "dc": "NE",
    },
    "erp.order_cancelled": {"order_id": "SO-1001", "reason": "customer request"},
    "erp.inventory_moved": {"sku": "FAS-0001", "from_dc": "NE", "to_dc": "SE", "qty": 40},
    "erp.inventory_adjusted": {"sku": "FAS-0001", "dc": "NE", "delta": -3, "reason": "damaged"},
    "erp.po_created": {
        "po_id": "PO-77",
        "sku": "FAS-0001",
        "dc": "NE",
        "qty": 500,
        "expected_at": "2026-11-08T08:00:00-05:00",
    },
    "erp.receipt_posted": {"po_id": "PO-77", "sku": "FAS-0001", "dc": "NE", "qty": 500},
    "erp.financial_posted": {
        "account": "6100-labour",
        "amount": "1234.50",
        "currency": "USD",
        "reference": "PAY-2026-45",
    },
    "wms.order_released": {"order_id": "SO-1001", "dc": "NE"},
    "wms.pick_completed": {
        "order_id": "SO-1001",
        "dc": "NE",
        "sku": "FAS-0001",
        "qty": 4,
        "picker_id": "NE-P07",
        "started_at": "2026-11-02T09:20:00+00:00",
        "duration_s": 95.5,
        "error": False,
    },
    "wms.pack_completed": {
        "order_id": "SO-1001",
        "dc": "NE",
        "packer_id": "NE-K02",
        "duration_s": 240,
    },
    "wms.shipped": {"order_id": "SO-1001", "dc": "NE", "shipment_id": "SH-9", "carrier": "BLT"},
    "wms.labor_clock": {"dc": "NE", "worker_id": "NE-P07", "role": "picker", "direction": "in"},
    "wms.equipment_status": {
        "dc": "NE",
        "equipment_id": "FL-3",
        "kind": "forklift",
        "status": "down",
        "reason": "hydraulic leak",
    },
    "tms.tender": {
        "shipment_id": "SH-9",
        "carrier": "BLT",
        "lane": "NE-MAT-BLT",
        "status": "accepted",
        "rate": 182.4,
    },
    "tms.tracking": {
        "shipment_id": "SH-9",
        "status": "in_transit",
        "at": "2026-11-02T09:00:00+00:00",
        "eta": "2026-11-03T02:00:00+00:00",
    },
    "tms.freight_accrued": {"shipment_id": "SH-9", "amount": 182.4, "currency": "USD"},
    "crm.sla_committed": {"customer": "C-MAT-01", "promised_hours": 48},
    "crm.complaint_opened": {
        "complaint_id": "CMP-5",
        "customer": "C-MAT-01",
        "order_id": "SO-1001",
        "category": "late",
    },
    "crm.complaint_closed": {"complaint_id": "CMP-5", "resolution": "credit issued"},
    "crm.satisfaction_survey": {"customer": "C-MAT-01", "order_id": "SO-1001", "score": 4},
    "iot.reading": {
        "dc": "NE",
        "sensor_id": "NE-T1",
        "kind": "temperature",
        "value": 21.5,
        "unit": "C",
    },
    "iot.equipment_telemetry": {
        "dc": "NE",
        "equipment_id": "CONV-1",
        "metric": "motor_temp_c",
        "value": 61.0,
    },
}


def event(event_type: str, *, event_id: str | None = None, **payload_changes) -> dict:
    """A valid event of this type; keyword arguments replace payload fields."""
    payload = copy.deepcopy(PAYLOADS[event_type])
    payload.update(payload_changes)
    return {
        "event_id": event_id or f"evt-{next(_counter)}",
        "source": event_type.split(".")[0],
        "type": event_type,
        "occurred_at": (NOW - timedelta(minutes=5)).isoformat(),
        "payload": payload,
    }
