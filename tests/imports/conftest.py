"""Fixtures for the imports tests: small export files the tests write, and their mapping."""

import csv
import os
from pathlib import Path

import pytest
from django.conf import settings

ORDERS_HEADER = ["order_no", "client", "state", "placed", "handed", "delivered", "due"]
LINES_HEADER = ["order_no", "item_no", "article", "seller"]


def shared_data() -> Path:
    default = Path(settings.BASE_DIR).parent / "shared" / "data"
    return Path(os.environ.get("TWIN_SHARED_DATA", default))


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def small_mapping(**changes) -> dict:
    """A mapping for the small files: orders, lines (one row per unit), customers, sellers."""
    doc = {
        "name": "Small export",
        "timezone": "America/Sao_Paulo",
        "event_prefix": "small",
        "files": {
            "orders": {
                "file": "orders*",
                "date_format": "%d/%m/%Y %H:%M",
                "columns": {"order_id": "order_no", "customer": "client", "status": "state",
                            "purchased_at": "placed", "handed_at": "handed",
                            "delivered_at": "delivered", "promised_at": "due"},
            },
            "lines": {
                "file": "lines*",
                "quantity": "row_per_unit",
                "columns": {"order_id": "order_no", "line_number": "item_no", "sku": "article",
                            "origin": "seller"},
            },
            "customers": {"file": "customers*",
                          "columns": {"customer": "client", "region": "uf"}},
            "origins": {"file": "sellers*", "columns": {"origin": "seller", "region": "uf"}},
        },
        "statuses": {"open": "open", "done": "delivered", "void": "cancelled"},
        "origin_groups": {"SP": "SP", "RJ": "SE"},
        "origin_names": {"SP": "Sellers in SP", "SE": "Sellers in RJ"},
        "regions": {
            "SP": {"name": "São Paulo", "latitude": -23.55, "longitude": -46.63},
            "RJ": {"name": "Rio de Janeiro", "latitude": -22.91, "longitude": -43.17},
        },
        "carrier": {"code": "SMALL", "name": "The small export's carrier"},
    }  # fmt: skip
    doc.update(changes)
    return doc


@pytest.fixture
def small_files(tmp_path) -> list[Path]:
    """Four orders, one per outcome: delivered, cancelled, open, and one with no items."""
    orders = write_csv(tmp_path / "orders.csv", ORDERS_HEADER, [
        ["A1", "c1", "done", "01/03/2018 10:00", "02/03/2018 09:00", "05/03/2018 15:30",
         "10/03/2018 00:00"],
        ["A2", "c2", "void", "02/03/2018 11:00", "", "", "12/03/2018 00:00"],
        ["A3", "c1", "open", "03/03/2018 12:00", "", "", "13/03/2018 00:00"],
        ["A4", "c2", "open", "03/03/2018 13:00", "", "", "13/03/2018 00:00"],
    ])  # fmt: skip
    lines = write_csv(tmp_path / "lines.csv", LINES_HEADER, [
        ["A1", "1", "sku-a", "s1"], ["A1", "2", "sku-a", "s1"], ["A1", "3", "sku-b", "s2"],
        ["A2", "1", "sku-b", "s2"], ["A3", "1", "sku-c", "s1"],
    ])  # fmt: skip
    customers = write_csv(
        tmp_path / "customers.csv", ["client", "uf"], [["c1", "SP"], ["c2", "RJ"]]
    )
    sellers = write_csv(tmp_path / "sellers.csv", ["seller", "uf"], [["s1", "SP"], ["s2", "RJ"]])
    return [orders, lines, customers, sellers]
