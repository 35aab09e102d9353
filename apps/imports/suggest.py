"""A first mapping for files never seen before, from their columns' names and contents.

Each file's role and each field's column come with a confidence (0..1) and the reason, so
a planner sees why and corrects what is wrong. Content counts as much as names: a column
whose values all parse as times, one whose values are the keys of another file (an order's
lines name its order), a small set of codes (states, statuses), numbers.
"""

import re
from collections.abc import Sequence
from pathlib import Path

from apps.imports.columns import ColumnProfile, columns_profile, key_overlap, name_says
from apps.imports.errors import ImportsError, Problem
from apps.imports.mapping import mapping_validate
from apps.imports.reading import Table, table_read
from apps.imports.suggestion import (
    FILE_WORDS,
    ORIGIN_WORDS,
    REGION_WORDS,
    STATUS_WORDS,
    TIME_WORDS,
    FieldGuess,
    FileGuess,
    Suggestion,
)

SMALL_CODE_SET = 60  # at most this many distinct values: a code set (states, statuses)
KEY_OVERLAP = 0.9  # share of a column's values found among another file's keys: a join


class _Suggester:
    def __init__(self, tables: list[Table]) -> None:
        self.tables = tables
        self.profiles = {t.name: columns_profile(t) for t in tables}
        self.roles: dict[str, Table] = {}
        self.file_guesses: list[FileGuess] = []
        self.field_guesses: list[FieldGuess] = []
        self.document: dict = {"name": "Suggested mapping", "timezone": "UTC", "files": {}}

    def pick(self, role: str, field: str, column: str, confidence: float, reason: str) -> None:
        spec = self.document["files"].setdefault(role, {"columns": {}})
        spec["columns"][field] = column
        self.field_guesses.append(FieldGuess(role, field, column, round(confidence, 2), reason))

    def name_score(self, table: Table, role: str) -> float:
        name = table.name.lower()
        return 1.0 if any(word in name for word in FILE_WORDS[role]) else 0.0

    def assign(self, role: str, table: Table, confidence: float, reason: str) -> None:
        self.roles[role] = table
        spec = self.document["files"].setdefault(role, {"columns": {}})
        spec["file"] = table.name
        self.file_guesses.append(FileGuess(table.name, role, round(confidence, 2), reason))

    def free(self) -> list[Table]:
        taken = {t.name for t in self.roles.values()}
        return [t for t in self.tables if t.name not in taken]

    # ---- orders and lines: the files with times, and the file that names their keys ----
    def orders(self) -> None:
        best = None
        for table in self.tables:
            profile = self.profiles[table.name]
            times = [c for c in profile.values() if c.date_format is not None]
            keys = [c for c in profile.values() if c.unique and not c.numeric and c.filled == 1]
            if not times or not keys:
                continue
            score = (
                len(times)
                + 2 * self.name_score(table, "orders")
                - 2 * self.name_score(table, "lines")
            )
            if best is None or score > best[0]:
                best = (score, table, times)
        if best is None:
            return
        _, table, times = best
        confidence = 0.9 if self.name_score(table, "orders") else 0.6
        self.assign("orders", table, confidence,
                    f"{len(times)} column(s) of times and a column of unique ids")  # fmt: skip

    def order_key(self) -> ColumnProfile | None:
        table = self.roles["orders"]
        profile = self.profiles[table.name]
        keys = [c for c in profile.values() if c.unique and not c.numeric and c.filled == 1]
        keys.sort(key=lambda c: ("order" not in c.words(), "id" not in c.words()))
        return keys[0] if keys else None

    def lines(self, key: ColumnProfile) -> None:
        keys = set(key.values)
        best = None
        for table in self.free():
            for column in self.profiles[table.name].values():
                overlap = key_overlap(column.values, keys)
                if overlap >= KEY_OVERLAP and not column.unique:
                    score = overlap + self.name_score(table, "lines")
                    if best is None or score > best[0]:
                        best = (score, table, column, overlap)
        if best is None:
            for table in self.free():  # every order has one line: the key is unique there too
                for column in self.profiles[table.name].values():
                    if key_overlap(column.values, keys) >= KEY_OVERLAP and self.name_score(
                        table, "lines"
                    ):
                        best = (1.0, table, column, key_overlap(column.values, keys))
        if best is None:
            return
        _, table, column, overlap = best
        self.assign("lines", table, 0.9 if column.unique is False else 0.6,
                    f"{column.name!r} repeats the orders' ids ({overlap:.0%} of its values "
                    f"are orders): one order, several lines")  # fmt: skip
        self.pick("lines", "order_id", column.name, 0.9,
                  f"its values are the orders' {key.name!r} ({overlap:.0%})")  # fmt: skip

    # ---- reference files: a unique key the orders or lines name ----
    def references(self, order_key: ColumnProfile) -> None:
        orders, lines = self.roles.get("orders"), self.roles.get("lines")
        links = []  # (overlap, role hint, referring role, referring column, table, key column)
        for table in self.free():
            for key in self.profiles[table.name].values():
                if not key.unique or key.numeric:
                    continue
                keys = set(key.values)
                for referrer in (orders, lines):
                    if referrer is None:
                        continue
                    # Not the columns already mapped (the order id the lines repeat).
                    used = (
                        self.document["files"]["orders" if referrer is orders else "lines"]
                        .get("columns", {})
                        .values()
                    )
                    for column in self.profiles[referrer.name].values():
                        if column.name in used or (referrer is orders and column is order_key):
                            continue
                        overlap = key_overlap(column.values, keys)
                        if overlap >= KEY_OVERLAP:
                            links.append((overlap, referrer, column, table, key))
        for overlap, referrer, column, table, key in sorted(links, key=lambda link: -link[0]):
            if table.name in {t.name for t in self.roles.values()}:
                continue
            if referrer is self.roles.get("orders"):
                role = "customers"
            elif self.name_score(table, "origins") or any(
                w in column.words() for w in FILE_WORDS["origins"]
            ):
                role = "origins"
            else:
                role = "products"
            if role in self.roles:
                continue
            from_role = "orders" if role == "customers" else "lines"
            field = {"customers": "customer", "origins": "origin", "products": "sku"}[role]
            self.assign(role, table, 0.9 if self.name_score(table, role) else 0.7,
                        f"its unique {key.name!r} is what {from_role}.{column.name!r} names "
                        f"({overlap:.0%} found)")  # fmt: skip
            self.pick(from_role, field, column.name, 0.9,
                      f"its values are {table.name}'s keys ({overlap:.0%})")  # fmt: skip
            self.pick(role, field, key.name, 0.9, "unique in its file, named by " + from_role)

    def families(self) -> None:
        products = self.roles.get("products")
        if products is None:
            return
        for column in self.profiles[products.name].values():
            if column.numeric or column.unique or column.distinct > 500 or column.distinct < 2:
                continue
            for table in self.free():
                profile = self.profiles[table.name]
                for key in profile.values():
                    overlap = key_overlap(column.values, set(key.values))
                    if key.unique and overlap >= KEY_OVERLAP and len(profile) == 2:
                        other = next(c for c in profile.values() if c.name != key.name)
                        self.assign("families", table, 0.8,
                                    f"two columns; {key.name!r} holds products.{column.name!r}'s "
                                    f"values ({overlap:.0%})")  # fmt: skip
                        self.pick(
                            "products",
                            "family",
                            column.name,
                            0.8,
                            f"{column.distinct} distinct values, named in {table.name}",
                        )
                        self.pick("families", "family", key.name, 0.8, "the products' families")
                        self.pick("families", "family_name", other.name, 0.7,
                                  "the other column: the family's name")  # fmt: skip
                        return

    # ---- fields inside each role ----
    def order_fields(self, key: ColumnProfile) -> None:
        table = self.roles["orders"]
        profile = self.profiles[table.name]
        self.pick("orders", "order_id", key.name, 0.9, "unique in the orders file")
        formats = set()
        taken: set[str] = set()
        for column in profile.values():
            if column.date_format is None:
                continue
            words = column.words()
            for field, hints in TIME_WORDS:
                if field not in taken and any(h in words for h in hints):
                    taken.add(field)
                    formats.add(column.date_format)
                    self.pick("orders", field, column.name, 0.8,
                              f"every value is a time ({column.date_format or 'ISO 8601'}) and "
                              f"the name says {field.removesuffix('_at')}")  # fmt: skip
                    break
        if len(formats) == 1 and formats != {""}:
            self.document["files"]["orders"]["date_format"] = formats.pop()
        columns = self.document["files"]["orders"]["columns"]
        if "customer" not in columns:
            for column in profile.values():
                if "customer" in column.words() or "client" in column.words():
                    self.pick("orders", "customer", column.name, 0.6, "the name says customer")
                    break
        for column in profile.values():
            if "status" in column.words() and column.distinct <= SMALL_CODE_SET:
                self.pick("orders", "status", column.name, 0.9,
                          f"a status column of {column.distinct} codes")  # fmt: skip
                self.document["statuses"] = {
                    value: _status_kind(value) for value in sorted(column.values.unique())
                }
                break

    def line_fields(self) -> None:
        table = self.roles["lines"]
        profile = self.profiles[table.name]
        columns = self.document["files"]["lines"]["columns"]
        for column in profile.values():
            words = column.words()
            if column.name in columns.values():
                continue
            if "sku" not in columns and any(w in words for w in ("product", "sku", "article")):
                self.pick("lines", "sku", column.name, 0.6, "the name says product")
            elif column.integer and any(w in words for w in ("qty", "quantity", "units")):
                self.pick("lines", "qty", column.name, 0.9, "whole numbers, named a quantity")
            elif column.integer and any(w in words for w in ("item_id", "line", "position")):
                self.pick("lines", "line_number", column.name, 0.7,
                          "small whole numbers numbering an order's lines")  # fmt: skip
            elif (not column.numeric and "origin" not in columns and name_says(column, ORIGIN_WORDS)
                  and column.distinct <= SMALL_CODE_SET):  # fmt: skip
                self.pick("lines", "origin", column.name, 0.6,
                          f"{column.distinct} codes, named where goods ship from")  # fmt: skip
            elif column.numeric and "price" in words:
                self.pick("lines", "price", column.name, 0.8, "numbers, named a price")
            elif column.numeric and ("freight" in words or "shipping_cost" in words):
                self.pick("lines", "freight", column.name, 0.8, "numbers, named freight")
        spec = self.document["files"]["lines"]
        if "qty" in columns:
            spec["quantity"] = "column"
        else:
            spec["quantity"] = "row_per_unit"
            self.field_guesses.append(
                FieldGuess("lines", "quantity", "", 0.7,
                           "no quantity column: each row is one unit (rows of the same order "
                           "and product add up)")
            )  # fmt: skip

    def reference_fields(self) -> None:
        for role in ("customers", "origins"):
            table = self.roles.get(role)
            if table is None:
                continue
            used = self.document["files"][role]["columns"].values()
            free = [c for c in self.profiles[table.name].values() if c.name not in used]
            codes = [c for c in free if not c.numeric and 1 < c.distinct <= SMALL_CODE_SET]
            # A column named a region first; else the smallest code set.
            codes.sort(key=lambda c: (not name_says(c, REGION_WORDS), c.distinct))
            if codes:
                named = name_says(codes[0], REGION_WORDS)
                self.pick(role, "region", codes[0].name, 0.8 if named else 0.5,
                          f"a small set of {codes[0].distinct} codes"
                          + (", named a region" if named else ""))  # fmt: skip
            for column in free:
                if "city" in column.words() and column is not (codes[0] if codes else None):
                    self.pick(role, "city", column.name, 0.8, "the name says city")
                    break
        products = self.roles.get("products")
        if products is None:
            return
        spec = self.document["files"]["products"]
        for column in self.profiles[products.name].values():
            words = column.words()
            if column.numeric and "weight" in words:
                self.pick("products", "weight", column.name, 0.8, "numbers, named a weight")
                spec["weight_unit"] = "g" if words.endswith("_g") or "gram" in words else (
                    "lb" if "lb" in words else "kg")  # fmt: skip
            for side, hint in (("length_cm", "length"), ("height_cm", "height"),
                               ("width_cm", "width")):  # fmt: skip
                if column.numeric and hint in words:
                    self.pick("products", side, column.name, 0.6, f"numbers, named {hint}")

    def origin_groups(self) -> None:
        """One origin per value: per origins-file region, else per value the lines name."""
        origins = self.roles.get("origins")
        if origins is not None:
            column = self.document["files"]["origins"]["columns"].get("region")
            table = origins
        else:
            column = self.document["files"]["lines"]["columns"].get("origin")
            table = self.roles["lines"]
        if column is None:
            return
        values = sorted(self.profiles[table.name][column].values.unique())
        codes = {
            value: re.sub(r"[^A-Za-z0-9]", "", value).upper()[:8] or "ORIGIN" for value in values
        }
        self.document["origin_groups"] = codes
        self.document["origin_names"] = {code: f"Origins in {code}" for code in set(codes.values())}

    def run(self) -> None:
        self.orders()
        key = self.order_key() if "orders" in self.roles else None
        if key is None:
            return
        self.lines(key)
        if "lines" not in self.roles:
            return
        self.references(key)
        self.families()
        self.order_fields(key)
        self.line_fields()
        self.reference_fields()
        self.origin_groups()
        for table in self.free():
            self.file_guesses.append(
                FileGuess(table.name, None, 0.5, "no key of it joins the orders: not used")
            )


def _status_kind(value: str) -> str:
    lowered = value.lower()
    for kind, words in STATUS_WORDS:
        if any(w in lowered for w in words):
            return kind
    return "open"


def mapping_suggest(*, files: Sequence[Path]) -> Suggestion:
    """Suggest a mapping for these files; raises ImportsError only when a file cannot be read."""
    tables = [table_read(Path(path)) for path in files]
    suggester = _Suggester(tables)
    suggester.run()
    document = suggester.document
    document["timezone"] = "UTC"
    orders = suggester.roles.get("orders")
    formats = {c.date_format for c in suggester.profiles[orders.name].values()} if orders else set()
    if "" in formats:
        reason = ("the times carry their UTC offset; the time zone still says where a promised "
                  "date's day ends: set the exporting system's")  # fmt: skip
    else:
        reason = "the times carry no UTC offset: set the time zone of the exporting system"
    suggester.field_guesses.append(FieldGuess("", "timezone", "", 0.3, reason))
    try:
        mapping_validate(document)
        problems: list[Problem] = []
    except ImportsError as error:
        problems = error.problems
    return Suggestion(document=document, files=suggester.file_guesses,
                      fields=suggester.field_guesses, problems=problems)  # fmt: skip
