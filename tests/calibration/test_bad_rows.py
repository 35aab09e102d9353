"""One bad row never stops a round: events and live rows with values an older schema let
through are skipped and counted, every sub-model fits from the good rows, and a sub-model
whose fit or check raises is recorded and shown while the others go on."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from apps.accounts.roles import PLANNER, VIEWER
from apps.calibration.fitters import fitters
from apps.calibration.history import History, Window
from apps.calibration.models import ModelVersion, Prediction, Round, RoundPart, SubModel
from apps.calibration.priors import master_data_parameters
from apps.calibration.rounds import delta_rounds
from apps.calibration.services import calibrate
from apps.live.models import DcHour, OrderProgress, Shipment
from apps.network.models import Customer, Lane, Sku
from apps.network.services import demo_network_load
from apps.simulation.serialization import to_jsonable
from apps.sources.models import Event
from tests.calibration.history import day, emulated_history

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

WINDOW = Window(day(0), day(2))
# Inside the calibration window and the first hour the delta rounds settle.
BAD_AT = day(1) + timedelta(minutes=30)


@pytest.fixture(scope="module")
def two_days(django_db_setup, django_db_blocker):
    """Two emulated days in the log and the live tables, shared by this module's tests;
    each test adds its bad rows inside its own transaction."""
    with django_db_blocker.unblock():
        demo_network_load()
        emulated_history(days=2)
        yield
        call_command("flush", interactive=False, verbosity=0)


# ---- bad rows, as an older schema version would have let them into the log --------------
def bad_event(type_: str, payload: dict, *, at: datetime | None = None) -> Event:
    n = Event.objects.count()
    return Event.objects.create(
        source=type_.split(".")[0],
        event_id=f"bad-{type_}-{n}",
        type=type_,
        occurred_at=at or BAD_AT,
        received_at=at or BAD_AT,
        payload=payload,
        dc=payload.get("dc", "") if isinstance(payload.get("dc"), str) else "",
    )


def a_sku() -> str:
    return Sku.objects.order_by("code").values_list("code", flat=True).first()


def a_customer() -> str:
    return Customer.objects.order_by("code").values_list("code", flat=True).first()


def pick(**fields) -> dict:
    payload = {
        "order_id": "BAD-ORDER",
        "dc": "NE",
        "sku": a_sku(),
        "qty": 1,
        "picker_id": "BAD-PICKER",
        "started_at": BAD_AT.isoformat(),
        "duration_s": 20.0,
        "error": False,
    }
    payload.update(fields)
    return {k: v for k, v in payload.items() if v is not None}


def order(**fields) -> dict:
    payload = {
        "order_id": "BAD-ORDER",
        "customer": a_customer(),
        "lines": [{"sku": a_sku(), "qty": 2}],
        "requested_by": day(3).isoformat(),
    }
    payload.update(fields)
    return payload


def posting(amount: str) -> dict:
    return {"account": "6100-labour-NE", "amount": amount, "currency": "USD", "reference": "x"}


def delivered_shipment_id() -> str:
    return (
        Event.objects.filter(type="tms.tracking", payload__status="delivered")
        .order_by("id")
        .values_list("shipment_id", flat=True)
        .first()
    )


# (what, sub-model that reads it, reason recorded, inserts the row)
BAD_EVENTS = [
    (
        "a pick of 1e12 seconds",
        "labour",
        "wms.pick_completed duration_s out of range",
        lambda: bad_event("wms.pick_completed", pick(duration_s=1e12)),
    ),
    (
        "a line of 10**30 units",
        "demand",
        "erp.order_created lines[].qty out of range",
        lambda: bad_event("erp.order_created", order(lines=[{"sku": a_sku(), "qty": 10**30}])),
    ),
    (
        "a promise in the year 9999",
        "demand",
        "erp.order_created requested_by out of range",
        lambda: bad_event("erp.order_created", order(requested_by="9999-12-31T23:59:59+00:00")),
    ),
    (
        "a delivery in the year 1",
        "logistics",
        "tms.tracking at out of range",
        lambda: bad_event(
            "tms.tracking",
            {
                "shipment_id": delivered_shipment_id(),
                "status": "delivered",
                "at": "0001-01-01T00:00:00+05:00",
            },
        ),
    ),
    (
        "a posting of 1e300",
        "finance",
        "erp.financial_posted amount out of range",
        lambda: bad_event("erp.financial_posted", posting("1e300"), at=day(1)),
    ),
    (
        "a posting of NaN",
        "finance",
        "erp.financial_posted amount not finite",
        lambda: bad_event("erp.financial_posted", posting("NaN"), at=day(1)),
    ),
    (
        "a pick without its duration",
        "labour",
        "wms.pick_completed duration_s missing",
        lambda: bad_event("wms.pick_completed", pick(duration_s=None)),
    ),
    (
        "a pack duration sent as text",
        "labour",
        "wms.pack_completed duration_s not a number",
        lambda: bad_event(
            "wms.pack_completed",
            {"order_id": "BAD-ORDER", "dc": "NE", "packer_id": "P", "duration_s": "90"},
        ),
    ),
]


def good_fits() -> dict[str, object]:
    """Every sub-model fitted on the window as the log stands (before a bad row is added)."""
    priors = master_data_parameters()
    history = History(WINDOW)
    return {
        name: to_jsonable(fit(history, getattr(priors, name)).params)
        for name, fit in fitters().items()
    }


def part_of(sub_model: str, kind: str) -> RoundPart:
    return RoundPart.objects.filter(sub_model=sub_model, round__kind=kind).latest("id")


@pytest.mark.parametrize(
    ("sub_model", "reason", "insert"),
    [pytest.param(s, r, i, id=what) for what, s, r, i in BAD_EVENTS],
)
def test_a_bad_event_is_skipped_and_counted_and_every_sub_model_fits_from_the_good_rows(
    two_days, sub_model, reason, insert
):
    expected = good_fits()
    insert()
    outcomes = calibrate(window=WINDOW, reason="test")
    assert all(o.created and not o.failure for o in outcomes), [o.describe() for o in outcomes]
    fitted = {o.sub_model: o.version.parameters for o in outcomes}
    for name in SubModel.values:
        assert fitted[name] == expected[name], f"{name} differs from its fit on the good rows"
    part = part_of(sub_model, Round.Kind.CALIBRATION)
    assert part.rows_skipped == 1 and not part.failed
    assert part.skipped_summary == f"1 row skipped: {reason} (1)"
    assert part.version == ModelVersion.objects.get(sub_model=sub_model)


def test_the_models_page_shows_the_rows_each_sub_model_skipped(two_days, client, role_user):
    bad_event("wms.pick_completed", pick(duration_s=1e12))
    bad_event("wms.pick_completed", pick(duration_s="slow"))
    calibrate(sub_models=["labour", "demand"], window=WINDOW, reason="test")

    client.force_login(role_user(VIEWER))
    text = client.get(reverse("calibration:models")).content.decode()
    labour = text[text.index('id="model-labour"') : text.index('id="model-finance"')]
    assert (
        "2 rows skipped: wms.pick_completed duration_s not a number (1), "
        "wms.pick_completed duration_s out of range (1)"
    ) in labour
    # Two days are too few for labour's shifts: its status says so, skipped rows or not.
    assert '<span class="pill">insufficient data</span>' in labour
    demand = text[text.index('id="model-demand"') : text.index('id="model-supply"')]
    assert "skipped" not in demand


# ---- live rows the projector wrote from such events ---------------------------------------
def an_empty_dc_hour() -> tuple[str, datetime]:
    """A DC and an hour of the rounds' day without a row (the night shift's gap)."""
    taken = set(DcHour.objects.values_list("dc", "hour"))
    for n in range(24, 48):
        hour = day(0) + timedelta(hours=n)
        if ("SE", hour) not in taken:
            return "SE", hour
    raise AssertionError("SE worked every hour of day 1: pick another DC")


def nan_dc_hour() -> tuple[str, datetime]:
    dc, hour = an_empty_dc_hour()
    DcHour.objects.create(dc=dc, hour=hour, busy_s=float("nan"), clocked_s=3600.0)
    return dc, hour


def huge_dc_hour() -> tuple[str, datetime]:
    dc, hour = an_empty_dc_hour()
    DcHour.objects.create(dc=dc, hour=hour, busy_s=10.0, clocked_s=1e300, lines_picked=5)
    return dc, hour


def shipment_from_the_year_1() -> None:
    lane = Lane.objects.order_by("code").values_list("code", flat=True).first()
    Shipment.objects.create(
        shipment_id="BAD-SHIP", lane=lane, picked_up_at=datetime(1, 1, 1, tzinfo=UTC)
    )


def order_due_in_9999() -> None:
    OrderProgress.objects.create(
        order_id="BAD-ORDER",
        due_at=datetime(9999, 12, 31, tzinfo=UTC),
        delivered_at=day(2) - timedelta(hours=60),
    )


BAD_LIVE_ROWS = [
    ("an hour's busy seconds of NaN", "labour", "DcHour busy_s not finite", nan_dc_hour),
    ("an hour clocking 1e300 seconds", "labour", "DcHour clocked_s out of range", huge_dc_hour),
    (
        "a pick-up in the year 1",
        "logistics",
        "Shipment picked_up_at out of range",
        shipment_from_the_year_1,
    ),
    ("an order due in 9999", "customer", "OrderProgress due_at out of range", order_due_in_9999),
]


def delta_round_predictions() -> list[tuple]:
    """Calibrate on day 0, then run the rounds through day 1: what they predicted, settled
    and checked."""
    calibrate(window=Window(day(0), day(1)), reason="test")
    delta_rounds(until=day(1))
    delta_rounds(until=day(2))
    return list(
        Prediction.objects.order_by("metric", "subject", "item", "period_start").values_list(
            "metric", "subject", "item", "period_start", "predicted", "actual", "settled"
        )
    )


def on_the_good_rows_alone() -> list[tuple]:
    with transaction.atomic():
        predictions = delta_round_predictions()
        transaction.set_rollback(True)
    return predictions


def without_actuals_over(predictions: list[tuple], dc: str, hour: datetime) -> list[tuple]:
    """A DC's hourly figures whose period holds an hour that could not be read are settled
    without an actual: the hour's lines and seconds are unknown, not zero."""
    hourly = ("throughput_next_hour", "throughput_next_day", "utilisation_next_hour",
              "utilisation_next_day")  # fmt: skip
    gap = []
    for metric, subject, item, start, predicted, actual, settled in predictions:
        if (
            metric in hourly
            and subject == dc
            and start <= hour < start + timedelta(hours=1 if metric.endswith("hour") else 24)
        ):
            actual = None
        gap.append((metric, subject, item, start, predicted, actual, settled))
    return gap


# The rounds read deliveries from the live Shipment rows, not from tms.tracking.
READ_BY_ROUNDS = [bad for bad in BAD_EVENTS if not bad[2].startswith("tms.tracking")]


@pytest.mark.parametrize(
    ("sub_model", "reason", "insert"),
    [pytest.param(s, r, i, id=what) for what, s, r, i in READ_BY_ROUNDS + BAD_LIVE_ROWS],
)
def test_delta_rounds_skip_and_count_a_bad_row_and_judge_on_the_good_rows(
    two_days, sub_model, reason, insert
):
    expected = on_the_good_rows_alone()
    unreadable_hour = insert()
    if isinstance(unreadable_hour, tuple):
        expected = without_actuals_over(expected, *unreadable_hour)
    assert delta_round_predictions() == expected
    delta = Round.objects.filter(kind=Round.Kind.DELTA).latest("id")
    assert delta.hours == 24
    parts = {p.sub_model: p for p in delta.parts.all()}
    assert not [p.failure for p in parts.values() if p.failed]
    assert parts[sub_model].rows_skipped >= 1
    assert reason in parts[sub_model].skipped_summary


# ---- a sub-model that fails (a stand-in for a bug) -----------------------------------------
def test_a_fitter_that_raises_is_recorded_and_shown_and_the_others_are_fitted(
    two_days, monkeypatch, caplog, client, role_user
):
    def broken(history, prior):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr("apps.calibration.fitters.finance.fit_finance", broken)
    with caplog.at_level(logging.ERROR, logger="apps.calibration.round_records"):
        outcomes = {o.sub_model: o for o in calibrate(window=WINDOW, reason="test")}

    assert outcomes["finance"].version is None
    assert (
        str(outcomes["finance"].failure) == "fit failed: ZeroDivisionError: float division by zero"
    )
    fitted = set(ModelVersion.objects.values_list("sub_model", flat=True))
    assert fitted == set(SubModel.values) - {"finance"}
    part = part_of("finance", Round.Kind.CALIBRATION)
    assert (part.failed_step, part.error_type, part.error) == (
        "fit",
        "ZeroDivisionError",
        "float division by zero",
    )
    assert not part_of("labour", Round.Kind.CALIBRATION).failed
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "finance" in record.getMessage() and record.exc_info[0] is ZeroDivisionError

    client.force_login(role_user(VIEWER))
    text = client.get(reverse("calibration:models")).content.decode()
    finance = text[text.index('id="model-finance"') : text.index('id="model-customer"')]
    assert '<span class="pill pill-bad">failed</span>' in finance
    assert "fit failed: <code>ZeroDivisionError</code>: float division by zero" in finance
    labour = text[text.index('id="model-labour"') : text.index('id="model-finance"')]
    assert "failed" not in labour and "pill-bad" not in labour

    client.force_login(role_user(PLANNER))
    response = client.post(reverse("calibration:recalibrate", args=["finance"]))
    assert response.status_code == 422
    assert "finance: fit failed: ZeroDivisionError" in response.content.decode()


def test_a_delta_step_that_raises_is_recorded_and_the_others_still_predict(
    two_days, monkeypatch, client, role_user
):
    calibrate(window=Window(day(0), day(1.5)), reason="test")

    def broken(dc, at, skipped):
        raise KeyError("NE")

    monkeypatch.setattr("apps.calibration.round_forecasts.pick_backlog_lines", broken)
    result = delta_rounds(until=day(1.5))

    assert result.failures == ["labour: labour forecasts failed: KeyError: 'NE'"]
    made = set(Prediction.objects.values_list("sub_model", flat=True))
    assert {"demand", "logistics", "customer"} <= made and "labour" not in made
    part = part_of("labour", Round.Kind.DELTA)
    assert part.failure == "labour forecasts failed: KeyError: 'NE'"
    assert not part_of("demand", Round.Kind.DELTA).failed

    client.force_login(role_user(VIEWER))
    text = client.get(reverse("calibration:models")).content.decode()
    labour = text[text.index('id="model-labour"') : text.index('id="model-finance"')]
    assert "labour forecasts failed: <code>KeyError</code>" in labour
    assert '<span class="pill pill-bad">failed</span>' in labour
