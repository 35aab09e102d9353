"""Constructed deliveries on named lanes, for the map tests: each an order, its tender,
shipment, pick-up and delivery, at minutes after a start time."""

from datetime import datetime, timedelta

from tests.sources.events import event


def delivery(shipment_id: str, lane: str, *, t0: datetime, due: float, delivered: float
             ) -> list[dict]:  # fmt: skip
    """An order due `due` minutes after t0, picked up at 10 and delivered at `delivered`:
    late when delivered after it was due."""

    def at(minutes: float) -> str:
        return (t0 + timedelta(minutes=minutes)).isoformat()

    def happened(event_type: str, minutes: float, **payload) -> dict:
        return {**event(event_type, **payload), "occurred_at": at(minutes)}

    order_id, carrier = f"SO-{shipment_id}", lane.rsplit("-", 1)[1]
    return [
        happened("erp.order_created", 0, order_id=order_id, dc="NE", requested_by=at(due)),
        happened("tms.tender", 10, shipment_id=shipment_id, lane=lane, carrier=carrier,
                 status="accepted", rate=100.0),
        happened("wms.shipped", 10, order_id=order_id, dc="NE", shipment_id=shipment_id,
                 carrier=carrier),
        happened("tms.tracking", 10, shipment_id=shipment_id, status="picked_up", at=at(10),
                 eta=at(600)),
        happened("tms.tracking", delivered, shipment_id=shipment_id, status="delivered",
                 at=at(delivered), eta=None),
    ]  # fmt: skip


def three_deliveries_one_late(t0: datetime) -> list[dict]:
    """NE to the Mid-Atlantic on two lanes (ground and expedited): one of three late."""
    return [
        *delivery("SH-1", "NE-MAT-BLT", t0=t0, due=900, delivered=80),
        *delivery("SH-2", "NE-MAT-BLT", t0=t0, due=60, delivered=90),
        *delivery("SH-3", "NE-MAT-RDX", t0=t0, due=900, delivered=40),
    ]
