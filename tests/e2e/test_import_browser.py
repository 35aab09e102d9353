"""In real Chromium against real daphne and a real Celery worker: a planner uploads a small
history's files, corrects the suggested mapping, reads the preview (events per file, the
failing rows with their reasons, the master data with its grouping), saves the master data,
imports, follows the progress and reads the result."""

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.roles import PLANNER
from apps.imports.models import ImportRun
from apps.network.models import DistributionCenter, Region
from tests.e2e.builder_steps import htmx_settled
from tests.e2e.every_page import axe_findings
from tests.e2e.test_live_browser import sign_in
from tests.imports.history_files import history_write

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_planner_uploads_maps_previews_and_imports_a_small_history(
    page, start_daphne, start_celery_worker, role_user, tmp_path
):
    files = history_write(tmp_path / "history")
    worker = start_celery_worker()
    role_user(PLANNER, username="ines", password="planner-pass-20")
    base_url = start_daphne(env_overrides={"TWIN_CELERY_QUEUE": worker.queue})
    sign_in(page, base_url, "ines", "planner-pass-20")

    page.goto(f"{base_url}/imports/")
    expect(page.locator(".mainnav a[aria-current=page]")).to_have_text("Import history")
    # A wrong file type is refused with its name and why, and nothing is stored.
    not_a_table = tmp_path / "notes.txt"
    not_a_table.write_text("hello")
    page.get_by_label("Files (CSV or XLSX)").set_input_files([str(not_a_table)])
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#upload-errors")).to_contain_text("notes.txt: not a CSV or XLSX file")

    page.get_by_label("Files (CSV or XLSX)").set_input_files([str(p) for p in files.values()])
    page.get_by_role("button", name="Upload").click()

    # Mapping: each file's suggested role, and each column's field with the reason for it.
    expect(page.get_by_role("heading", name="Map the columns")).to_be_visible()
    for role, path in files.items():
        expect(page.get_by_label(f"Role of {path.name}")).to_have_value(role)
    orders = page.locator('[data-file="orders.csv"]')
    purchase = orders.get_by_label("Field of order_purchase_timestamp")
    expect(purchase).not_to_have_value("")
    expect(orders.locator('[data-column="order_purchase_timestamp"] .reason')).not_to_be_empty()
    # The planner corrects one: the price column is not imported.
    items = page.locator('[data-file="items.csv"]')
    items.get_by_label("Field of price").select_option("")
    # The form-heaviest page holds no serious accessibility violation (the sweep of every
    # page in test_every_page_browser needs data these pages are not filled with).
    findings = axe_findings(page)
    assert not findings, "\n".join(findings)
    # A file's role changed: the form is drawn again in place with that role's fields.
    products = page.locator('[data-file="products.csv"]')
    products.get_by_label("Role of products.csv").select_option("")
    expect(products).to_contain_text("Not imported: columns product_id")
    htmx_settled(page)
    products.get_by_label("Role of products.csv").select_option("products")
    expect(products.get_by_label("Field of product_id")).to_have_value("")
    htmx_settled(page)
    products.get_by_label("Field of product_id").select_option("sku")
    page.get_by_label("Time zone of the times in the files").select_option("America/Sao_Paulo")
    page.get_by_label("Save this mapping as").fill("Small marketplace")
    page.get_by_role("button", name="Preview").click()

    # Preview: events per file, every failing row with its reason, the master data proposed.
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.locator("#events-per-file")).to_contain_text("orders.csv")
    failures = page.locator("#row-failures")
    expect(failures).to_contain_text("items.csv")
    expect(failures).to_contain_text("o99")
    expect(failures).to_contain_text("o5")
    htmx_settled(page)  # the review came after the page (it reads the files)
    findings = axe_findings(page)
    assert not findings, "\n".join(findings)
    proposal = page.locator("#master-data")
    expect(proposal).to_contain_text("grouped")
    expect(proposal.locator('[data-count="regions"]')).to_have_text("4")  # 2 customers', 2 more
    assert not Region.objects.exists()  # nothing saved before the planner confirms
    page.get_by_role("button", name="Save the master data").click()
    expect(page.locator(".message")).to_contain_text("Master data saved")
    assert set(Region.objects.values_list("code", flat=True)) == {"SP", "RJ", "MG", "PR"}
    assert DistributionCenter.objects.exists()

    page.get_by_role("button", name="Import").click()
    title = re.compile(r"^Import \d+: Small marketplace")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    status = page.locator("#run-progress")
    # Polled until the worker finishes; then the page reloads with the saved row failures.
    expect(status).to_have_attribute("data-status", "succeeded", timeout=30_000)
    run = ImportRun.objects.get()
    assert run.events_accepted > 0
    expect(status.locator('[data-count="accepted"]')).to_have_text(str(run.events_accepted))
    expect(status.locator('[data-count="rejected"]')).to_have_text(str(run.events_rejected))
    expect(page.locator("#row-failures")).to_contain_text("o99")
    htmx_settled(page)
