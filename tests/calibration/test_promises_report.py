"""The delivery-promise report from the event log: per-order records built from events that
went through ingestion (master data made here), and the page, with data and without."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from apps.accounts.roles import VIEWER
from apps.calibration.promise_selectors import order_record_list
from apps.network.models import Carrier, Customer, DistributionCenter, Region, Sku
from apps.sources.models import Event
from apps.sources.services import events_ingest

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
START = datetime(2018, 3, 1, 14, 0, tzinfo=UTC)


@pytest.fixture
def olist_like_network(db):
    """Two customer regions served from one origin, as the Olist import makes them. A region
    names its home DC and a DC its region: the region is saved first with a placeholder (the
    foreign keys are checked at commit), then linked."""
    sp = Region.objects.create(code="SP", name="São Paulo", latitude=-23.55, longitude=-46.63,
                               home_dc_id=0)  # fmt: skip
    origin = DistributionCenter.objects.create(
        code="SP", name="Sellers in SP", region=sp, latitude=-23.55, longitude=-46.63,
        pick_stations=1, dock_doors=1, storage_positions=1, wage_usd_per_hour=1,
        standard_pick_lines_per_hour=1, standard_pack_orders_per_hour=1,
    )  # fmt: skip
    Region.objects.filter(pk=sp.pk).update(home_dc=origin)
    rj = Region.objects.create(code="RJ", name="Rio de Janeiro", latitude=-22.91,
                               longitude=-43.17, home_dc=origin)  # fmt: skip
    for code, region in (("c-sp", sp), ("c-rj", rj), ("c-rj2", rj)):
        Customer.objects.create(code=code, name=code, region=region, sla_tier="standard",
                                promised_hours=480)  # fmt: skip
    Sku.objects.create(code="p1", name="p1", family="toys", weight_kg=1, cube_m3=0.01,
                       unit_cost_usd=1, unit_price_usd=2, velocity_class="C")  # fmt: skip
    Carrier.objects.create(code="OLIST", name="Olist's carriers", kind="parcel")


def olist_events(n: int, *, bought: datetime, customer: str, handed_days: float | None,
                 delivered_days: float | None, promise_days: int = 20,
                 cancelled_days: float | None = None) -> list[dict]:  # fmt: skip
    """The contract's events for one order."""
    order_id = f"order{n}"
    promised = (bought + timedelta(days=promise_days)).astimezone(SAO_PAULO)
    promised = promised.replace(hour=23, minute=59, second=59)
    events = [{
        "event_id": f"olist:{order_id}:created", "source": "erp", "type": "erp.order_created",
        "occurred_at": bought.isoformat(),
        "payload": {"order_id": order_id, "customer": customer, "lines": [{"sku": "p1", "qty": 1}],
                    "requested_by": promised.isoformat(), "dc": "SP"},
    }]  # fmt: skip
    if handed_days is not None:
        events.append({
            "event_id": f"olist:{order_id}:shipped", "source": "wms", "type": "wms.shipped",
            "occurred_at": (bought + timedelta(days=handed_days)).isoformat(),
            "payload": {"order_id": order_id, "dc": "SP", "shipment_id": order_id,
                        "carrier": "OLIST"},
        })  # fmt: skip
    if delivered_days is not None:
        at = (bought + timedelta(days=delivered_days)).isoformat()
        events.append({
            "event_id": f"olist:{order_id}:delivered", "source": "tms", "type": "tms.tracking",
            "occurred_at": at,
            "payload": {"shipment_id": order_id, "status": "delivered", "at": at},
        })  # fmt: skip
    if cancelled_days is not None:
        events.append({
            "event_id": f"olist:{order_id}:cancelled", "source": "erp",
            "type": "erp.order_cancelled",
            "occurred_at": (bought + timedelta(days=cancelled_days)).isoformat(),
            "payload": {"order_id": order_id, "reason": "olist status canceled"},
        })  # fmt: skip
    return events


def ingest_history(orders: int = 60) -> None:
    """An order a day, alternating regions: SP takes 3 days, RJ 7; hand-off after a day."""
    items = []
    for n in range(orders):
        customer = "c-sp" if n % 2 else "c-rj"
        took = 3 + (n % 3) * 0.5 if n % 2 else 7 + (n % 3) * 0.5
        items += olist_events(n, bought=START + timedelta(days=n), customer=customer,
                              handed_days=1, delivered_days=took)  # fmt: skip
    result = events_ingest(items=items)
    assert result.rejected == 0 and result.accepted == len(items), result


def test_the_selector_builds_one_record_per_order_from_its_events(olist_like_network):
    items = olist_events(1, bought=START, customer="c-rj", handed_days=1.5, delivered_days=6)
    items += olist_events(2, bought=START + timedelta(hours=1), customer="c-sp",
                          handed_days=None, delivered_days=None, cancelled_days=2)  # fmt: skip
    items += olist_events(3, bought=START + timedelta(hours=2), customer="c-rj2",
                          handed_days=1, delivered_days=None)  # fmt: skip
    result = events_ingest(items=items)
    assert result.rejected == 0, result
    records = {r.order_id: r for r in order_record_list()}
    assert set(records) == {"order1", "order2", "order3"}
    first = records["order1"]
    assert (first.origin, first.region) == ("SP", "RJ")
    assert first.purchased_at == START
    assert first.handed_at == START + timedelta(days=1.5)
    assert first.delivered_at == START + timedelta(days=6)
    assert first.promised_at.astimezone(SAO_PAULO).strftime("%d %H:%M") == "21 23:59"
    assert records["order2"].cancelled_at == START + timedelta(hours=1, days=2)
    assert records["order2"].delivered_at is None and records["order2"].region == "SP"
    assert records["order3"].handed_at is not None and records["order3"].delivered_at is None


def test_a_stored_event_its_schema_no_longer_reads_is_left_out(olist_like_network):
    items = olist_events(1, bought=START, customer="c-rj", handed_days=1, delivered_days=6)
    assert events_ingest(items=items).rejected == 0
    # As if stored under an older schema that knew a status the current one does not.
    lost = {"shipment_id": "order1", "status": "lost", "at": "x"}
    Event.objects.create(source="tms", event_id="old-1", type="tms.tracking",
                         occurred_at=START, received_at=START, payload=lost)  # fmt: skip
    [record] = order_record_list()
    assert record.delivered_at == START + timedelta(days=6)


def test_the_page_compares_the_twin_with_the_companys_promise(client, role_user,
                                                              olist_like_network):  # fmt: skip
    ingest_history()
    client.force_login(role_user(VIEWER))
    response = client.get(reverse("calibration:promises"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-field="judged">18<' in text  # the last 30% of 60 delivered orders
    assert 'data-row="twin-median"' in text and 'data-row="company-promise"' in text
    assert 'data-plotly-figure="promise-chart"' in text and 'id="promise-chart"' in text
    assert "vendor/plotly/plotly.min.js" in text and "cdn" not in text.lower()
    assert "NNECO" in text  # the origins' grouping is stated
    # The twin learned 3 and 7 days; the company promised 20: the twin is far closer.
    compared = response.context["report"].comparison
    assert compared.twin_median.mae_days < 1.5 < 10 < compared.company.point.mae_days
    assert compared.median_target_met


def test_the_page_says_when_there_is_nothing_to_judge(client, role_user, olist_like_network):
    client.force_login(role_user(VIEWER))
    empty = client.get(reverse("calibration:promises")).content.decode()
    assert "No delivered orders to judge yet" in empty and "no orders" in empty
    items = olist_events(1, bought=START, customer="c-sp", handed_days=1, delivered_days=None)
    assert events_ingest(items=items).rejected == 0
    undelivered = client.get(reverse("calibration:promises")).content.decode()
    assert "No delivered orders to judge yet" in undelivered
    assert "1 order in the event log, 0 delivered" in undelivered
    assert 'data-plotly-figure="promise-chart"' not in undelivered


def test_anonymous_users_are_sent_to_sign_in_and_role_less_users_refused(client, role_user, db):
    response = client.get(reverse("calibration:promises"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(role_user())
    assert client.get(reverse("calibration:promises")).status_code == 403
