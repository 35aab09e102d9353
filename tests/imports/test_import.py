"""Importing through the API's path: master data first, runs with counts, re-runs idempotent."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.imports.errors import ImportsError
from apps.imports.mapping import mapping_validate
from apps.imports.models import ImportRun, RowFailureRecord, SavedMapping
from apps.imports.services import (
    import_preview,
    import_run,
    import_start,
    master_data_apply,
    master_data_propose,
    saved_mapping_save,
    upload_save,
)
from apps.imports.tasks import import_run_task
from apps.network.models import Customer, DistributionCenter, Lane, Region, Sku
from apps.sources.models import DeadLetter, Event
from tests.imports.conftest import small_mapping

pytestmark = pytest.mark.django_db


def network_rows() -> dict[str, list]:
    return {
        "dcs": list(DistributionCenter.objects.values_list("code", "region__code", "name")),
        "regions": list(Region.objects.values_list("code", "home_dc__code")),
        "skus": list(Sku.objects.values_list("code", "family", "weight_kg", "velocity_class")),
        "customers": list(Customer.objects.values_list("code", "region__code", "promised_hours")),
        "lanes": list(Lane.objects.values_list("code", "origin_dc__code", "destination__code")),
    }


def test_master_data_from_the_history_is_proposed_then_applied_once(small_files):
    mapping = mapping_validate(small_mapping())
    proposal = master_data_propose(files=small_files, mapping=mapping)
    assert proposal.problems == []
    assert proposal.counts == {"origins": 2, "regions": 2, "skus": 3, "customers": 2,
                               "carriers": 1, "lanes": 2}  # fmt: skip
    assert {(o.code, o.region) for o in proposal.origins} == {("SP", "SP"), ("SE", "RJ")}
    # c1's promises, to the end of the promised day: 1 March 10:00 -> 10 March (230 h) and
    # 3 March 12:00 -> 13 March (252 h); the customer's is their median.
    customers = {c.code: c for c in proposal.customers}
    assert customers["c1"].promised_hours == 241
    lane = next(lane for lane in proposal.lanes if lane.origin == "SP")
    assert (lane.code, lane.region, lane.transit_hours_median) == ("SP-SP-SMALL", "SP", 78.5)
    # SE -> RJ has shipped nothing delivered yet: it takes all lanes' transit, and says so.
    unobserved = next(lane for lane in proposal.lanes if lane.origin == "SE")
    assert (unobserved.region, unobserved.transit_hours_median) == ("RJ", 78.5)
    assert any(note.startswith("1 lane(s) with no delivery") for note in proposal.notes)
    applied = master_data_apply(proposal)
    assert applied.created == {"regions": 2, "origins": 2, "carriers": 1, "skus": 3,
                               "customers": 2, "lanes": 2}  # fmt: skip
    first = network_rows()
    again = master_data_apply(master_data_propose(files=small_files, mapping=mapping))
    assert set(again.created.values()) == {0}
    assert network_rows() == first


def test_master_data_cannot_be_applied_with_a_region_the_table_lacks(small_files):
    mapping = mapping_validate(small_mapping(regions={}))
    proposal = master_data_propose(files=small_files, mapping=mapping)
    assert "regions.RJ" in {p.where for p in proposal.problems}
    with pytest.raises(ImportsError, match="region table does not list it"):
        master_data_apply(proposal)
    assert not Region.objects.exists()


def test_a_customer_without_a_region_is_left_out_with_a_note(small_files):
    small_files[2].write_text("client,uf\nc1,SP\nc2,\n")
    proposal = master_data_propose(files=small_files, mapping=mapping_validate(small_mapping()))
    assert [c.code for c in proposal.customers] == ["c1"] and proposal.problems == []
    assert any(note.startswith("1 customer(s) have no region") for note in proposal.notes)
    master_data_apply(proposal)
    assert list(Customer.objects.values_list("code", flat=True)) == ["c1"]


def test_an_import_run_counts_and_keeps_failures_and_a_second_run_changes_nothing(small_files):
    mapping = mapping_validate(small_mapping())
    run = import_run(files=small_files, mapping=mapping, master_data=True)
    assert run.status == ImportRun.Status.SUCCEEDED
    assert (run.rows_read, run.orders, run.events_total) == (4, 3, 6)
    assert (run.events_accepted, run.events_duplicate, run.events_rejected) == (6, 0, 0)
    assert run.failures_by_category == {"no_items": 1} and run.progress == 1.0
    failure = RowFailureRecord.objects.get(run=run)
    assert (failure.file, failure.row, failure.order_id) == ("orders.csv", 5, "A4")
    stored = list(Event.objects.order_by("id").values_list("event_id", "payload"))
    network = network_rows()
    again = import_run(files=small_files, mapping=mapping, master_data=True)
    assert (again.events_accepted, again.events_duplicate, again.events_rejected) == (0, 6, 0)
    assert list(Event.objects.order_by("id").values_list("event_id", "payload")) == stored
    assert network_rows() == network


def test_events_naming_unknown_master_data_are_dead_lettered_with_their_order(small_files):
    run = import_run(files=small_files, mapping=mapping_validate(small_mapping()))
    # Tracking and cancellation name no master data: the API's path takes them.
    assert (run.events_accepted, run.events_rejected) == (2, 4)
    rejected = RowFailureRecord.objects.filter(run=run, category="rejected")
    assert sorted(r.reason.split(":")[0] for r in rejected) == [
        "erp.order_created", "erp.order_created", "erp.order_created", "wms.shipped",
    ]  # fmt: skip
    created = rejected.get(order_id="A1", reason__startswith="erp.order_created")
    assert created.reason == "erp.order_created: unknown customer 'c1'"
    assert DeadLetter.objects.count() == 4


def test_a_preview_writes_nothing_and_says_what_would_happen(small_files):
    mapping = mapping_validate(small_mapping())
    preview = import_preview(files=small_files, mapping=mapping, limit=2, master_data=True)
    assert preview.files == {"orders.csv": "orders", "lines.csv": "lines",
                             "customers.csv": "customers", "sellers.csv": "origins"}  # fmt: skip
    assert preview.events_by_type == {"erp.order_created": 3, "erp.order_cancelled": 1,
                                      "wms.shipped": 1, "tms.tracking": 1}  # fmt: skip
    assert (preview.would_be_rejected, preview.already_stored) == (0, 0)
    assert len(preview.sample_events) == 2 and preview.failures_total == len(preview.failures) == 1
    assert [e["event_id"] for e in preview.samples_by_type["erp.order_created"]] == [
        "small:A1:created", "small:A2:created",
    ]  # fmt: skip
    without_master_data = import_preview(files=small_files, mapping=mapping)
    assert without_master_data.would_be_rejected == 4
    assert not Event.objects.exists() and not Region.objects.exists()


def test_an_import_started_for_a_worker_runs_from_its_id(small_files, admin_user):
    mapping = mapping_validate(small_mapping())
    run = import_start(files=small_files, mapping=mapping, user=admin_user, master_data=True)
    assert run.status == ImportRun.Status.QUEUED and run.created_by == admin_user
    assert import_run_task(run.pk) == "succeeded"
    assert import_run_task(run.pk) == "succeeded"  # delivered twice: imported once
    run.refresh_from_db()
    assert (run.events_accepted, run.events_duplicate) == (6, 0)


def test_a_run_whose_file_is_gone_fails_saying_which(small_files):
    run = import_start(files=small_files, mapping=mapping_validate(small_mapping()))
    small_files[1].unlink()
    assert import_run_task(run.pk) == "failed"
    run.refresh_from_db()
    assert run.error == "lines.csv: no such file" and run.finished_at is not None


def test_uploads_and_saved_mappings_keep_what_the_next_step_reads(small_files, admin_user):
    upload = upload_save(name="../orders.csv", chunks=[small_files[0].read_bytes()],
                         user=admin_user)  # fmt: skip
    assert (
        upload.file_path.name == "orders.csv" and upload.file_path.parent.parent.name == "uploads"
    )
    assert upload.file_path.read_bytes() == small_files[0].read_bytes()
    mapping = mapping_validate(small_mapping())
    saved_mapping_save(name="Small", mapping=mapping, user=admin_user)
    saved_mapping_save(name="Small", mapping=mapping.model_copy(update={"timezone": "UTC"}))
    saved = SavedMapping.objects.get()
    assert mapping_validate(saved.document).timezone == "UTC" and saved.created_by == admin_user


def test_the_command_prints_a_summary_by_reason(small_files, tmp_path):
    path = tmp_path / "mapping.json"
    path.write_text(mapping_validate(small_mapping()).to_json())
    out = StringIO()
    call_command("import_history", "--mapping", str(path), *map(str, small_files),
                 "--master-data", stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "4 order rows, 3 orders imported; events 6 accepted, 0 duplicate, 0 rejected" in text
    assert "1 no_items: an order with no (valid) lines" in text
    assert "orders.csv row 5, order_no: order has no items" in text


def test_the_command_takes_a_saved_mapping_by_name_and_refuses_an_unknown_one(small_files):
    saved_mapping_save(name="Small", mapping=mapping_validate(small_mapping()))
    out = StringIO()
    call_command("import_history", "--saved-mapping", "Small", *map(str, small_files),
                 "--master-data", "--dry-run", stdout=out)  # fmt: skip
    assert "4 order rows, 3 orders; events:" in out.getvalue()
    assert not Event.objects.exists()
    with pytest.raises(CommandError, match="Big: no saved mapping named 'Big'"):
        call_command("import_history", "--saved-mapping", "Big", str(small_files[0]))
