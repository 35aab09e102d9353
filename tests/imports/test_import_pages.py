"""The import pages: who may upload and who may only look, files refused with their name and
reason (never a 500), the mapping corrected and checked, the preview's events and failing
rows, the master data saved only when confirmed, and a run's result."""

import re
from pathlib import Path

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.accounts.roles import PLANNER, VIEWER
from apps.imports.models import ImportRun, SavedMapping, Upload
from apps.imports.run_execution import import_run_execute
from apps.network.models import DistributionCenter, Region
from tests.imports.conftest import shared_data
from tests.imports.history_files import history_write

OLIST = shared_data() / "olist-sample"

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(client, role_user) -> Client:
    client.force_login(role_user(PLANNER))
    return client


@pytest.fixture
def history(tmp_path) -> dict[str, Path]:
    return history_write(tmp_path / "history")


def _files(paths) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(p.name, p.read_bytes(), content_type="text/csv") for p in paths]


def _upload(client: Client, paths) -> str:
    """Upload the files; the draft's key in the mapping page's address."""
    response = client.post(reverse("imports:upload"), {"files": _files(paths)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return re.search(r"/uploads/([^/]+)/mapping/", response.url).group(1)


def _form_post(view, **changes) -> dict:
    """The mapping form as drawn, posted back unchanged except for `changes`."""
    post = {
        "name": view.name or "Small marketplace",
        "timezone": "America/Sao_Paulo",
        "promise_end_of_day": "1",
        "event_prefix": view.event_prefix,
        "origin_default": view.origin_default,
        "origin_note": view.origin_note,
        "carrier_code": view.carrier_code,
        "carrier_name": view.carrier_name,
    }
    for card in view.files:
        post[f"file-{card.index}-role"] = card.role
        post[f"file-{card.index}-date_format"] = card.date_format
        post[f"file-{card.index}-quantity"] = card.quantity
        post[f"file-{card.index}-weight_unit"] = card.weight_unit
        for column in card.columns:
            post[f"file-{card.index}-col-{column.index}"] = column.field
    for row in view.statuses:
        post[f"status-{row.index}"] = row.chosen
    for row in view.groups:
        post[f"group-{row.index}"] = row.chosen
    for k, (code, name) in enumerate(view.origin_names):
        post[f"origin-{k}-code"] = code
        post[f"origin-{k}-name"] = name
    for region in view.regions:
        post[f"region-{region.index}-name"] = region.name or region.code
        post[f"region-{region.index}-latitude"] = region.latitude or "-23.5"
        post[f"region-{region.index}-longitude"] = region.longitude or "-46.6"
    post.update(changes)
    return post


def _card(view, name: str):
    return next(card for card in view.files if card.name == name)


def _column(card, name: str):
    return next(column for column in card.columns if column.name == name)


def test_a_viewer_sees_the_runs_but_cannot_upload(client, role_user, history):
    client.force_login(role_user(VIEWER))
    page = client.get(reverse("imports:list"))
    assert page.status_code == 200
    assert "Upload files" not in page.content.decode()
    refused = client.post(reverse("imports:upload"), {"files": _files(history.values())})
    assert refused.status_code == 403
    assert not Upload.objects.exists()


def test_an_upload_without_the_csrf_token_is_refused(role_user, history):
    client = Client(enforce_csrf_checks=True)
    client.force_login(role_user(PLANNER))
    response = client.post(reverse("imports:upload"), {"files": _files(history.values())})
    assert response.status_code == 403
    assert not Upload.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("notes.txt", b"order_id\n1\n", "notes.txt: not a CSV or XLSX file (it ends in .txt)"),
        ("orders.xlsx", b"order_id,status\n1,ok\n", "orders.xlsx: not an XLSX workbook"),
        ("orders.csv", b"PK\x03\x04binary\x00\x01", "orders.csv: not a text CSV"),
        ("orders.csv", "order_id;état\n1;é\n".encode("latin-1"), "orders.csv: not UTF-8 text"),
        ("orders.csv", b"", "orders.csv: the file is empty"),
    ],
)
def test_a_file_that_is_not_a_readable_table_is_refused_with_its_name(planner, name, content, says):
    upload = SimpleUploadedFile(name, content)
    response = planner.post(reverse("imports:upload"), {"files": [upload]})
    assert response.status_code == 422
    assert says in response.content.decode()
    assert not Upload.objects.exists()


def test_a_file_over_the_size_limit_is_refused_saying_the_limit(planner, settings):
    settings.TWIN_IMPORT_MAX_FILE_BYTES = 1024 * 1024
    big = SimpleUploadedFile("orders.csv", b"order_id\n" + b"1\n" * (600 * 1024))
    response = planner.post(reverse("imports:upload"), {"files": [big]})
    assert response.status_code == 422
    assert "orders.csv: 1.2 MB is over the limit of 1.0 MB per file" in response.content.decode()


def test_no_file_chosen_is_a_form_error(planner):
    response = planner.post(reverse("imports:upload"), {})
    assert response.status_code == 422
    assert "Choose one or more CSV or XLSX files." in response.content.decode()


def test_another_session_cannot_open_a_planner_s_upload(planner, role_user, history):
    key = _upload(planner, history.values())
    listed = planner.get(reverse("imports:list")).content.decode()
    assert reverse("imports:mapping", args=[key]) in listed  # carried on from the list
    other = Client()
    other.force_login(role_user(PLANNER))
    assert other.get(reverse("imports:mapping", args=[key])).status_code == 404
    assert other.get(reverse("imports:preview", args=[key])).status_code == 404
    assert other.post(reverse("imports:start", args=[key])).status_code == 404
    assert (
        reverse("imports:mapping", args=[key])
        not in other.get(reverse("imports:list")).content.decode()
    )


def test_the_mapping_page_shows_each_file_s_role_and_each_column_s_reason(planner, history):
    key = _upload(planner, history.values())
    page = planner.get(reverse("imports:mapping", args=[key]))
    assert page.status_code == 200
    view = page.context["form"]
    assert {card.name: card.role for card in view.files} == {
        p.name: role for role, p in history.items()
    }
    purchase = _column(_card(view, "orders.csv"), "order_purchase_timestamp")
    assert purchase.field == "purchased_at"
    assert purchase.reason  # the suggestion says why
    # The status codes found in the file, each with what it means.
    assert {row.value: row.chosen for row in view.statuses} == {
        "delivered": "delivered",
        "canceled": "cancelled",
    }
    assert {row.value for row in view.groups} == {"SP", "MG", "PR"}


def test_a_field_chosen_for_two_columns_is_refused_naming_both(planner, history):
    key = _upload(planner, history.values())
    view = planner.get(reverse("imports:mapping", args=[key])).context["form"]
    orders = _card(view, "orders.csv")
    handed = _column(orders, "order_delivered_carrier_date")
    post = _form_post(view, **{f"file-{orders.index}-col-{handed.index}": "purchased_at"})
    response = planner.post(reverse("imports:mapping", args=[key]), post)
    assert response.status_code == 422
    text = response.content.decode()
    assert "purchased_at is already the column" in text
    assert "order_purchase_timestamp" in text


def test_a_required_field_left_out_is_named_and_nothing_moves_on(planner, history):
    key = _upload(planner, history.values())
    view = planner.get(reverse("imports:mapping", args=[key])).context["form"]
    orders = _card(view, "orders.csv")
    customer = _column(orders, "customer_id")
    post = _form_post(view, **{f"file-{orders.index}-col-{customer.index}": ""})
    response = planner.post(reverse("imports:mapping", args=[key]), post)
    assert response.status_code == 422
    # Said in the page's words: the file and its role, not the document's path.
    assert "orders.csv (Orders)</strong>: customer must be mapped" in response.content.decode()
    assert planner.get(reverse("imports:preview", args=[key])).status_code == 302


def test_changing_a_file_s_role_redraws_its_fields_without_checking(planner, history):
    key = _upload(planner, history.values())
    view = planner.get(reverse("imports:mapping", args=[key])).context["form"]
    items = _card(view, "items.csv")
    post = _form_post(view, refresh="1", **{f"file-{items.index}-role": ""})
    response = planner.post(reverse("imports:mapping", args=[key]), post, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert _card(response.context["form"], "items.csv").role == ""
    assert "Not imported: columns order_id" in response.content.decode()


def test_a_planner_maps_previews_saves_master_data_and_imports(planner, history, settings):
    key = _upload(planner, history.values())
    view = planner.get(reverse("imports:mapping", args=[key])).context["form"]
    items = _card(view, "items.csv")
    price = _column(items, "price")
    post = _form_post(
        view, save_as="Small marketplace", **{f"file-{items.index}-col-{price.index}": ""}
    )
    mapped = planner.post(reverse("imports:mapping", args=[key]), post)
    assert mapped.status_code == 302, mapped.content.decode()[:3000]
    saved = SavedMapping.objects.get(name="Small marketplace")
    assert "price" not in saved.document["files"]["lines"]["columns"]

    # The page comes at once and asks for the review, which reads the files.
    waiting = planner.get(mapped.url)
    assert waiting.status_code == 200 and "Reading the files" in waiting.content.decode()
    preview = planner.get(mapped.url, {"part": "review"}, HTTP_HX_REQUEST="true")
    assert preview.status_code == 200
    assert planner.get(mapped.url).context["preview"] is not None  # at hand now: all at once
    seen = preview.context["preview"]
    assert seen.orders >= 4
    reasons = " ".join(f"{f.order_id} {f.category} {f.reason}" for f in seen.failures)
    assert "o99" in reasons and "orphan" in reasons  # a line of no order
    assert "o5" in reasons and "impossible_time" in reasons  # delivered before bought
    text = preview.content.decode()
    proposal = preview.context["proposal"]
    regions = {r.code for r in proposal.regions}
    assert {"SP", "RJ"} <= regions
    assert f'data-count="regions">{len(regions)}<' in text
    assert "grouped" in preview.context["proposal"].origin_note or "Grouping" in text
    assert not Region.objects.exists()  # proposed, not saved

    saved_data = planner.post(reverse("imports:master-data", args=[key]), follow=True)
    said = [str(m) for m in saved_data.context["messages"]]
    assert any(m.startswith("Master data saved") for m in said), said
    assert set(Region.objects.values_list("code", flat=True)) == regions
    assert DistributionCenter.objects.exists()

    with pytest.MonkeyPatch.context() as patch:
        sent = []
        patch.setattr("apps.imports.tasks.import_run_task.delay", sent.append)
        started = planner.post(reverse("imports:start", args=[key]))
    run = ImportRun.objects.get()
    assert started.url == reverse("imports:run", args=[run.pk])
    polled = planner.get(started.url, HTTP_HX_REQUEST="true")
    assert 'data-status="queued"' in polled.content.decode()
    assert "HX-Refresh" not in polled
    import_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED and run.events_accepted > 0
    polled = planner.get(started.url, HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"
    page = planner.get(started.url).content.decode()
    assert f'data-count="accepted">{run.events_accepted}<' in page
    assert f'data-count="duplicate">{run.events_duplicate}<' in page
    assert "o99" in page  # the saved row failures, with their reasons


def test_a_saved_mapping_fills_the_form_for_the_next_export(planner, history):
    key = _upload(planner, history.values())
    view = planner.get(reverse("imports:mapping", args=[key])).context["form"]
    planner.post(reverse("imports:mapping", args=[key]), _form_post(view, save_as="Shop"))
    saved = SavedMapping.objects.get(name="Shop")
    again = _upload(planner, history.values())
    page = planner.get(reverse("imports:mapping", args=[again]), {"saved": saved.pk})
    assert page.status_code == 200
    assert page.context["form"].timezone == "America/Sao_Paulo"
    gone = planner.get(reverse("imports:mapping", args=[again]), {"saved": "999999"})
    assert gone.status_code == 302


def test_a_run_page_is_open_to_a_viewer_and_unknown_runs_are_404(client, role_user):
    client.force_login(role_user(VIEWER))
    run = ImportRun.objects.create(mapping_name="m", mapping={}, files=["/x/orders.csv"])
    page = client.get(reverse("imports:run", args=[run.pk]))
    assert page.status_code == 200
    assert "orders.csv" in page.content.decode()
    assert client.get(reverse("imports:run", args=[run.pk + 1])).status_code == 404


@pytest.mark.skipif(
    not (OLIST / "olist_orders_dataset.csv").is_file(),
    reason=f"the Olist sample is not at {OLIST} (set TWIN_SHARED_DATA to its parent)",
)
def test_the_ready_olist_mapping_fills_the_grouping_and_an_unknown_name_is_refused(planner):
    names = ("orders", "order_items", "customers", "sellers")
    key = _upload(planner, [OLIST / f"olist_{name}_dataset.csv" for name in names])
    page = planner.get(reverse("imports:mapping", args=[key]), {"ready": "olist"})
    assert page.status_code == 200
    view = page.context["form"]
    grouping = {row.value: row.chosen for row in view.groups}
    assert (grouping["SP"], grouping["MG"], grouping["PR"]) == ("SP", "SE", "SUL")
    assert grouping["BA"] == "" and view.origin_default == "NNECO"  # every other state
    assert "grouping is a modelling choice" in view.origin_note
    # The regions found get their places from the ready table (the state capitals).
    assert len(view.regions) == 27 and all(region.latitude for region in view.regions)
    refused = planner.get(reverse("imports:mapping", args=[key]), {"ready": "../settings"})
    assert refused.status_code == 302


def test_the_failing_rows_are_paged_in_place(planner, history, monkeypatch):
    monkeypatch.setattr("apps.imports.views.FAILURES_PER_PAGE", 1)
    key = _upload(planner, history.values())
    view = planner.get(reverse("imports:mapping", args=[key])).context["form"]
    planner.post(reverse("imports:mapping", args=[key]), _form_post(view))
    first = planner.get(reverse("imports:preview", args=[key]), {"part": "review"})
    assert first.context["failures"].paginator.num_pages >= 2
    second = planner.get(
        reverse("imports:preview", args=[key]), {"page": "2"}, HTTP_HX_REQUEST="true"
    )
    assert second.status_code == 200
    assert second.content.decode().startswith('<div id="row-failures">')
    shown = {f.order_id for f in first.context["failures"]}
    assert shown.isdisjoint({f.order_id for f in second.context["failures"]})


def test_a_file_the_engine_cannot_read_is_named_on_the_mapping_step_not_a_500(planner, tmp_path):
    twice = tmp_path / "orders.csv"
    twice.write_text("order_id,order_id\no1,o2\n")
    key = _upload(planner, [twice])
    response = planner.get(reverse("imports:mapping", args=[key]))
    assert response.status_code == 422
    assert "orders.csv" in response.content.decode()
    assert "twice" in response.content.decode()


def test_a_run_s_rejected_events_link_to_their_source_s_dead_letters(client, role_user):
    client.force_login(role_user(PLANNER))
    run = ImportRun.objects.create(
        mapping_name="m", mapping={}, status="succeeded", events_rejected=1,
        failures_by_category={"rejected": 1},
    )  # fmt: skip
    run.failures.create(
        file="orders.csv", role="orders", category="rejected", order_id="o1",
        reason="erp.order_created: lines[0].sku: unknown SKU 'p1'",
    )  # fmt: skip
    page = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert f'href="{reverse("sources:status")}?source=erp"' in page
    assert "unknown SKU" in page


def test_a_header_or_file_name_carrying_markup_is_shown_as_text(planner, history, tmp_path):
    payload = '<img src=x onerror="window.__xss=1">'
    rows = history["orders"].read_text().splitlines()
    rows[0] = rows[0].replace("order_status", payload.replace('"', "'"))
    marked = tmp_path / "orders <b>.csv"
    marked.write_text("\n".join(rows) + "\n")
    key = _upload(planner, [marked, *list(history.values())[1:]])
    page = planner.get(reverse("imports:mapping", args=[key])).content.decode()
    assert "<img src=x" not in page and "<b>" not in page
    assert "&lt;img src=x" in page  # shown, escaped


def test_the_failing_rows_are_shown_by_reason_on_request(planner, history):
    key = _upload(planner, history.values())
    view = planner.get(reverse("imports:mapping", args=[key])).context["form"]
    planner.post(reverse("imports:mapping", args=[key]), _form_post(view))
    url = reverse("imports:preview", args=[key])
    orphans = planner.get(url, {"category": "orphan"}, HTTP_HX_REQUEST="true")
    assert [f.order_id for f in orphans.context["failures"]] == ["o99"]
    assert "show every reason" in orphans.content.decode()
    unknown = planner.get(url, {"category": "<nope>"}, HTTP_HX_REQUEST="true")
    assert {f.order_id for f in unknown.context["failures"]} >= {"o99", "o5"}  # all of them


def test_an_xlsx_export_is_mapped_like_a_csv(planner, history, tmp_path):
    workbook = tmp_path / "orders.xlsx"
    pd.read_csv(history["orders"], dtype=str).to_excel(workbook, index=False)
    key = _upload(planner, [workbook, *list(history.values())[1:]])
    view = planner.get(reverse("imports:mapping", args=[key])).context["form"]
    orders = _card(view, "orders.xlsx")
    assert orders.role == "orders"
    assert _column(orders, "order_purchase_timestamp").field == "purchased_at"


def test_an_upload_gone_from_disk_is_a_stated_problem_not_a_500(planner, history):
    key = _upload(planner, history.values())
    view = planner.get(reverse("imports:mapping", args=[key])).context["form"]
    planner.post(reverse("imports:mapping", args=[key]), _form_post(view))
    Path(Upload.objects.get(name="orders.csv").path).unlink()
    for response in (
        planner.get(reverse("imports:preview", args=[key]), {"part": "review"}),
        planner.post(reverse("imports:master-data", args=[key])),
    ):
        assert response.status_code == 422
        assert "orders.csv: no such file" in response.content.decode()
    # Loaded into the preview page by htmx, the problem comes as the part it replaces.
    part = planner.get(
        reverse("imports:preview", args=[key]), {"part": "review"}, HTTP_HX_REQUEST="true"
    )
    assert part.status_code == 422
    assert part.content.decode().startswith('<div id="review">')
