"""Reading exports through a mapping: validation, bad rows with their reasons, events."""

import json

import pytest
from openpyxl import Workbook

from apps.imports.errors import ImportsError
from apps.imports.events import events_generate
from apps.imports.failures import (
    BAD_DATE,
    DUPLICATE,
    IMPOSSIBLE_TIME,
    NO_ITEMS,
    ORPHAN,
    UNKNOWN_STATUS,
)
from apps.imports.history import history_read
from apps.imports.mapping import mapping_validate
from apps.imports.reading import table_read
from tests.imports.conftest import LINES_HEADER, ORDERS_HEADER, small_mapping, write_csv


def problems_of(doc) -> list[str]:
    with pytest.raises(ImportsError) as caught:
        mapping_validate(doc)
    return [str(p) for p in caught.value.problems]


def read(files, **changes):
    return history_read(files, mapping_validate(small_mapping(**changes)))


def test_a_mapping_names_every_problem_with_where_and_why():
    doc = small_mapping(timezone="Mars/Olympus")
    files = doc["files"]
    files["orders"]["columns"]["colour"] = "paint"
    del files["orders"]["columns"]["promised_at"]
    files["lines"]["quantity"] = "column"
    problems = problems_of(doc)
    assert "timezone: unknown time zone 'Mars/Olympus'" in problems
    assert any(p.startswith("files.orders.columns.colour: not a field of orders") for p in problems)
    assert "files.orders.columns: promised_at must be mapped" in problems
    assert (
        "files.lines.quantity: a qty column must be mapped, or quantity set to row_per_unit"
        in problems
    )


def test_a_mapping_that_is_not_json_says_where():
    assert problems_of('{"name": "x",') == [
        "not JSON: Expecting property name enclosed in double quotes (line 1 column 14)"
    ]


def test_a_mapping_round_trips_through_its_json():
    mapping = mapping_validate(small_mapping())
    assert mapping_validate(mapping.to_json()) == mapping
    assert mapping_validate(json.loads(mapping.to_json())).joins()[0] == (
        "lines", "order_id", "orders", "order_id",
    )  # fmt: skip


def test_a_file_without_a_mapped_column_is_named_with_the_column(small_files):
    orders = small_files[0]
    text = orders.read_text().replace("due", "deadline", 1)
    orders.write_text(text)
    with pytest.raises(ImportsError) as caught:
        read(small_files)
    (problem,) = caught.value.problems
    assert problem.where == "orders.csv, column 'due'"
    assert "mapped to orders.promised_at but not in the header" in problem.reason


def test_orders_become_events_as_the_contract_says(small_files):
    history = read(small_files)
    generated = events_generate(history)
    assert history.orders_read == 4 and len(history.orders) == 3
    by_id = {e["event_id"]: e for e in generated.events}
    created = by_id["small:A1:created"]
    assert created["occurred_at"] == "2018-03-01T10:00:00-03:00"
    # One row per unit: two rows of sku-a are two units; the order ships from item 1's seller.
    assert created["payload"] == {
        "order_id": "A1", "customer": "c1", "dc": "SP",
        "lines": [{"sku": "sku-a", "qty": 2}, {"sku": "sku-b", "qty": 1}],
        "requested_by": "2018-03-10T23:59:59-03:00",  # a promised day lasts until its end
    }  # fmt: skip
    assert by_id["small:A1:shipped"]["payload"] == {
        "order_id": "A1", "dc": "SP", "shipment_id": "A1", "carrier": "SMALL",
    }  # fmt: skip
    assert by_id["small:A1:delivered"]["payload"]["at"] == "2018-03-05T15:30:00-03:00"
    assert by_id["small:A2:cancelled"]["payload"]["reason"] == "small status void"
    assert by_id["small:A2:created"]["payload"]["dc"] == "SE"
    assert "small:A3:shipped" not in by_id and "small:A4:created" not in by_id
    times = [e["occurred_at"] for e in generated.events]
    assert times == sorted(times)
    (failure,) = generated.failures
    assert (failure.row, failure.category, failure.reason) == (5, NO_ITEMS, "order has no items")


def test_a_quantity_column_gives_the_same_order_as_one_row_per_unit(small_files, tmp_path):
    # Replaces the per-unit lines file with one of quantities.
    write_csv(tmp_path / "lines.csv", ["order_no", "article", "qty", "seller"], [
        ["A1", "sku-a", "2", "s1"], ["A1", "sku-b", "1", "s2"], ["A2", "sku-b", "1", "s2"],
        ["A3", "sku-c", "1", "s1"],
    ])  # fmt: skip
    doc = small_mapping()
    doc["files"]["lines"] = {
        "file": "lines*", "quantity": "column",
        "columns": {"order_id": "order_no", "sku": "article", "qty": "qty", "origin": "seller"},
    }  # fmt: skip
    by_column = events_generate(history_read(small_files, mapping_validate(doc)))
    per_unit_files = [small_files[0], tmp_path / "per-unit" / "lines.csv", *small_files[2:]]
    per_unit_files[1].parent.mkdir()
    write_csv(per_unit_files[1], LINES_HEADER, [
        ["A1", "1", "sku-a", "s1"], ["A1", "2", "sku-a", "s1"], ["A1", "3", "sku-b", "s2"],
        ["A2", "1", "sku-b", "s2"], ["A3", "1", "sku-c", "s1"],
    ])  # fmt: skip
    per_unit = events_generate(read(per_unit_files))
    assert by_column.events == per_unit.events


def test_bad_rows_fail_with_their_row_column_and_reason(tmp_path):
    orders = write_csv(tmp_path / "orders.csv", ORDERS_HEADER, [
        ["B1", "c1", "done", "2018-03-01", "", "", "10/03/2018 00:00"],  # wrong date format
        ["B2", "c1", "done", "01/03/2018 10:00", "", "28/02/2018 09:00", "10/03/2018 00:00"],
        ["B2", "c1", "done", "01/03/2018 10:00", "", "", "10/03/2018 00:00"],  # duplicate
        ["B3", "c9", "lost", "01/03/2018 10:00", "", "", "10/03/2018 00:00"],
    ])  # fmt: skip
    lines = write_csv(tmp_path / "lines.csv", LINES_HEADER, [
        ["B1", "1", "sku-a", "s1"], ["B2", "1", "sku-a", "s1"], ["B2", "1", "sku-b", "s1"],
        ["ZZ", "1", "sku-a", "s1"], ["B3", "1", "sku-a", "s1"],
    ])  # fmt: skip
    customers = write_csv(tmp_path / "customers.csv", ["client", "uf"], [["c1", "SP"]])
    sellers = write_csv(tmp_path / "sellers.csv", ["seller", "uf"], [["s1", "SP"]])
    generated = events_generate(read([orders, lines, customers, sellers]))
    found = {(f.file, f.row, f.field, f.category): f.reason for f in generated.failures}
    assert found == {
        ("orders.csv", 2, "placed", BAD_DATE):
            "'2018-03-01' is not a time in the format %d/%m/%Y %H:%M",
        ("orders.csv", 4, "order_no", DUPLICATE): "order 'B2' appears again",
        ("orders.csv", 5, "client", ORPHAN): "customer 'c9' is not in the customers file",
        ("lines.csv", 4, "item_no", DUPLICATE): "line '1' of order 'B2' appears again",
        ("lines.csv", 5, "order_no", ORPHAN): "order 'ZZ' is not in the orders file",
        ("orders.csv", 3, "delivered", IMPOSSIBLE_TIME):
            "delivered at 2018-02-28T09:00:00-03:00, before the purchase at "
            "2018-03-01T10:00:00-03:00: no delivery event",
    }  # fmt: skip
    assert [e["event_id"] for e in generated.events] == ["small:B2:created"]


def test_a_status_outside_the_status_table_is_a_failure_but_the_order_is_kept(small_files):
    history = read(small_files, statuses={"done": "delivered", "open": "open"})
    (failure,) = [f for f in history.failures if f.category == UNKNOWN_STATUS]
    assert failure.row == 3 and "'void' is not in the mapping's status table" in failure.reason
    assert "A2" in {order.order_id for order in history.orders}


def test_a_spreadsheet_reads_like_the_csv(small_files, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(ORDERS_HEADER)
    for row in small_files[0].read_text().splitlines()[1:]:
        sheet.append(row.split(","))
    xlsx = tmp_path / "xlsx" / "orders.xlsx"
    xlsx.parent.mkdir()
    workbook.save(xlsx)
    from_csv = events_generate(read(small_files))
    from_xlsx = events_generate(read([xlsx, *small_files[1:]]))
    assert from_xlsx.events == from_csv.events
    assert [f.file for f in from_xlsx.failures] == ["orders.xlsx"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("orders.csv", b"", "orders.csv: cannot be read as a table"),
        ("orders.csv", b"order_no,client\nA1,\x81\n", "orders.csv: neither UTF-8 nor Windows-1252"),
        ("orders.pdf", b"%PDF-1.4", "orders.pdf: not a table file"),
        ("orders.csv", b"a,b,a\n1,2,3\n", "orders.csv: column(s) named twice in the header: a"),
        ("orders.xlsx", b"PK\x03\x04 not really a workbook", "orders.xlsx: cannot be read"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_readable_table_is_refused_by_name(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportsError) as caught:
        read([path])
    assert str(caught.value).startswith(reason)


def test_a_latin_1_export_is_read_as_windows_1252(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes("client;city\nc1;São Paulo\n".encode("cp1252"))
    table = table_read(path)
    assert table.encoding == "cp1252" and table.frame.to_dict("records") == [
        {"client": "c1", "city": "São Paulo"}
    ]
    path.write_text("client;city\nc1;São Paulo\n", encoding="utf-8")
    assert table_read(path).encoding == "utf-8"


def test_local_times_take_the_offset_of_their_day_daylight_saving_included(tmp_path):
    # Brazil kept daylight saving time (UTC-2) from 15 October 2017 to 18 February 2018.
    orders = write_csv(tmp_path / "orders.csv", ORDERS_HEADER, [
        ["D1", "c1", "open", "10/01/2018 10:00", "", "", "17/02/2018 00:00"],
        ["D2", "c1", "open", "14/10/2017 10:00", "", "", "15/10/2017 00:00"],
    ])  # fmt: skip
    lines = write_csv(tmp_path / "lines.csv", LINES_HEADER,
                      [["D1", "1", "sku-a", "s1"], ["D2", "1", "sku-a", "s1"]])  # fmt: skip
    customers = write_csv(tmp_path / "customers.csv", ["client", "uf"], [["c1", "SP"]])
    sellers = write_csv(tmp_path / "sellers.csv", ["seller", "uf"], [["s1", "SP"]])
    events = events_generate(read([orders, lines, customers, sellers])).events
    created = {e["payload"]["order_id"]: e for e in events}
    assert created["D1"]["occurred_at"] == "2018-01-10T10:00:00-02:00"
    assert created["D1"]["payload"]["requested_by"] == "2018-02-17T23:59:59-02:00"
    assert created["D2"]["occurred_at"] == "2017-10-14T10:00:00-03:00"
    assert created["D2"]["payload"]["requested_by"] == "2017-10-15T23:59:59-02:00"
