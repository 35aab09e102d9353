"""The delivery-promise report from the event log: per-order records built from events that
went through ingestion (master data made here), and the page, with data and without."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.urls import reverse
from kombu.exceptions import OperationalError as KombuOperationalError

from apps.accounts.roles import VIEWER
from apps.calibration import promise_services
from apps.calibration.models import PromiseReportState
from apps.calibration.promise_refresh import promise_report_refresh
from apps.calibration.promise_selectors import order_record_list
from apps.calibration.promise_services import (
    REFRESH_LOST_SECONDS,
    REFRESH_MIN_SECONDS,
    promise_report_refresh_request,
)
from apps.calibration.tasks import promise_report_refresh_task
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
    with transaction.atomic():  # the foreign keys are checked at its end
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
    promise_report_refresh()  # as the worker does
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
    promise_report_refresh()
    empty = client.get(reverse("calibration:promises")).content.decode()
    assert "No delivered orders to judge yet" in empty and "no orders" in empty
    items = olist_events(1, bought=START, customer="c-sp", handed_days=1, delivered_days=None)
    assert events_ingest(items=items).rejected == 0
    promise_report_refresh()
    undelivered = client.get(reverse("calibration:promises")).content.decode()
    assert "No delivered orders to judge yet" in undelivered
    assert "1 order in the event log, 0 delivered" in undelivered
    assert 'data-plotly-figure="promise-chart"' not in undelivered


def test_anonymous_users_are_sent_to_sign_in_and_role_less_users_refused(client, role_user, db):
    response = client.get(reverse("calibration:promises"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(role_user())
    assert client.get(reverse("calibration:promises")).status_code == 403


@pytest.fixture
def queued(monkeypatch) -> list[float]:
    """The countdowns of the refresh tasks sent to the broker (recorded, not sent: the
    worker's side is promise_report_refresh_task, run in-process below)."""
    sent: list[float] = []
    monkeypatch.setattr(promise_report_refresh_task, "apply_async",
                        lambda countdown=0: sent.append(countdown))  # fmt: skip
    return sent


def test_the_page_never_computes_it_queues_a_refresh_and_shows_the_stored_one(
    client, role_user, olist_like_network, queued, django_capture_on_commit_callbacks
):
    ingest_history(30)
    client.force_login(role_user(VIEWER))
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(reverse("calibration:promises"))
    assert queued == [0]  # nothing computed yet: queued to run now
    assert "Not computed yet" in first.content.decode() and "queued" in first.content.decode()
    assert first.context["report"] is None
    assert PromiseReportState.objects.get().report is None  # the request computed nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("calibration:promises"))
    assert queued == [0]  # one refresh queued is enough

    result = promise_report_refresh_task.apply().get()  # the worker's run
    # As of the newest event read: order 28 (RJ, 7.5 days) delivered last.
    assert result["as_of"] == (START + timedelta(days=28 + 7.5)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        shown = client.get(reverse("calibration:promises"))
    text = shown.content.decode()
    assert queued == [0]  # fresh: nothing queued
    assert 'data-stale="false"' in text and 'data-refreshing="false"' in text
    assert "As of event time" in text and "2018-04-06 02:00 UTC" in text
    assert 'data-field="judged">9<' in text  # the last 30% of 30 delivered orders


def test_a_new_event_makes_it_stale_and_a_refresh_waits_for_the_interval(
    client, role_user, olist_like_network, queued, django_capture_on_commit_callbacks
):
    ingest_history(30)
    stored = promise_report_refresh()
    client.force_login(role_user(VIEWER))
    items = olist_events(99, bought=START + timedelta(days=40), customer="c-sp",
                         handed_days=None, delivered_days=None)  # fmt: skip
    assert events_ingest(items=items).rejected == 0
    with django_capture_on_commit_callbacks(execute=True):
        text = client.get(reverse("calibration:promises")).content.decode()
    # The last result stays on the page, as of its event time, with a note.
    assert 'data-stale="true"' in text and 'data-note="refreshing"' in text
    assert 'data-field="judged">9<' in text
    # Computed a moment ago: the refresh waits for the rest of the interval.
    [countdown] = queued
    assert REFRESH_MIN_SECONDS - 30 < countdown <= REFRESH_MIN_SECONDS
    # More events while it is queued queue nothing more.
    more = olist_events(100, bought=START + timedelta(days=41), customer="c-rj",
                        handed_days=None, delivered_days=None)  # fmt: skip
    assert events_ingest(items=more).rejected == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert not promise_report_refresh_request()
    assert len(queued) == 1
    promise_report_refresh_task.apply().get()
    state = PromiseReportState.objects.get()
    assert state.as_of > stored.as_of and state.refresh_queued_at is None
    assert state.report["orders"] == 32
    with django_capture_on_commit_callbacks(execute=True):
        text = client.get(reverse("calibration:promises")).content.decode()
    assert 'data-stale="false"' in text and len(queued) == 1


def test_a_refresh_lost_on_the_way_is_queued_again(
    olist_like_network, queued, django_capture_on_commit_callbacks
):
    ingest_history(5)
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        assert promise_report_refresh_request(now=now)
        assert not promise_report_refresh_request(now=now + timedelta(seconds=60))
        later = now + timedelta(seconds=REFRESH_LOST_SECONDS + 1)
        assert promise_services.promise_report_refresh_request(now=later)
    assert queued == [0, 0]


def test_the_page_renders_when_the_task_queue_is_down(
    transactional_db, client, role_user, olist_like_network, monkeypatch
):
    # Transactional: the request commits as in production, so the hand-off runs (and fails)
    # before the page is rendered.
    def refused(countdown=0):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(promise_report_refresh_task, "apply_async", refused)
    ingest_history(5)
    client.force_login(role_user(VIEWER))
    response = client.get(reverse("calibration:promises"))
    assert response.status_code == 200
    assert 'data-note="unqueued"' in response.content.decode()
    # Not marked as queued: the next request tries again rather than wait for a lost task.
    assert PromiseReportState.objects.get().refresh_queued_at is None
