"""A small order history in Olist's shape, written by the tests that need files to upload:
twelve orders from three sellers' states to two customer states, one cancelled, one whose
delivery lies before its purchase (a data error the import must reject with its reason),
and an item line for an order that is not in the orders file (an orphan: one id in
thirteen, few enough for the suggestion still to see the lines' key join the orders)."""

import csv
from pathlib import Path

ORDERS = [
    # order_id, customer_id, status, purchased, handed to carrier, delivered, promised
    ("o1", "c1", "delivered", "2018-03-01 10:00:00", "2018-03-02 09:00:00",
     "2018-03-06 15:00:00", "2018-03-15 00:00:00"),
    ("o2", "c2", "delivered", "2018-03-02 11:30:00", "2018-03-03 08:00:00",
     "2018-03-09 12:00:00", "2018-03-20 00:00:00"),
    ("o3", "c3", "delivered", "2018-03-03 14:00:00", "2018-03-05 10:00:00",
     "2018-03-10 17:45:00", "2018-03-22 00:00:00"),
    ("o4", "c4", "canceled", "2018-03-04 09:15:00", "", "", "2018-03-25 00:00:00"),
    # Delivered before it was bought: the delivery event is rejected, not silently fixed.
    ("o5", "c5", "delivered", "2018-03-05 16:00:00", "2018-03-06 09:00:00",
     "2018-03-01 12:00:00", "2018-03-26 00:00:00"),
]  # fmt: skip
ORDER_COLUMNS = ["order_id", "customer_id", "order_status", "order_purchase_timestamp",
                 "order_delivered_carrier_date", "order_delivered_customer_date",
                 "order_estimated_delivery_date"]  # fmt: skip
ITEMS = [
    # order_id, order_item_id, product_id, seller_id, price
    ("o1", "1", "p1", "s1", "10.00"),
    ("o1", "2", "p1", "s1", "10.00"),  # one row per unit: o1 has 2 units of p1
    ("o2", "1", "p2", "s2", "25.50"),
    ("o3", "1", "p3", "s3", "7.90"),
    ("o3", "2", "p2", "s3", "25.50"),
    ("o4", "1", "p1", "s1", "10.00"),
    ("o5", "1", "p2", "s2", "25.50"),
    ("o99", "1", "p1", "s1", "10.00"),  # no order o99: an orphan line
]
# Seven plain deliveries more, a day apart: o6..o12, each one unit of p2 from s2.
ORDERS += [
    (f"o{n}", f"c{n}", "delivered", f"2018-03-{n:02d} 10:00:00", f"2018-03-{n + 1:02d} 10:00:00",
     f"2018-03-{n + 5:02d} 10:00:00", f"2018-03-{n + 12:02d} 00:00:00")
    for n in range(6, 13)
]  # fmt: skip
ITEMS += [(f"o{n}", "1", "p2", "s2", "25.50") for n in range(6, 13)]
CUSTOMERS = [(f"c{n}", "SP" if n % 2 else "RJ") for n in range(1, 13)]
SELLERS = [("s1", "SP"), ("s2", "MG"), ("s3", "PR")]
PRODUCTS = [("p1", "perfumaria", "500"), ("p2", "cama_mesa_banho", "1200"),
            ("p3", "perfumaria", "")]  # fmt: skip


def _write(path: Path, header: list[str], rows: list[tuple]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def history_write(folder: Path) -> dict[str, Path]:
    """The five files, by role, with Olist's column names (so the suggestion can read them)."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "orders": _write(folder / "orders.csv", ORDER_COLUMNS, ORDERS),
        "lines": _write(
            folder / "items.csv",
            ["order_id", "order_item_id", "product_id", "seller_id", "price"],
            ITEMS,
        ),
        "customers": _write(folder / "customers.csv", ["customer_id", "customer_state"], CUSTOMERS),
        "origins": _write(folder / "sellers.csv", ["seller_id", "seller_state"], SELLERS),
        "products": _write(
            folder / "products.csv",
            ["product_id", "product_category_name", "product_weight_g"],
            PRODUCTS,
        ),
    }
