"""The mapping page's form: a mapping document (apps.imports.mapping's JSON form) shown as
selects and inputs over the uploaded files' columns, and the posted form read back into a
document for mapping_validate.

The document is field -> column per role; the page shows it the way a planner reads an
export, column by column. Inputs are named by position (file i, column j, status k), never
by a file's or column's own text, so a header cannot smuggle anything into a field name.
"""

from collections.abc import Mapping as Lookup
from dataclasses import dataclass, field
from fnmatch import fnmatch
from functools import lru_cache
from zoneinfo import available_timezones

from apps.imports.mapping import FIELDS, REQUIRED, ROLES, TIME_FIELDS
from apps.imports.reading import Table

STATUS_KINDS = ("open", "shipped", "delivered", "cancelled")
QUANTITIES = (("row_per_unit", "One row per unit"), ("column", "A quantity column"))
WEIGHT_UNITS = ("g", "kg", "lb")
ROLE_LABELS = {
    "orders": "Orders",
    "lines": "Order lines",
    "customers": "Customers",
    "origins": "Origins (DCs or sellers)",
    "products": "Products",
    "families": "Product families",
}
# A status or grouping column with more values than this is not a code set: the page lists
# the first ones and says so, rather than drawing thousands of selects.
MAX_CODES = 60


@lru_cache(maxsize=1)
def timezones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


@dataclass
class ColumnRow:
    index: int
    name: str
    field: str  # "" when the column is not imported
    reason: str  # why the suggestion chose it ("" when the planner or a saved mapping did)
    samples: str


@dataclass
class FileCard:
    index: int
    name: str
    role: str  # "" when the file is not used (e.g. payments)
    columns: list[ColumnRow]
    fields: tuple[str, ...]
    role_reason: str = ""
    date_format: str = ""
    quantity: str = "column"
    weight_unit: str = "kg"
    has_times: bool = False


@dataclass
class CodeRow:
    index: int
    value: str
    chosen: str
    orders: int = 0


@dataclass
class RegionRowForm:
    index: int
    code: str
    name: str
    latitude: str
    longitude: str


@dataclass
class MappingFormView:
    """What the mapping template draws."""

    name: str
    timezone: str
    files: list[FileCard]
    statuses: list[CodeRow]
    statuses_cut: int
    groups: list[CodeRow]
    groups_cut: int
    origin_names: list[tuple[str, str]]
    origin_default: str
    origin_note: str
    regions: list[RegionRowForm]
    carrier_code: str
    carrier_name: str
    event_prefix: str
    promise_end_of_day: bool
    status_kinds: tuple[str, ...] = STATUS_KINDS
    roles: list[tuple[str, str]] = field(
        default_factory=lambda: [(r, ROLE_LABELS.get(r, r)) for r in ROLES]
    )
    quantities: tuple[tuple[str, str], ...] = QUANTITIES
    weight_units: tuple[str, ...] = WEIGHT_UNITS


def file_role(doc: dict, name: str, columns: list[str]) -> str:
    """The role a file plays in a (possibly unvalidated) document, as
    apps.imports.mapping.role_of decides it: the name pattern, else the header."""
    files = doc.get("files") or {}
    for role, spec in files.items():
        pattern = (spec or {}).get("file")
        if pattern and fnmatch(name.lower(), str(pattern).lower()):
            return role
    fitting = [
        (len(spec.get("columns") or {}), role)
        for role, spec in files.items()
        if spec
        and not spec.get("file")
        and spec.get("columns")
        and set(spec["columns"].values()) <= set(columns)
    ]
    return max(fitting)[1] if fitting else ""


def _samples(table: Table, column: str) -> str:
    values = [v for v in table.frame[column].head(50).tolist() if v][:3]
    return ", ".join(v if len(v) <= 24 else v[:23] + "…" for v in values)


def _distinct(table: Table | None, column: str | None) -> tuple[list[tuple[str, int]], int]:
    """The values of a code column with their row counts, most frequent first, and how many
    more there are past MAX_CODES."""
    if table is None or not column or column not in table.columns:
        return [], 0
    counts = table.frame[column][table.frame[column] != ""].value_counts()
    pairs = [(str(v), int(n)) for v, n in counts.items()]
    return pairs[:MAX_CODES], max(0, len(pairs) - MAX_CODES)


def _file_card(i: int, table: Table, doc: dict, reasons, role_reasons) -> FileCard:
    role = file_role(doc, table.name, table.columns)
    spec = (doc.get("files") or {}).get(role) or {} if role else {}
    field_of = {column: f for f, column in (spec.get("columns") or {}).items()}
    return FileCard(
        index=i,
        name=table.name,
        role=role,
        role_reason=role_reasons.get(table.name, ""),
        columns=[
            ColumnRow(
                index=j,
                name=column,
                field=field_of.get(column, ""),
                reason=reasons.get((table.name, column), "") if column in field_of else "",
                samples=_samples(table, column),
            )
            for j, column in enumerate(table.columns)
        ],
        fields=FIELDS.get(role, ()),
        date_format=spec.get("date_format") or "",
        quantity=spec.get("quantity") or "column",
        weight_unit=spec.get("weight_unit") or "kg",
        has_times=any(f in TIME_FIELDS for f in FIELDS.get(role, ())),
    )


def _region_row(k: int, code: str, known: Lookup[str, dict]) -> RegionRowForm:
    info = known.get(code) or {}
    return RegionRowForm(
        index=k,
        code=code,
        name=str(info.get("name", "")),
        latitude=_text(info.get("latitude")),
        longitude=_text(info.get("longitude")),
    )


def form_view(
    doc: dict,
    tables: list[Table],
    reasons: Lookup[tuple[str, str], str] | None = None,
    role_reasons: Lookup[str, str] | None = None,
    places: Lookup[str, dict] | None = None,
) -> MappingFormView:
    """The form for a document over these files. reasons: (file name, column) -> why the
    suggestion mapped it; role_reasons: file name -> why it plays its role; places: region
    code -> {name, latitude, longitude} known elsewhere, for the regions the document lacks."""
    files = doc.get("files") or {}
    cards = [
        _file_card(i, table, doc, reasons or {}, role_reasons or {})
        for i, table in enumerate(tables)
    ]
    by_role: dict[str, Table] = {}
    for card, table in zip(cards, tables, strict=True):
        if card.role:
            by_role.setdefault(card.role, table)
    status_column = (files.get("orders") or {}).get("columns", {}).get("status")
    statuses, statuses_cut = _distinct(by_role.get("orders"), status_column)
    chosen_status = doc.get("statuses") or {}
    origin_table, origin_column = by_role.get("origins"), None
    if origin_table is not None:
        origin_column = (files.get("origins") or {}).get("columns", {}).get("region")
    else:
        origin_table = by_role.get("lines")
        origin_column = (files.get("lines") or {}).get("columns", {}).get("origin")
    groups, groups_cut = _distinct(origin_table, origin_column)
    chosen_group = doc.get("origin_groups") or {}
    names = doc.get("origin_names") or {}
    default = [doc["origin_default"]] if doc.get("origin_default") else []
    codes = sorted({*chosen_group.values(), *names, *default})
    region_column = (files.get("customers") or {}).get("columns", {}).get("region")
    region_values = [v for v, _ in _distinct(by_role.get("customers"), region_column)[0]]
    own_regions = doc.get("regions") or {}
    known_regions = {**(places or {}), **own_regions}
    # Origins stand in a region too (a seller's state): the table needs theirs as well.
    origin_regions = [v for v, _ in groups] if origin_table is by_role.get("origins") else []
    region_codes = sorted({*region_values, *origin_regions, *own_regions})
    carrier = doc.get("carrier") or {}
    return MappingFormView(
        name=doc.get("name") or "",
        timezone=doc.get("timezone") or "UTC",
        files=cards,
        statuses=[CodeRow(k, v, chosen_status.get(v, ""), n) for k, (v, n) in enumerate(statuses)],
        statuses_cut=statuses_cut,
        groups=[CodeRow(k, v, chosen_group.get(v, ""), n) for k, (v, n) in enumerate(groups)],
        groups_cut=groups_cut,
        origin_names=[(code, names.get(code, "")) for code in codes],
        origin_default=doc.get("origin_default") or "",
        origin_note=doc.get("origin_note") or "",
        regions=[_region_row(k, code, known_regions) for k, code in enumerate(region_codes)],
        carrier_code=carrier.get("code") or "HIST",
        carrier_name=carrier.get("name") or "Carrier of the history",
        event_prefix=doc.get("event_prefix") or "hist",
        promise_end_of_day=doc.get("promise_end_of_day", True),
    )


def _text(value) -> str:
    return "" if value is None else str(value)


def _number(text: str) -> float | str:
    """A typed number as a float; text that is not one stays text, for mapping_validate to
    name (its message says which region and why)."""
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return text.strip()


class FormProblem(ValueError):
    """A posted form that no document can be made of (a field chosen for two columns)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{w}: {r}" for w, r in problems))


def _file_from_post(post, i: int, table: Table, role: str, problems: list) -> dict:
    """File i's part of the document: its columns' fields, date format, quantity, unit."""
    columns: dict[str, str] = {}
    for j, column in enumerate(table.columns):
        chosen = post.get(f"file-{i}-col-{j}", "")
        if not chosen:
            continue
        if chosen not in FIELDS[role]:
            problems.append((f"{table.name}, {column}", f"{chosen!r} is not a field of {role}"))
        elif chosen in columns:
            problems.append(
                (f"{table.name}, {column}",
                 f"{chosen} is already the column {columns[chosen]!r}: choose one")
            )  # fmt: skip
        else:
            columns[chosen] = column
    spec: dict = {"file": table.name, "columns": columns}
    date_format = post.get(f"file-{i}-date_format", "").strip()
    if date_format:
        spec["date_format"] = date_format
    if role == "lines":
        spec["quantity"] = post.get(f"file-{i}-quantity", "column")
    if role == "products":
        spec["weight_unit"] = post.get(f"file-{i}-weight_unit", "kg")
    return spec


def _files_from_post(post, tables: list[Table]) -> dict[str, dict]:
    problems: list[tuple[str, str]] = []
    files: dict[str, dict] = {}
    for i, table in enumerate(tables):
        role = post.get(f"file-{i}-role", "")
        if not role:
            continue
        if role not in ROLES:
            problems.append((table.name, f"{role!r} is not a role"))
        elif role in files:
            problems.append((table.name, f"a second {ROLE_LABELS[role].lower()} file"))
        else:
            files[role] = _file_from_post(post, i, table, role, problems)
    if problems:
        raise FormProblem(problems)
    return files


def _regions_from_post(post, codes: MappingFormView) -> dict[str, dict]:
    regions = {}
    for row in codes.regions:
        name = post.get(f"region-{row.index}-name", "").strip()
        latitude = post.get(f"region-{row.index}-latitude", "")
        longitude = post.get(f"region-{row.index}-longitude", "")
        if name or latitude.strip() or longitude.strip():
            regions[row.code] = {
                "name": name,
                "latitude": _number(latitude),
                "longitude": _number(longitude),
            }
    return regions


def doc_from_post(post, tables: list[Table], codes: MappingFormView) -> dict:
    """The document a posted form says. codes: the form as drawn (its status, grouping and
    region rows), so posted values are looked up by position, never trusted as keys.

    Raises FormProblem for choices no document can hold: two columns for one field, two
    files in one role."""
    files = _files_from_post(post, tables)
    statuses = {
        row.value: post.get(f"status-{row.index}", "")
        for row in codes.statuses
        if post.get(f"status-{row.index}", "")
    }
    groups = {
        row.value: post.get(f"group-{row.index}", "").strip().upper()
        for row in codes.groups
        if post.get(f"group-{row.index}", "").strip()
    }
    names = {}
    for k in range(len(codes.origin_names)):
        code = post.get(f"origin-{k}-code", "").strip().upper()
        if code:
            names[code] = post.get(f"origin-{k}-name", "").strip()
    regions = _regions_from_post(post, codes)
    doc = {
        "name": post.get("name", "").strip(),
        "timezone": post.get("timezone", "UTC"),
        "files": files,
        "statuses": statuses,
        "promise_end_of_day": bool(post.get("promise_end_of_day")),
        "origin_groups": groups,
        "origin_names": names,
        "origin_note": post.get("origin_note", "").strip(),
        "regions": regions,
        "carrier": {
            "code": post.get("carrier_code", "").strip().upper() or "HIST",
            "name": post.get("carrier_name", "").strip() or "Carrier of the history",
        },
        "event_prefix": post.get("event_prefix", "").strip() or "hist",
    }
    default = post.get("origin_default", "").strip().upper()
    if default:
        doc["origin_default"] = default
    return doc


def required_fields(role: str) -> tuple[str, ...]:
    return REQUIRED.get(role, ())
