"""The world's KPIs (apps/world/kpis.py) restate the twin's vocabulary (apps/simulation/kpis.py)
without importing it: on one constructed history, both count OTIF and utilisation alike."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.simulation import kpis as twin
from apps.world.kpis import world_kpis

T = datetime(2026, 11, 2, tzinfo=UTC)
WINDOW_H = 24.0


def at(hours: float) -> str:
    return (T + timedelta(hours=hours)).isoformat()


def envelope(hours: float, kind: str, n: int = 0, **payload) -> dict:
    source = kind.split(".")[0]
    return {
        "event_id": f"{source}-{hours}-{n}",
        "source": source,
        "type": kind,
        "occurred_at": at(hours),
        "payload": payload,
    }


# (order, created, due, delivered or None, pick error, cancelled at or None), in hours.
ORDERS = [
    ("A", 1, 10, 8, False, None),  # on time, in full, right: the one success
    ("B", 2, 6, 7, False, None),  # late
    ("C", 3, 20, 12, True, None),  # on time with a pick error
    ("D", 4, 15, None, False, 14),  # cancelled: lost, a failure
    ("E", 5, 23, None, False, None),  # still undelivered when due: a failure
    ("F", 6, 30, 10, False, None),  # due after the window: not in its OTIF
    ("G", 7, 12, 26, False, None),  # delivered after the window, late: a failure
]


def order_events() -> list[dict]:
    events = []
    for n, (order, created, due, delivered, error, cancelled) in enumerate(ORDERS):
        events.append(
            envelope(
                created,
                "erp.order_created",
                n,
                order_id=order,
                customer="C",
                lines=[],
                requested_by=at(due),
                dc="NE",
            )
        )
        events.append(
            envelope(
                created + 0.5,
                "wms.pick_completed",
                n,
                order_id=order,
                dc="NE",
                sku="X",
                qty=1,
                picker_id="P9",
                started_at=at(created + 0.25),
                duration_s=900,
                error=error,
            )
        )
        if delivered is not None:
            shipment = f"S-{order}"
            events.append(
                envelope(
                    created + 1,
                    "wms.shipped",
                    n,
                    order_id=order,
                    dc="NE",
                    shipment_id=shipment,
                    carrier="C",
                )
            )
            events.append(
                envelope(
                    delivered,
                    "tms.tracking",
                    n,
                    shipment_id=shipment,
                    status="delivered",
                    at=at(delivered),
                )
            )
        if cancelled is not None:
            events.append(
                envelope(
                    cancelled,
                    "erp.order_cancelled",
                    n,
                    order_id=order,
                    reason="out of stock too long",
                )
            )
    return sorted(events, key=lambda e: e["occurred_at"])


def twin_otif() -> float | None:
    """The same orders as the twin's engine counts them: created, then delivered (a lost
    order is never delivered), over a run whose measured span is the window."""
    count = twin.OtifCount(start=0.0, end=WINDOW_H)
    for _, _, due, _, _, _ in ORDERS:
        count.order_created(due=due)
    for _, _, due, delivered, error, cancelled in ORDERS:
        if delivered is not None and cancelled is None and delivered < WINDOW_H:
            count.order_delivered(due=due, delivered=delivered, pick_errors=int(error))
    return count.otif


def test_the_world_and_the_twin_count_otif_alike():
    world = world_kpis(order_events(), start=T, end=T + timedelta(hours=WINDOW_H))
    # Due in the window: A to E and G; only A was delivered on time, in full and right.
    assert world.otif == pytest.approx(1 / 6)
    assert world.otif == pytest.approx(twin_otif())
    assert world.orders_lost == 1


def test_the_worlds_otif_ignores_orders_created_before_the_window():
    """As the twin's run, which holds only the open orders of before its start."""
    events = [
        envelope(
            -5,
            "erp.order_created",
            order_id="OLD",
            customer="C",
            lines=[],
            requested_by=at(3),
            dc="NE",
        ),
        envelope(-4, "wms.shipped", order_id="OLD", dc="NE", shipment_id="S-OLD", carrier="C"),
        *order_events(),
    ]
    events.append(envelope(5, "tms.tracking", shipment_id="S-OLD", status="delivered", at=at(5)))
    world = world_kpis(
        sorted(events, key=lambda e: e["occurred_at"]), start=T, end=T + timedelta(hours=24)
    )
    assert world.otif == pytest.approx(1 / 6)


def clock(hours: float, worker: str, direction: str) -> dict:
    return envelope(
        hours, "wms.labor_clock", dc="NE", worker_id=worker, role="picker", direction=direction
    )


def pick(started: float, ended: float, worker: str) -> dict:
    return envelope(
        ended,
        "wms.pick_completed",
        order_id=f"O-{started}",
        dc="NE",
        sku="X",
        qty=1,
        picker_id=worker,
        started_at=at(started),
        duration_s=(ended - started) * 3600,
        error=False,
    )


def test_after_shift_work_is_clocked_in_the_world_as_in_the_twin():
    """P1's shift ends at 8; the pick in hand runs to 8.5 and P1 clocks out then. P2 was
    clocked in before the events begin (unseen) and clocks out at 4, busy half of it."""
    events = [
        clock(0, "P1", "in"),
        pick(0.5, 1.5, "P2"),
        pick(1, 3, "P1"),
        pick(2, 3.5, "P2"),
        clock(4, "P2", "out"),
        pick(7.5, 8.5, "P1"),
        clock(8.5, "P1", "out"),
    ]
    world = world_kpis(events, start=T, end=T + timedelta(hours=WINDOW_H))
    # The twin clocks P1's 8 shift hours plus the half hour spilled past the shift as
    # overtime, and P2's 4 hours inside the span: busy 3 + 2.5 over 12.5 clocked.
    shift_h, spill_h, p2_h = 8.0, 0.5, 4.0
    expected = twin.labour_utilisation(busy=3.0 + 2.5, clocked=shift_h + spill_h + p2_h)
    assert world.labour_utilisation["NE"] == pytest.approx(expected)
    assert world.labour_utilisation["NE"] <= 1.0


def test_the_worlds_utilisation_never_passes_100_percent_when_clock_ins_are_unseen():
    """A worker busy all the window long, whose clock-in came before the events passed."""
    events = [pick(0, 6, "P3"), clock(6, "P3", "out")]
    world = world_kpis(events, start=T, end=T + timedelta(hours=6))
    assert world.labour_utilisation["NE"] == pytest.approx(1.0)
