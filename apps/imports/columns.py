"""What a column of an export holds, read from its cells: times (in which format), numbers,
keys (unique values), code sets; and whether another file's keys are its values."""

import re
from dataclasses import dataclass

import pandas as pd

from apps.imports.reading import Table

SAMPLE_ROWS = 2000  # rows whose cells decide a column's type (times, numbers)
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S",
                "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%m/%d/%Y %H:%M:%S",
                "%m/%d/%Y %H:%M", "%m/%d/%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y")  # fmt: skip


@dataclass
class ColumnProfile:
    name: str
    values: pd.Series  # non-empty cells
    filled: float  # share of rows with a value
    distinct: int
    unique: bool
    date_format: str | None  # the format every value parses with, "" for ISO with offset
    numeric: bool
    integer: bool

    def words(self) -> str:
        return self.name.lower()


def date_format_of(values: pd.Series) -> str | None:
    """The first format of DATE_FORMATS every value parses with (day-first before month-first
    when both fit), "" for ISO 8601 with offsets, None when the values are not times."""
    if values.empty or not values.str.contains(r"\d").all():
        return None
    sample = values.head(500)
    for fmt in DATE_FORMATS:
        if pd.to_datetime(sample, format=fmt, errors="coerce").notna().all():
            return fmt
    parsed = pd.to_datetime(sample, format="ISO8601", errors="coerce", utc=True)
    if parsed.notna().all() and sample.str.contains(r"[+-]\d\d:?\d\d$|Z$").all():
        return ""
    return None


def columns_profile(table: Table) -> dict[str, ColumnProfile]:
    """Each column's profile, by name."""
    found = {}
    for name in table.columns:
        cells = table.frame[name]
        values = cells[cells != ""]
        # Types from the first rows; keys and code sets from all of them.
        head = values.head(SAMPLE_ROWS)
        numbers = pd.to_numeric(head, errors="coerce")
        numeric = not values.empty and numbers.notna().all()
        found[name] = ColumnProfile(
            name=name,
            values=values,
            filled=len(values) / len(cells) if len(cells) else 0.0,
            distinct=values.nunique(),
            unique=not values.empty and values.is_unique,
            date_format=None if numeric else date_format_of(head),
            numeric=numeric,
            integer=numeric and bool((numbers == numbers.round()).all()),
        )
    return found


def key_overlap(values: pd.Series, keys: set[str]) -> float:
    """The share of the column's distinct values that are among the keys."""
    if values.empty or not keys:
        return 0.0
    distinct = set(values.unique())
    return len(distinct & keys) / len(distinct)


def name_says(column: ColumnProfile, words: tuple[str, ...]) -> bool:
    """The column's name holds one of the words (as a word part: "uf", "customer_state")."""
    lowered = column.words()
    parts = re.split(r"[^a-z0-9]+", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", column.name).lower())
    return any(w in lowered for w in words if len(w) > 3) or any(p in words for p in parts)
