"""`make run` with TWIN_DATA=olist, short of its processes: the first start on a slice of the
real Olist sample imports its past and calibrates it, and the replay sends the rest in event
time, so that the live view and the models page stand on real orders."""

import io
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.calibration.models import ModelVersion, SubModel
from apps.imports.replay import ReplayState
from apps.live.documents import network_document
from apps.live.projector import project_pending, projector_position
from apps.live.selectors import UNSTAFFED_NOTE, watermark
from apps.sources.models import Event
from apps.sources.selectors import event_time_span
from tests.imports.conftest import shared_data
from twin_web.run_settings import HISTORY_CALIBRATION_WINDOW_DAYS

MAPPING = Path(settings.BASE_DIR) / "fixtures" / "mappings" / "olist.json"
# The latest orders of the sample: enough for every sub-model that Olist feeds to fit
# (demand's weekly shape needs 500 orders in its window) and small enough to stay quick.
SLICE_ORDERS = 900


@pytest.fixture(scope="module")
def olist_slice(tmp_path_factory) -> list[Path]:
    """The sample's last SLICE_ORDERS orders by purchase time, with their items, customers,
    sellers and products, under the sample's own file names."""
    sample = shared_data() / "olist-sample"
    if not (sample / "olist_orders_dataset.csv").is_file():
        pytest.skip(f"the Olist sample is not at {sample} (set TWIN_SHARED_DATA)")
    folder = tmp_path_factory.mktemp("olist")

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(sample / name, dtype=str, keep_default_na=False)

    orders = read("olist_orders_dataset.csv").sort_values("order_purchase_timestamp")
    orders = orders.tail(SLICE_ORDERS)
    items = read("olist_order_items_dataset.csv")
    items = items[items.order_id.isin(orders.order_id)]
    tables = {
        "olist_orders_dataset.csv": orders,
        "olist_order_items_dataset.csv": items,
        "olist_customers_dataset.csv": (customers := read("olist_customers_dataset.csv"))[
            customers.customer_id.isin(orders.customer_id)
        ],
        "olist_sellers_dataset.csv": (sellers := read("olist_sellers_dataset.csv"))[
            sellers.seller_id.isin(items.seller_id)
        ],
        "olist_products_dataset.csv": (products := read("olist_products_dataset.csv"))[
            products.product_id.isin(items.product_id)
        ],
        "product_category_name_translation.csv": read("product_category_name_translation.csv"),
    }
    for name, table in tables.items():
        table.to_csv(folder / name, index=False)
    return sorted(folder.iterdir())


def first_start(files: list[Path], resume: Path) -> str:
    out = io.StringIO()
    call_command(
        "history_first_start", "--mapping", str(MAPPING), "--past", "0.7",
        "--resume", str(resume), "--no-users", *map(str, files), stdout=out,
    )  # fmt: skip
    return out.getvalue()


def test_the_olist_first_start_and_a_replay_leave_live_view_and_models_on_real_orders(
    olist_slice, tmp_path, client, role_user, settings
):
    # As `make run` sets it for a history (launcher.HISTORY_CALIBRATION_WINDOW_DAYS).
    settings.TWIN_CALIBRATION_WINDOW_DAYS = HISTORY_CALIBRATION_WINDOW_DAYS
    resume = tmp_path / "history-replay.json"
    said = first_start(olist_slice, resume)

    state = ReplayState.load(resume)
    oldest, newest = event_time_span()
    # The past only: nothing at or after the cutoff is in the log yet.
    assert newest < state.cutoff and oldest.year == 2018
    assert "0 rejected" in said and "Master data from the history" in said
    assert projector_position().lag_events == 0
    assert watermark() == newest
    fitted = {v.sub_model: v for v in ModelVersion.objects.filter(reason__startswith="first")}
    assert sorted(fitted) == sorted(SubModel.values)
    # Demand and logistics stand on the history's orders and deliveries; the sub-models
    # Olist has no data for say so (no observations), not a made-up fit.
    assert fitted["demand"].observations >= 500
    assert fitted["logistics"].observations >= 200
    assert fitted["labour"].observations == fitted["supply"].observations == 0
    # A second start leaves the log to the replay.
    before = Event.objects.count()
    assert "imported earlier" in first_start(olist_slice, resume)
    assert Event.objects.count() == before

    # The rest, as fast as it goes: every event after the cutoff, each once.
    out = io.StringIO()
    call_command(
        "replay_history", "--resume", str(resume), "--speed", "1e7", "--exit-at-end", stdout=out
    )
    project_pending(max_batches=100)
    replayed = ReplayState.load(resume)
    assert replayed.finished and "0 rejected" in out.getvalue()
    assert event_time_span()[1] == replayed.replayed_to > state.cutoff
    assert (
        Event.objects.filter(occurred_at__gte=state.cutoff).count()
        == (Event.objects.count() - before)
        > 0
    )
    assert watermark() == replayed.replayed_to

    document = network_document()
    assert document["kpis"]["due_7d"] > 0  # OTIF's orders: due in the last 7 days
    assert document["kpis"]["otif_7d"] is not None
    assert {card["dc"] for card in document["dcs"]} == {"SP", "SE", "SUL", "NNECO"}
    assert all(card["unmeasured"] == UNSTAFFED_NOTE for card in document["dcs"])
    # The hand-offs are the pick-ups: lanes carry the history's deliveries, as in the log.
    delivered = sum(lane["deliveries_7d"] for lane in document["lanes"])
    assert delivered > 0

    client.force_login(role_user("viewer"))
    models_page = client.get("/models/").content.decode()
    now = replayed.replayed_to.astimezone(UTC)
    assert f"Event time now: <strong>{now:%Y-%m-%d %H:%M}</strong> UTC" in models_page
    assert "first start: the history up to" in models_page
    dc_page = client.get("/live/dc/SP/").content.decode()
    assert "history shows only its orders, hand-offs and deliveries" in dc_page
    live_page = client.get("/live/").content.decode()
    assert f"{now:%Y-%m-%dT%H:%M}" in live_page  # the document the page script draws


def test_the_replay_goes_at_its_pace_in_event_time(olist_slice, tmp_path, db):
    """The history's last two days at a day per wall second take two seconds."""
    resume = tmp_path / "history-replay.json"
    orders = next(path for path in olist_slice if path.name == "olist_orders_dataset.csv")
    last = max(pd.read_csv(orders, dtype=str).order_delivered_customer_date.dropna())
    end = datetime.fromisoformat(last).replace(tzinfo=ZoneInfo("America/Sao_Paulo"))
    cutoff = end - timedelta(days=2)
    ReplayState(mapping=str(MAPPING), files=tuple(map(str, olist_slice)), cutoff=cutoff).save(
        resume
    )
    began = time.monotonic()
    call_command(
        "replay_history", "--resume", str(resume), "--speed", "86400", "--exit-at-end",
        stdout=io.StringIO(),
    )  # fmt: skip
    took = time.monotonic() - began
    replayed = ReplayState.load(resume)
    assert replayed.finished and replayed.replayed_to == end
    # Never ahead of its pace; behind it only by reading the files and ingesting.
    assert 2.0 - 0.05 <= took <= 2.0 + 8
    # The events of those two days, and none of the time before them.
    oldest, newest = event_time_span()
    assert oldest >= cutoff and newest == end
    assert json.loads(resume.read_text())["finished"] is True


def test_a_replay_without_its_resume_file_says_what_writes_it(tmp_path, db):
    with pytest.raises(CommandError, match=r"no such resume file \(the first start writes it\)"):
        call_command("replay_history", "--resume", str(tmp_path / "none.json"), "--exit-at-end")
