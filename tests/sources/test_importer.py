"""manage.py import_events: NDJSON and CSV through the same path as the API."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.sources.models import DeadLetter, Event
from tests.sources.events import event

COMPARED = ("source", "event_id", "type", "occurred_at", "payload", "dc", "order_id",
            "shipment_id")  # fmt: skip


def import_file(path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_events", str(path), "--batch-size", "3", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def stored_rows() -> list[tuple]:
    return list(Event.objects.order_by("source", "event_id").values_list(*COMPARED))


def mixed_batch() -> list:
    return [
        event("erp.order_created", event_id="imp-1"),
        event("erp.order_created", event_id="imp-1"),
        event("wms.order_released", event_id="imp-2"),
        event("wms.order_released", event_id="imp-3", dc="XX"),
        event("iot.reading", event_id="imp-4"),
        event("tms.tracking", event_id="imp-5"),
    ]


def test_ndjson_import_counts_and_dead_letters_like_the_api(tmp_path, demo_network):
    path = tmp_path / "events.ndjson"
    lines = [json.dumps(e) for e in mixed_batch()]
    lines.insert(3, "{this is not json")
    path.write_text("\n".join(lines) + "\n")
    out, err = import_file(path)
    assert "4 accepted, 1 duplicate, 2 rejected" in out
    assert "rejected line 4: line 4 column 2" in err
    assert "rejected line 5: payload.dc: unknown DC 'XX'" in err
    assert Event.objects.count() == 4
    assert DeadLetter.objects.get(event_id="").raw == "{this is not json"


def test_csv_import_reads_the_payload_column_as_json(tmp_path, demo_network):
    path = tmp_path / "events.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["event_id", "source", "type", "occurred_at", "payload"])
        for e in mixed_batch():
            writer.writerow([e["event_id"], e["source"], e["type"], e["occurred_at"],
                             json.dumps(e["payload"])])  # fmt: skip
        writer.writerow(["imp-9", "erp", "erp.order_cancelled", "2026-11-02T09:00:00+00:00", "{"])
    out, err = import_file(path)
    assert "4 accepted, 1 duplicate, 2 rejected" in out
    assert "payload is not JSON" in err


def test_a_csv_without_the_required_columns_is_refused(tmp_path, demo_network):
    path = tmp_path / "bad.csv"
    path.write_text("event_id,type\nx,y\n")
    with pytest.raises(CommandError, match="lacks column"):
        import_file(path)


def test_a_missing_file_is_refused(tmp_path, demo_network):
    with pytest.raises(CommandError, match="no such file"):
        import_file(tmp_path / "nope.ndjson")


def test_importer_and_api_store_identical_rows_for_identical_input(post, tmp_path):
    batch = mixed_batch()
    post([e for e in batch if e["source"] == "erp"], source="erp")
    post([e for e in batch if e["source"] == "wms"], source="wms")
    post([e for e in batch if e["source"] == "iot"], source="iot")
    post([e for e in batch if e["source"] == "tms"], source="tms")
    via_api = stored_rows()
    letters_api = sorted(DeadLetter.objects.values_list("event_id", "field", "reason", "raw"))
    Event.objects.all().delete()
    DeadLetter.objects.all().delete()
    path = tmp_path / "same.ndjson"
    path.write_text("\n".join(json.dumps(e) for e in batch))
    import_file(path)
    assert stored_rows() == via_api
    assert sorted(DeadLetter.objects.values_list("event_id", "field", "reason", "raw")) == (
        letters_api
    )
