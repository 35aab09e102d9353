"""Lanes, stock, customers and the environment, projected from constructed sequences."""

from datetime import timedelta

import pytest

from apps.live.models import LaneHour, Shipment
from apps.live.network_selectors import alert_list, imbalance, lane_state_list, network_kpis
from apps.live.projector import project_pending
from apps.live.selectors import dc_state_list
from apps.live.stock_selectors import stock_list
from tests.live.stream import T0, at, clock, happened, ingest, pick

LANE = "NE-MAT-BLT"


def order(order_id: str, minutes: float, *, due_minutes: float) -> dict:
    return happened("erp.order_created", minutes, order_id=order_id, dc="NE",
                    requested_by=at(due_minutes))  # fmt: skip


def shipment_events(order_id: str, shipment_id: str, *, picked_up: float, eta: float,
                    delivered: float | None) -> list[dict]:  # fmt: skip
    sent = [
        happened("tms.tender", picked_up, shipment_id=shipment_id, lane=LANE, carrier="BLT",
                 status="accepted", rate=100.0),
        happened("wms.shipped", picked_up, order_id=order_id, dc="NE", shipment_id=shipment_id,
                 carrier="BLT"),
        happened("tms.tracking", picked_up, shipment_id=shipment_id, status="picked_up",
                 at=at(picked_up), eta=at(eta)),
    ]  # fmt: skip
    if delivered is not None:
        sent.append(
            happened(
                "tms.tracking",
                delivered,
                shipment_id=shipment_id,
                status="delivered",
                at=at(delivered),
                eta=None,
            )
        )
    return sent


def lane() -> object:
    return next(s for s in lane_state_list() if s.code == LANE)


def test_lane_counts_transit_times_and_lateness_against_the_order_sla(demo_network):
    ingest(
        order("SO-L1", 0, due_minutes=600),
        order("SO-L2", 0, due_minutes=300),
        order("SO-L3", 0, due_minutes=2000),
        # Delivered after its ETA but before the customer's requested time: on time.
        *shipment_events("SO-L1", "SH-L1", picked_up=60, eta=240, delivered=420),
        # Delivered after the requested time: late.
        *shipment_events("SO-L2", "SH-L2", picked_up=60, eta=240, delivered=360),
        # Still on the road, past its ETA.
        *shipment_events("SO-L3", "SH-L3", picked_up=60, eta=120, delivered=None),
        happened("iot.reading", 480),
    )
    project_pending()
    state = lane()
    assert state.tendered_today == 3 and state.delivered_today == 2 and state.late_today == 1
    assert state.in_transit == 1 and state.in_transit_past_eta == 1
    # Transit times 6 h and 5 h: mean 5.5, p90 by linear interpolation 5.9.
    assert state.transit_mean_h == pytest.approx(5.5)
    assert state.transit_p90_h == pytest.approx(5.9)
    assert state.plan_transit_h == pytest.approx(10.6)
    assert state.origin == "NE" and state.destination == "MAT"


def test_tracking_that_arrives_before_the_tender_settles_once_everything_is_known(demo_network):
    events = shipment_events("SO-L1", "SH-L1", picked_up=60, eta=240, delivered=420)
    ingest(order("SO-L1", 0, due_minutes=300), events[3], happened("iot.reading", 430))
    project_pending()
    assert not LaneHour.objects.filter(delivered__gt=0).exists()
    ingest(events[2])
    project_pending()
    assert not Shipment.objects.get(shipment_id="SH-L1").settled  # the lane is not known yet
    ingest(events[0], events[1])
    project_pending()
    row = LaneHour.objects.get(lane=LANE, hour=T0 + timedelta(hours=7))
    assert (row.delivered, row.late, row.transit_s) == (1, 1, 6 * 3600)
    again = shipment_events("SO-L1", "SH-L1", picked_up=60, eta=240, delivered=420)[3]
    ingest(again)  # the same delivery reported twice by the carrier: counted once
    project_pending()
    assert LaneHour.objects.get(lane=LANE, hour=T0 + timedelta(hours=7)).delivered == 1


def test_otif_counts_orders_delivered_on_time_with_no_pick_error(demo_network):
    # OTIF counts the orders due in the window: the watermark passes every due time.
    ingest(
        order("SO-O1", 0, due_minutes=600),
        order("SO-O2", 0, due_minutes=600),
        order("SO-O3", 0, due_minutes=200),
        happened("wms.pick_completed", 30, order_id="SO-O2", error=True),
        *shipment_events("SO-O1", "SH-O1", picked_up=60, eta=240, delivered=300),
        *shipment_events("SO-O2", "SH-O2", picked_up=60, eta=240, delivered=300),
        *shipment_events("SO-O3", "SH-O3", picked_up=60, eta=240, delivered=300),
        happened("iot.reading", 610),
    )
    project_pending()
    kpis = network_kpis()
    assert kpis.due_7d == 3
    assert kpis.otif_7d == pytest.approx(1 / 3)
    assert kpis.orders_today == 3


def test_cost_per_order_divides_postings_by_orders_shipped(demo_network):
    ingest(
        *shipment_events("SO-C1", "SH-C1", picked_up=60, eta=240, delivered=None),
        *shipment_events("SO-C2", "SH-C2", picked_up=70, eta=240, delivered=None),
        happened("erp.financial_posted", 100, account="6100-labour-NE", amount="1000.00",
                 reference="PAY-1"),
        happened("erp.financial_posted", 100, account="7200-rent", amount="50.50",
                 reference="RENT-1"),
        happened("tms.freight_accrued", 120, shipment_id="SH-C1", amount=149.5),
    )  # fmt: skip
    project_pending()
    kpis = network_kpis()
    assert kpis.shipped_7d == 2
    assert kpis.cost_7d_usd == {"freight": 149.5, "labour": 1000.0, "other": 50.5}
    assert kpis.cost_per_order_7d == pytest.approx((1000 + 50.5 + 149.5) / 2)


def test_open_complaints_are_opened_and_not_yet_closed(demo_network):
    ingest(
        happened("crm.complaint_closed", 50, complaint_id="CMP-2"),  # closed before it opened
        happened("crm.complaint_opened", 10, complaint_id="CMP-1"),
        happened("crm.complaint_opened", 20, complaint_id="CMP-2"),
        happened("crm.complaint_opened", 30, complaint_id="CMP-3"),
        happened("crm.complaint_closed", 40, complaint_id="CMP-3"),
    )
    project_pending()
    assert network_kpis().open_complaints == 1


def test_stock_on_hand_on_order_and_days_of_cover(demo_network):
    sku = "FAS-0001"
    ingest(
        happened("erp.inventory_adjusted", 0, sku=sku, dc="NE", delta=100,
                 reason="opening balance"),
        happened("erp.po_created", 10, sku=sku, dc="NE", qty=50, po_id="PO-1"),
        *[happened("wms.pick_completed", 60 * h, sku=sku, qty=5, dc="NE") for h in range(1, 7)],
        happened("erp.inventory_moved", 400, sku=sku, from_dc="NE", to_dc="SE", qty=10),
    )  # fmt: skip
    project_pending()
    row = next(r for r in stock_list(dc="NE") if r.sku == sku)
    assert (row.on_hand, row.on_order) == (100 - 30 - 10, 50)
    # 30 units picked between midnight and the watermark (06:40 + 8 h = 14:40): 14.67 h.
    elapsed_days = (8 * 60 + 400) / 60 / 24
    assert row.daily_demand == pytest.approx(30 / elapsed_days)
    assert row.days_of_cover == pytest.approx(60 / (30 / elapsed_days))
    assert next(r for r in stock_list(dc="SE") if r.sku == sku).on_hand == 10
    ingest(happened("erp.receipt_posted", 420, sku=sku, dc="NE", qty=50, po_id="PO-1"))
    project_pending()
    row = next(r for r in stock_list(dc="NE") if r.sku == sku)
    assert (row.on_hand, row.on_order) == (110, 0)


def test_a_temperature_excursion_raises_an_alert_until_readings_are_back_in_range(demo_network):
    reading = {"sensor_id": "NE-T1", "kind": "temperature", "unit": "C", "dc": "NE"}
    ingest(happened("iot.reading", 0, value=20.1, **reading),
           happened("iot.reading", 15, value=29.4, **reading))  # fmt: skip
    project_pending()
    ne = next(s for s in dc_state_list() if s.dc == "NE")
    assert [(e.sensor_id, e.value) for e in ne.excursions] == [("NE-T1", 29.4)]
    alerts = alert_list(dc_state_list(), [])
    assert any(a.kind == "temperature" and a.severity == "critical" for a in alerts)
    ingest(happened("iot.reading", 5, value=31.0, **reading))  # late: older than the last
    project_pending()
    assert next(s for s in dc_state_list() if s.dc == "NE").excursions[0].value == 29.4
    ingest(happened("iot.reading", 30, value=20.4, **reading))
    project_pending()
    assert next(s for s in dc_state_list() if s.dc == "NE").excursions == ()


def test_the_imbalance_names_the_hottest_and_coolest_dc(demo_network):
    ingest(clock("N1", "picker", "in", 0, dc="NE"), clock("S1", "picker", "in", 0, dc="SE"),
           pick(60, 3250, dc="NE"), pick(60, 2160, dc="SE"))  # fmt: skip
    project_pending()
    states = dc_state_list()
    gap = imbalance(states)
    assert (gap.hot, gap.cool) == ("NE", "SE")
    assert gap.gap_points == pytest.approx(30.28, abs=0.01)
    bands = {s.dc: s.band for s in states}
    assert bands["NE"] == "high" and bands["SE"] == "low"
    texts = [a.text for a in alert_list(states, [])]
    assert "NE labour utilisation 90% ≥ 90%" in texts
    assert "SE under-used: labour utilisation 60% ≤ 65%" in texts


def test_more_busy_time_than_clocked_time_is_flagged_as_a_data_problem(demo_network):
    # A picker clocked in 30 minutes ago reports 50 minutes of picking: a clock-in is missing.
    ingest(clock("N1", "picker", "in", 30, dc="NE"), pick(60, 3000, dc="NE"))
    project_pending()
    states = dc_state_list()
    ne = next(s for s in states if s.dc == "NE")
    assert ne.labour_utilisation == pytest.approx(3000 / 1800)
    quality = [a for a in alert_list(states, []) if a.kind == "data quality"]
    assert [(a.dc, a.severity) for a in quality] == [("NE", "warning")]
    assert "utilisation 167% > 100%" in quality[0].text and "clock-in" in quality[0].text
