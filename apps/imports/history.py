"""Files + mapping -> the orders of a history, each row that cannot be read kept with its reason.

The one reader of the files: events (events.py) and master data (master_data.py) are both
built from the History it returns, so they agree on which orders exist.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from apps.imports.failures import (
    BAD_DATE,
    BAD_NUMBER,
    DUPLICATE,
    MISSING_VALUE,
    NO_ITEMS,
    ORPHAN,
    UNKNOWN_ORIGIN,
    UNKNOWN_STATUS,
    RowFailure,
)
from apps.imports.mapping import TIME_FIELDS, Mapping
from apps.imports.reading import Table, tables_bind
from apps.imports.times import iso_texts, times_read


@dataclass
class OrderRecord:
    order_id: str
    row: int
    customer: str
    status: str
    purchased_at: pd.Timestamp
    promised_at: pd.Timestamp
    handed_at: pd.Timestamp | None = None
    delivered_at: pd.Timestamp | None = None
    approved_at: pd.Timestamp | None = None
    origin: str | None = None  # the origin code (after grouping)
    lines: dict[str, int] = field(default_factory=dict)  # sku -> units, in line order
    freight: float = 0.0
    iso: dict[str, str] = field(default_factory=dict)  # time field -> its ISO 8601 text

    @property
    def latest(self) -> str:
        """The field of the order's latest time (of purchase, approval, hand-off, delivery)."""
        names = ("purchased_at", "approved_at", "handed_at", "delivered_at")
        return max((n for n in names if getattr(self, n) is not None),
                   key=lambda n: getattr(self, n))  # fmt: skip


@dataclass
class History:
    """What the files say, read through a mapping."""

    mapping: Mapping
    tables: dict[str, Table]
    unused_files: list[str]
    orders: list[OrderRecord]
    orders_read: int  # rows of the orders file
    failures: list[RowFailure]
    # Per SKU, the unit prices of its lines (one per unit when rows are units).
    sku_prices: dict[str, list[float]]
    # Seller (origin value) -> origin code, for the origins the lines name.
    origin_of_value: dict[str, str]

    def failures_by_category(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for failure in self.failures:
            counts[failure.category] += 1
        return dict(counts)


@dataclass(frozen=True)
class _Lines:
    by_order: dict[str, list[tuple[str, int, str]]]  # order -> [(sku, units, origin value)]
    sku_prices: dict[str, list[float]]  # SKU -> the unit prices of its lines
    freight: dict[str, float]  # order -> freight of its lines


class _Reader:
    """Reads one history; the failures list grows as it goes."""

    def __init__(self, mapping: Mapping, tables: dict[str, Table]) -> None:
        self.mapping = mapping
        self.tables = tables
        self.failures: list[RowFailure] = []
        self._columns: dict[tuple[str, str], list[str]] = {}

    def fail(self, role: str, index: int | None, field_name: str, category: str, reason: str,
             order_id: str = "") -> None:  # fmt: skip
        table = self.tables[role]
        column = self.mapping.column(role, field_name) or field_name
        row = table.row_number(index) if index is not None else None
        self.failures.append(RowFailure(table.name, role, row, column, category, reason, order_id))

    def values(self, role: str, field_name: str) -> list[str] | None:
        """A mapped column's cells as a list (read once: the loops index it per row)."""
        column = self.mapping.column(role, field_name)
        if column is None or role not in self.tables:
            return None
        key = (role, column)
        if key not in self._columns:
            self._columns[key] = self.tables[role].frame[column].tolist()
        return self._columns[key]

    def key_table(self, role: str, key: str, value_field: str) -> dict[str, str]:
        """key -> value of a reference file (customers, origins, families), first row wins."""
        keys, values = self.values(role, key), self.values(role, value_field)
        if keys is None or values is None:
            return {}
        found: dict[str, str] = {}
        for index, (k, v) in enumerate(zip(keys, values, strict=True)):
            if not k:
                self.fail(role, index, key, MISSING_VALUE, f"{key} is empty")
            elif k in found:
                self.fail(role, index, key, DUPLICATE, f"{key} {k!r} appears again")
            else:
                found[k] = v
        return found

    def order_times(self) -> dict[str, tuple[list, list[str | None]]]:
        """Each mapped time column: tz-aware timestamps (NaT where unreadable), ISO texts."""
        spec = self.mapping.files["orders"]
        table = self.tables["orders"]
        times = {}
        for name in sorted(TIME_FIELDS):
            column = spec.columns.get(name)
            if column is not None:
                end_of_day = name == "promised_at" and self.mapping.promise_end_of_day
                moments = times_read(table, column, self.mapping, spec.date_format,
                                 end_of_day=end_of_day)  # fmt: skip
                times[name] = (list(moments), iso_texts(moments))
        return times

    def lines(self, order_ids: set[str]) -> _Lines:
        """The lines file's usable rows by order, in line order; prices and freight."""
        spec = self.mapping.files["lines"]
        frame = self.tables["lines"].frame
        orders, skus = self.values("lines", "order_id"), self.values("lines", "sku")
        qtys = self.values("lines", "qty") if spec.quantity == "column" else None
        numbers = self.values("lines", "line_number")
        origins = self.values("lines", "origin")
        prices = self.values("lines", "price")
        freights = self.values("lines", "freight")
        found: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
        sort_keys: dict[str, list[float]] = defaultdict(list)
        seen_numbers: set[tuple[str, str]] = set()
        sku_prices: dict[str, list[float]] = defaultdict(list)
        freight_of: dict[str, float] = defaultdict(float)
        for index in range(len(frame)):
            order_id, sku = orders[index], skus[index]
            if not order_id:
                self.fail("lines", index, "order_id", MISSING_VALUE, "order_id is empty")
                continue
            if order_id not in order_ids:
                self.fail("lines", index, "order_id", ORPHAN,
                          f"order {order_id!r} is not in the orders file", order_id)  # fmt: skip
                continue
            if not sku:
                self.fail("lines", index, "sku", MISSING_VALUE, "sku is empty", order_id)
                continue
            number = _number(numbers[index]) if numbers else None
            if numbers is not None:
                if (order_id, numbers[index]) in seen_numbers:
                    self.fail("lines", index, "line_number", DUPLICATE,
                              f"line {numbers[index]!r} of order {order_id!r} appears again",
                              order_id)  # fmt: skip
                    continue
                seen_numbers.add((order_id, numbers[index]))
            units = 1
            if qtys is not None:
                qty = _number(qtys[index])
                if qty is None or qty != int(qty) or not 0 < qty <= 1_000_000:
                    self.fail("lines", index, "qty", BAD_NUMBER,
                              f"quantity {qtys[index]!r} is not a whole number of units "
                              "between 1 and 1,000,000", order_id)  # fmt: skip
                    continue
                units = int(qty)
            price = _number(prices[index]) if prices else None
            if price is not None and price >= 0:
                sku_prices[sku].append(price)
            freight = _number(freights[index]) if freights else None
            if freight is not None and freight >= 0:
                freight_of[order_id] += freight
            found[order_id].append((sku, units, origins[index] if origins else ""))
            sort_keys[order_id].append(number if number is not None else index)
        for order_id, lines in found.items():
            # Line order as numbered in the file (order_item_id), else file order.
            keys = sort_keys[order_id]
            ordered = sorted(zip(keys, lines, strict=True), key=lambda pair: pair[0])
            found[order_id] = [line for _, line in ordered]
        return _Lines(found, dict(sku_prices), dict(freight_of))

    def origin_code(self, value: str, sellers: dict[str, str]) -> str | None:
        """The origin code of a line's origin value: through the origins file's region
        when there is one, else the value itself, grouped as the mapping says."""
        if "origins" in self.tables:
            region = sellers.get(value)
            if region is None:
                return None
            return self.mapping.origin_code(region)
        if not self.mapping.origin_groups and self.mapping.origin_default is None:
            return value or None
        return self.mapping.origin_code(value)


def _number(text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _order_rows(reader: _Reader) -> tuple[list[tuple[int, str]], int]:
    """(index, order_id) of the orders file's usable rows, first of each id; rows read."""
    ids = reader.values("orders", "order_id") or []
    rows, seen = [], set()
    for index, order_id in enumerate(ids):
        if not order_id:
            reader.fail("orders", index, "order_id", MISSING_VALUE, "order_id is empty")
        elif order_id in seen:
            reader.fail("orders", index, "order_id", DUPLICATE,
                        f"order {order_id!r} appears again", order_id)  # fmt: skip
        else:
            seen.add(order_id)
            rows.append((index, order_id))
    return rows, len(ids)


def _read_time(reader: _Reader, times: dict, name: str, index: int, order_id: str,
               *, required: bool) -> pd.Timestamp | bool | None:  # fmt: skip
    """The time, None when empty and optional, False when it fails (recorded)."""
    if name not in times:
        return None
    value = times[name][0][index]
    if not pd.isna(value):
        return value
    raw = reader.values("orders", name)[index]
    if raw:
        fmt = reader.mapping.files["orders"].date_format or "ISO 8601"
        reader.fail("orders", index, name, BAD_DATE,
                    f"{raw!r} is not a time in the format {fmt}", order_id)  # fmt: skip
        return False
    if required:
        reader.fail("orders", index, name, MISSING_VALUE, f"{name} is empty", order_id)
        return False
    return None


def _order_record(reader: _Reader, times: dict, index: int, order_id: str,
                  customers: dict[str, str]) -> OrderRecord | None:  # fmt: skip
    mapping = reader.mapping
    customer = reader.values("orders", "customer")[index]
    if not customer:
        reader.fail("orders", index, "customer", MISSING_VALUE, "customer is empty", order_id)
        return None
    if "customers" in reader.tables and customer not in customers:
        reader.fail("orders", index, "customer", ORPHAN,
                    f"customer {customer!r} is not in the customers file", order_id)  # fmt: skip
        return None
    found = {}
    for name, required in (("purchased_at", True), ("promised_at", True), ("handed_at", False),
                           ("delivered_at", False), ("approved_at", False)):  # fmt: skip
        found[name] = _read_time(reader, times, name, index, order_id, required=required)
    if found["purchased_at"] is False or found["promised_at"] is False:
        return None
    statuses = reader.values("orders", "status")
    status = statuses[index] if statuses else ""
    if status and mapping.statuses and status not in mapping.statuses:
        reader.fail("orders", index, "status", UNKNOWN_STATUS,
                    f"status {status!r} is not in the mapping's status table "
                    f"({', '.join(sorted(mapping.statuses))})", order_id)  # fmt: skip
    return OrderRecord(
        order_id=order_id,
        row=reader.tables["orders"].row_number(index),
        customer=customer,
        status=status,
        purchased_at=found["purchased_at"],
        promised_at=found["promised_at"],
        handed_at=found["handed_at"] or None,
        delivered_at=found["delivered_at"] or None,
        approved_at=found["approved_at"] or None,
        iso={name: texts[index] for name, (_, texts) in times.items() if texts[index]},
    )


def history_read(files: Sequence[Path], mapping: Mapping) -> History:
    """Read the files through the mapping: every order that can be read, every row that
    cannot with its reason. Raises ImportsError when the files do not fit the mapping."""
    tables, unused = tables_bind(files, mapping)
    reader = _Reader(mapping, tables)
    customers = reader.key_table("customers", "customer", "region")
    sellers = reader.key_table("origins", "origin", "region")
    rows, orders_read = _order_rows(reader)
    times = reader.order_times()
    records = []
    for index, order_id in rows:
        record = _order_record(reader, times, index, order_id, customers)
        if record is not None:
            records.append(record)
    read_lines = reader.lines({order_id for _, order_id in rows})
    lines = read_lines.by_order
    origin_column = reader.values("orders", "origin")
    origin_of_value: dict[str, str] = {}
    kept = []
    for record in records:
        index = record.row - tables["orders"].row_number(0)
        order_lines = lines.get(record.order_id)
        if not order_lines:
            reader.fail("orders", index, "order_id", NO_ITEMS, "order has no items",
                        record.order_id)  # fmt: skip
            continue
        for sku, units, _ in order_lines:
            record.lines[sku] = record.lines.get(sku, 0) + units
        record.freight = read_lines.freight.get(record.order_id, 0.0)
        # The order ships from the origin of its first line (a marketplace's seller of
        # item 1), or from the origin the orders file names.
        value = origin_column[index] if origin_column else order_lines[0][2]
        if value or reader.mapping.column("lines", "origin"):
            code = reader.origin_code(value, sellers)
            if code is None:
                field_name = "origin"
                role = "orders" if origin_column else "lines"
                where = "origins file" if "origins" in tables else "mapping's origin grouping"
                reader.failures.append(
                    RowFailure(tables[role].name, role, record.row if origin_column else None,
                               mapping.column(role, field_name) or field_name, UNKNOWN_ORIGIN,
                               f"origin {value!r} of order {record.order_id!r} is not in the "
                               f"{where}; the order is imported without one", record.order_id)
                )  # fmt: skip
            else:
                record.origin = code
                origin_of_value[value] = code
        kept.append(record)
    kept.sort(key=lambda r: (r.purchased_at, r.order_id))
    return History(
        mapping=mapping,
        tables=tables,
        unused_files=unused,
        orders=kept,
        orders_read=orders_read,
        failures=reader.failures,
        sku_prices=read_lines.sku_prices,
        origin_of_value=origin_of_value,
    )
