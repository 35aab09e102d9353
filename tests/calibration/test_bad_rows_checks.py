"""The checks at calibration's boundary on constructed rows: each unsound value is named
with what is wrong, sound rows of older and newer schema versions pass, and the tally
counts each skipped row once."""

from collections import namedtuple
from datetime import UTC, datetime

import pytest

from apps.calibration.row_checks import (
    SkippedRows,
    dc_hour_problem,
    event_problem,
    shipment_problem,
)

AT = datetime(2026, 11, 2, 12, tzinfo=UTC)
Logged = namedtuple("Logged", "id type occurred_at payload")
DcHourRow = namedtuple("DcHourRow", "id busy_s clocked_s lines_picked")
ShipmentRow = namedtuple("ShipmentRow", "id picked_up_at delivered_at")

PICK = {"order_id": "O1", "dc": "NE", "sku": "S1", "duration_s": 20.0, "error": False}
ORDER = {
    "order_id": "O1",
    "customer": "C1",
    "lines": [{"sku": "S1", "qty": 2}],
    "requested_by": "2026-11-04T00:00:00+00:00",
}


def problem(type_: str, payload) -> str | None:
    return event_problem(Logged(1, type_, AT, payload))


@pytest.mark.parametrize(
    ("type_", "payload", "reason"),
    [
        ("wms.pick_completed", {**PICK, "duration_s": float("nan")}, "duration_s not finite"),
        ("wms.pick_completed", {**PICK, "duration_s": float("inf")}, "duration_s not finite"),
        ("wms.pick_completed", {**PICK, "duration_s": 1e12}, "duration_s out of range"),
        ("wms.pick_completed", {**PICK, "duration_s": 0}, "duration_s out of range"),
        ("wms.pick_completed", {**PICK, "duration_s": "20"}, "duration_s not a number"),
        ("wms.pick_completed", {**PICK, "duration_s": True}, "duration_s not a number"),
        ("wms.pick_completed", {k: v for k, v in PICK.items() if k != "dc"}, "dc missing"),
        ("wms.pick_completed", {**PICK, "dc": 7}, "dc not a code"),
        ("wms.pick_completed", ["not", "an", "object"], "payload not an object"),
        ("erp.order_created", {**ORDER, "lines": [{"sku": "S1", "qty": 10**30}]},
         "lines[].qty out of range"),
        ("erp.order_created", {**ORDER, "lines": [{"sku": "S1", "qty": 2.0}]},
         "lines[].qty not a whole number"),
        ("erp.order_created", {**ORDER, "lines": []}, "lines not a list of 1 to 200 lines"),
        ("erp.order_created", {**ORDER, "requested_by": "9999-12-31T23:59:59+00:00"},
         "requested_by out of range"),
        ("erp.order_created", {**ORDER, "requested_by": "0001-01-01T00:00:00+05:00"},
         "requested_by out of range"),
        ("erp.order_created", {**ORDER, "requested_by": "2026-11-04T00:00:00"},
         "requested_by has no UTC offset"),
        ("erp.order_created", {**ORDER, "requested_by": "soon"}, "requested_by not a time"),
        ("erp.financial_posted", {"account": "6100-labour-NE", "amount": "1e300"},
         "amount out of range"),
        ("erp.financial_posted", {"account": "6100-labour-NE", "amount": "NaN"},
         "amount not finite"),
        ("erp.financial_posted", {"account": "6100-labour-NE", "amount": "12,50"},
         "amount not a number"),
        ("crm.satisfaction_survey", {"order_id": "O1", "score": 6}, "score out of range"),
        ("tms.tender", {"shipment_id": "X", "lane": "L", "carrier": "C", "status": "accepted",
                        "rate": -1}, "rate out of range"),
    ],
)  # fmt: skip
def test_each_unsound_value_is_named_with_what_is_wrong(type_, payload, reason):
    assert problem(type_, payload) == reason


def test_sound_rows_of_older_and_newer_schema_versions_pass():
    # A field calibration does not read, and one a later version added, change nothing.
    assert problem("wms.pick_completed", {**PICK, "started_at": "garbage", "new": 1}) is None
    assert problem("erp.order_created", ORDER) is None
    # Older tenders carried no rate; ledgers send amounts as text or numbers.
    tender = {"shipment_id": "X", "lane": "L", "carrier": "C", "status": "rejected"}
    assert problem("tms.tender", tender) is None
    assert problem("erp.financial_posted", {"account": "A", "amount": "-1234.50"}) is None
    assert problem("erp.financial_posted", {"account": "A", "amount": 99}) is None
    assert problem("iot.reading", {"value": float("nan")}) is None  # not read by calibration


def test_live_rows_out_of_range_are_named():
    assert dc_hour_problem(DcHourRow(1, 10.0, 3600.0, 5)) is None
    assert dc_hour_problem(DcHourRow(1, float("nan"), 3600.0, 5)) == "busy_s not finite"
    assert dc_hour_problem(DcHourRow(1, 10.0, 1e300, 5)) == "clocked_s out of range"
    year_1 = datetime(1, 1, 1, tzinfo=UTC)
    assert shipment_problem(ShipmentRow(1, year_1, None), AT) == "picked_up_at out of range"
    assert shipment_problem(ShipmentRow(1, AT, datetime(9999, 1, 1, tzinfo=UTC)), AT) == (
        "delivered_at out of range"
    )
    assert shipment_problem(ShipmentRow(1, AT, year_1.replace(year=2020)), AT) == (
        "delivered_at before picked_up_at"
    )


def test_a_skip_summary_counts_each_row_once_commonest_reason_first():
    skipped = SkippedRows()
    assert skipped.summary() == "" and skipped.count == 0
    skipped.add("wms.pick_completed started_at out of range", 3)
    for row_id in (1, 2):
        skipped.add("wms.pick_completed duration_s not finite", row_id)
    again = SkippedRows()
    again.add("wms.pick_completed duration_s not finite", 2)  # read twice, one row
    skipped.merge(again)
    assert skipped.count == 3
    assert skipped.summary() == (
        "3 rows skipped: wms.pick_completed duration_s not finite (2), "
        "wms.pick_completed started_at out of range (1)"
    )
