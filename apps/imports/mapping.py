"""The mapping document: which file plays which role, column -> field, and the rules of reading.

A mapping is a pydantic model with a JSON form (saved as SavedMapping.document, or a file
passed to `manage.py import_history --mapping`). Files are joined by their key fields, named
the same in every role: lines.order_id -> orders.order_id, orders.customer ->
customers.customer, lines.origin -> origins.origin, lines.sku -> products.sku and
products.family -> families.family (see JOINS).
"""

import json
from fnmatch import fnmatch
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from apps.imports.errors import ImportsError, Problem

Role = Literal["orders", "lines", "customers", "origins", "products", "families"]
ROLES: tuple[str, ...] = ("orders", "lines", "customers", "origins", "products", "families")

# Fields each role can map, and which of them it must map.
FIELDS: dict[str, tuple[str, ...]] = {
    "orders": ("order_id", "customer", "status", "purchased_at", "approved_at", "promised_at",
               "handed_at", "delivered_at", "origin"),
    "lines": ("order_id", "sku", "qty", "origin", "line_number", "price", "freight"),
    "customers": ("customer", "region", "city"),
    "origins": ("origin", "region", "city"),
    "products": ("sku", "family", "weight", "length_cm", "height_cm", "width_cm"),
    "families": ("family", "family_name"),
}  # fmt: skip
REQUIRED: dict[str, tuple[str, ...]] = {
    "orders": ("order_id", "customer", "purchased_at", "promised_at"),
    "lines": ("order_id", "sku"),
    "customers": ("customer", "region"),
    "origins": ("origin", "region"),
    "products": ("sku",),
    "families": ("family", "family_name"),
}
TIME_FIELDS = frozenset({"purchased_at", "approved_at", "promised_at", "handed_at", "delivered_at"})
NUMBER_FIELDS = frozenset({"qty", "line_number", "price", "freight", "weight", "length_cm",
                           "height_cm", "width_cm"})  # fmt: skip
# (role, field) -> (role, field) it refers to, when both roles are mapped.
JOINS: tuple[tuple[str, str, str, str], ...] = (
    ("lines", "order_id", "orders", "order_id"),
    ("orders", "customer", "customers", "customer"),
    ("lines", "origin", "origins", "origin"),
    ("lines", "sku", "products", "sku"),
    ("products", "family", "families", "family"),
)

# What an order's status means for the events it yields: "cancelled" adds an
# order_cancelled event; the others only say the status is known (hand-off and delivery
# events come from their timestamps, whichever the status).
StatusKind = Literal["open", "shipped", "delivered", "cancelled"]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8)]
Column = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileMapping(Strict):
    """One role's file: how to recognise it and which column holds which field."""

    # A shell pattern on the file's name (e.g. "*orders*"); without it, the file whose header
    # has every mapped column plays the role.
    file: str | None = None
    columns: dict[str, Column]
    # strftime format of the time columns ("%d/%m/%Y %H:%M"); None reads ISO 8601.
    date_format: str | None = None
    # lines: one row per unit (quantity = rows per order and SKU) or a qty column.
    quantity: Literal["row_per_unit", "column"] = "column"
    # products: the unit of the weight column.
    weight_unit: Literal["g", "kg", "lb"] = "kg"


class RegionInfo(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]


class CarrierInfo(Strict):
    code: Code = "HIST"
    name: Annotated[str, StringConstraints(min_length=1, max_length=80)] = "Carrier of the history"


class Mapping(Strict):
    """A validated mapping. Build it with mapping_validate, which words every problem."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    timezone: str = "UTC"
    files: dict[Role, FileMapping]
    statuses: dict[str, StatusKind] = {}
    # A promise given as a date means "by the end of that day" (23:59:59 local time).
    promise_end_of_day: bool = True
    # origin value (origins.region, or lines.origin without an origins file) -> origin code.
    origin_groups: dict[str, Code] = {}
    # The origin code of values origin_groups does not list; None makes them row failures.
    origin_default: Code | None = None
    origin_names: dict[str, str] = {}
    # Grouping stated on every page that uses it.
    origin_note: str = ""
    regions: dict[str, RegionInfo] = {}
    carrier: CarrierInfo = CarrierInfo()
    # Event id prefix: "<prefix>:<order_id>:<event>".
    event_prefix: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,20}$")] = "hist"

    def column(self, role: str, field: str) -> str | None:
        spec = self.files.get(role)
        return spec.columns.get(field) if spec else None

    def origin_code(self, value: str) -> str | None:
        return self.origin_groups.get(value, self.origin_default)

    def joins(self) -> list[tuple[str, str, str, str]]:
        """The joins this mapping makes: both roles mapped and both key fields mapped."""
        return [j for j in JOINS if self.column(j[0], j[1]) and self.column(j[2], j[3])]

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)


def _structure_problems(mapping: Mapping) -> list[Problem]:
    problems = []
    try:
        ZoneInfo(mapping.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Problem("timezone", f"unknown time zone {mapping.timezone!r}"))
    if "orders" not in mapping.files:
        problems.append(Problem("files", "an orders file is required"))
    if "lines" not in mapping.files:
        problems.append(Problem("files", "a lines (order items) file is required"))
    for role, spec in mapping.files.items():
        unknown = sorted(set(spec.columns) - set(FIELDS[role]))
        for field in unknown:
            problems.append(
                Problem(f"files.{role}.columns.{field}",
                        f"not a field of {role} (fields: {', '.join(FIELDS[role])})")
            )  # fmt: skip
        for field in REQUIRED[role]:
            if field not in spec.columns:
                problems.append(Problem(f"files.{role}.columns", f"{field} must be mapped"))
        if role == "lines" and spec.quantity == "column" and "qty" not in spec.columns:
            problems.append(
                Problem("files.lines.quantity",
                        "a qty column must be mapped, or quantity set to row_per_unit")
            )  # fmt: skip
        if spec.date_format is not None and "%" not in spec.date_format:
            problems.append(
                Problem(f"files.{role}.date_format",
                        f"{spec.date_format!r} has no % directive (e.g. %Y-%m-%d %H:%M:%S)")
            )  # fmt: skip
    has_origin = mapping.column("lines", "origin") or mapping.column("orders", "origin")
    if has_origin and not mapping.origin_groups and mapping.origin_default is None:
        problems.append(
            Problem("origin_groups", "origins are mapped but no grouping says their codes")
        )
    if "origins" in mapping.files and not mapping.column("lines", "origin"):
        problems.append(
            Problem("files.lines.columns.origin", "an origins file needs lines.origin to join")
        )
    for code in {*mapping.origin_groups.values(), mapping.origin_default} - {None}:
        if code not in mapping.origin_names:
            problems.append(Problem(f"origin_names.{code}", "the origin needs a name"))
    return problems


def mapping_validate(doc: Mapping | dict[str, Any] | str | bytes) -> Mapping:
    """A mapping from its JSON (text or parsed); raises ImportsError listing every problem."""
    if isinstance(doc, Mapping):
        mapping = doc
    else:
        if isinstance(doc, str | bytes):
            try:
                doc = json.loads(doc)
            except json.JSONDecodeError as error:
                raise ImportsError(
                    Problem("", f"not JSON: {error.msg} (line {error.lineno} column {error.colno})")
                ) from None
        try:
            mapping = Mapping.model_validate(doc)
        except ValidationError as error:
            raise ImportsError(
                [
                    Problem(
                        ".".join(str(p) for p in e["loc"]), e["msg"].removeprefix("Value error, ")
                    )
                    for e in error.errors(include_url=False)
                ]
            ) from None
    problems = _structure_problems(mapping)
    if problems:
        raise ImportsError(problems)
    return mapping


def role_of(mapping: Mapping, name: str, columns: list[str]) -> str | None:
    """The role a file plays: the role whose pattern its name matches, else the role whose
    mapped columns its header has all of (the role with most columns wins)."""
    for role, spec in mapping.files.items():
        if spec.file and fnmatch(name.lower(), spec.file.lower()):
            return role
    fitting = [
        (len(spec.columns), role)
        for role, spec in mapping.files.items()
        if not spec.file and set(spec.columns.values()) <= set(columns)
    ]
    return max(fitting)[1] if fitting else None
