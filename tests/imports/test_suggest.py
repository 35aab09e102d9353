"""Suggesting a mapping for files never seen, by their columns' names and contents."""

from openpyxl import Workbook

from apps.imports.events import events_generate
from apps.imports.history import history_read
from apps.imports.mapping import mapping_validate
from apps.imports.suggest import mapping_suggest
from tests.imports.conftest import write_csv


def distributor_export(tmp_path):
    """An ERP's export in its own words: day-first dates, a quantity column, warehouses."""
    orders = write_csv(tmp_path / "sales_orders.csv",
        ["OrderNo", "CustomerCode", "OrderStatus", "OrderDate", "RequestedDate", "ShippedDate",
         "DeliveredDate"],
        [[f"SO-{n}", f"CUST{n % 3}", ["Open", "Shipped", "Delivered", "Cancelled"][n % 4],
          f"{n + 1:02d}/03/2024 08:30", f"{n + 10:02d}/03/2024 17:00",
          f"{n + 2:02d}/03/2024 11:00" if n % 4 in (1, 2) else "",
          f"{n + 5:02d}/03/2024 14:00" if n % 4 == 2 else ""] for n in range(12)],
    )  # fmt: skip
    lines = write_csv(tmp_path / "sales_order_lines.csv",
        ["OrderNo", "LineNo", "Article", "Quantity", "Warehouse"],
        [[f"SO-{n}", str(k + 1), f"ART-{(n + k) % 5}", str(k + 2), ["WH1", "WH2"][n % 2]]
         for n in range(12) for k in range(2)],
    )  # fmt: skip
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["CustomerCode", "Name", "Region"])
    for n, (name, region) in enumerate([("Acme", "North"), ("Bolt", "South"), ("Cogs", "North")]):
        sheet.append([f"CUST{n}", name, region])
    customers = tmp_path / "customer_master.xlsx"
    workbook.save(customers)
    return [orders, lines, customers]


def test_it_suggests_roles_and_fields_by_name_and_content(tmp_path):
    suggestion = mapping_suggest(files=distributor_export(tmp_path))
    roles = {guess.file: guess.role for guess in suggestion.files}
    assert roles == {"sales_orders.csv": "orders", "sales_order_lines.csv": "lines",
                     "customer_master.xlsx": "customers"}  # fmt: skip
    files = suggestion.document["files"]
    assert files["orders"]["columns"] == {
        "order_id": "OrderNo", "customer": "CustomerCode", "status": "OrderStatus",
        "purchased_at": "OrderDate", "promised_at": "RequestedDate", "handed_at": "ShippedDate",
        "delivered_at": "DeliveredDate",
    }  # fmt: skip
    assert files["orders"]["date_format"] == "%d/%m/%Y %H:%M"
    assert files["lines"]["quantity"] == "column"
    assert files["lines"]["columns"] == {"order_id": "OrderNo", "line_number": "LineNo",
                                         "sku": "Article", "qty": "Quantity",
                                         "origin": "Warehouse"}  # fmt: skip
    # The region is the small code set named a region, not the (as small) names.
    assert files["customers"]["columns"] == {"customer": "CustomerCode", "region": "Region"}
    assert suggestion.document["statuses"] == {
        "Cancelled": "cancelled", "Delivered": "delivered", "Open": "open", "Shipped": "shipped",
    }  # fmt: skip
    assert suggestion.document["origin_groups"] == {"WH1": "WH1", "WH2": "WH2"}
    reasons = {(g.role, g.field): g for g in suggestion.fields}
    assert "orders' 'OrderNo'" in reasons[("lines", "order_id")].reason
    assert "every value is a time" in reasons[("orders", "promised_at")].reason
    assert all(0 < g.confidence <= 1 and g.reason for g in suggestion.fields)


def test_a_suggested_mapping_imports_as_it_stands(tmp_path):
    files = distributor_export(tmp_path)
    suggestion = mapping_suggest(files=files)
    assert suggestion.problems == []
    generated = events_generate(history_read(files, suggestion.mapping))
    assert generated.failures == []
    assert generated.count_by_type() == {"erp.order_created": 12, "wms.shipped": 6,
                                         "tms.tracking": 3, "erp.order_cancelled": 3}  # fmt: skip


def test_without_a_quantity_column_each_row_is_a_unit(tmp_path):
    orders = write_csv(tmp_path / "orders.csv", ["id", "buyer", "created", "promised"],
                       [[f"o{n}", f"b{n}", f"2024-01-0{n + 1} 10:00:00",
                         f"2024-01-1{n} 00:00:00"] for n in range(4)])  # fmt: skip
    items = write_csv(tmp_path / "order_items.csv", ["order", "item", "product"],
                      [["o0", "1", "p1"], ["o0", "2", "p1"], ["o1", "1", "p2"],
                       ["o2", "1", "p1"], ["o3", "1", "p3"]])  # fmt: skip
    suggestion = mapping_suggest(files=[orders, items])
    lines = suggestion.document["files"]["lines"]
    assert lines["quantity"] == "row_per_unit"
    assert lines["columns"]["order_id"] == "order"
    assert suggestion.document["files"]["orders"]["date_format"] == "%Y-%m-%d %H:%M:%S"
    assert any(g.field == "quantity" and "one unit" in g.reason for g in suggestion.fields)


def test_times_with_their_own_offsets_keep_their_instant(tmp_path):
    header = ["order_id", "customer_id", "created_at", "due_at"]
    orders = write_csv(tmp_path / "orders.csv", header, [
        ["o1", "c1", "2024-03-30T23:30:00+01:00", "2024-04-05T12:00:00+02:00"],
        ["o2", "c2", "2024-04-02T08:00:00+02:00", "2024-04-09T12:00:00+02:00"],
    ])  # fmt: skip
    lines = write_csv(tmp_path / "order_lines.csv", ["order_id", "sku", "qty"],
                      [["o1", "p1", "3"], ["o2", "p2", "1"]])  # fmt: skip
    suggestion = mapping_suggest(files=[orders, lines])
    assert "date_format" not in suggestion.document["files"]["orders"]
    assert any(g.field == "timezone" and "carry their UTC offset" in g.reason
               for g in suggestion.fields)  # fmt: skip
    document = {**suggestion.document, "timezone": "Europe/Berlin"}
    events = events_generate(history_read([orders, lines], mapping_validate(document))).events
    created = {e["payload"]["order_id"]: e for e in events}
    # Shown in the export's zone (Berlin went to summer time on 31 March 2024).
    assert created["o1"]["occurred_at"] == "2024-03-30T23:30:00+01:00"
    assert created["o2"]["occurred_at"] == "2024-04-02T08:00:00+02:00"
    assert created["o1"]["payload"]["requested_by"] == "2024-04-05T23:59:59+02:00"
