"""Reading a CSV or XLSX export into a table of text cells, whatever its delimiter or
encoding, and giving each file of an import its role under the mapping."""

import csv
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from apps.imports.errors import ImportsError, Problem
from apps.imports.mapping import Mapping, role_of

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = (".csv", ".txt", *SPREADSHEET_SUFFIXES)
# The header is line 1 of a file: its first data row is line (or spreadsheet row) 2.
FIRST_DATA_ROW = 2


@dataclass(frozen=True)
class Table:
    """One file's rows as text ("" where a cell is empty), columns as in its header."""

    name: str
    path: Path
    frame: pd.DataFrame
    # How a text file was decoded: UTF-8, or Windows-1252 (Latin-1) for files that are not
    # UTF-8, as Excel and many ERPs in Brazil and Europe write them.
    encoding: str = "utf-8"

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def row_number(self, index: int) -> int:
        """The line (CSV) or row (XLSX) a person sees for the frame's index-th row."""
        return index + FIRST_DATA_ROW


def _csv_read(path: Path, rows: int | None) -> tuple[pd.DataFrame, str]:
    """A CSV's cells, and the encoding that read it: UTF-8 (with or without the byte-order
    mark Excel writes), else Windows-1252."""
    try:
        return _csv_frame(path, rows, "utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return _csv_frame(path, rows, "cp1252"), "cp1252"


def _csv_frame(path: Path, rows: int | None, encoding: str) -> pd.DataFrame:
    return pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        encoding=encoding,
        sep=_sniff_delimiter(path, encoding),
        nrows=rows,
        header=None,
    )


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(64 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def table_read(path: Path, *, name: str | None = None, nrows: int | None = None) -> Table:
    """Read a file as text cells. Raises ImportsError naming the file when it cannot be read."""
    label = name or path.name
    if not path.is_file():
        raise ImportsError(f"{label}: no such file")
    suffix = path.suffix.lower()
    encoding = "utf-8"
    # Read without a header and take the first row as the header ourselves: pandas would
    # rename a column named twice ("a", "a.1"), and the mapping would read the wrong one.
    rows = None if nrows is None else nrows + 1
    try:
        if suffix in SPREADSHEET_SUFFIXES:
            frame = pd.read_excel(
                path, dtype=str, engine="openpyxl", nrows=rows, header=None, keep_default_na=False
            )
        elif suffix in (".csv", ".txt"):
            frame, encoding = _csv_read(path, rows)
        else:
            raise ImportsError(
                f"{label}: not a table file (expected one of {', '.join(TABLE_SUFFIXES)})"
            )
    except ImportsError:
        raise
    except UnicodeDecodeError as error:
        raise ImportsError(
            f"{label}: neither UTF-8 nor Windows-1252 text ({error.reason} at byte {error.start})"
        ) from None
    except (ValueError, OSError, KeyError, zipfile.BadZipFile, InvalidFileException) as error:
        raise ImportsError(f"{label}: cannot be read as a table ({error})") from None
    if frame.empty:
        raise ImportsError(f"{label}: cannot be read as a table (no header row)")
    header = [str(c).strip() for c in frame.iloc[0].fillna("")]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise ImportsError(f"{label}: column(s) named twice in the header: {', '.join(duplicated)}")
    frame = frame.iloc[1:]
    frame.columns = header
    frame = frame.fillna("").astype(str).apply(lambda column: column.str.strip())
    return Table(name=label, path=path, frame=frame.reset_index(drop=True), encoding=encoding)


def tables_bind(files: Sequence[Path], mapping: Mapping) -> tuple[dict[str, Table], list[str]]:
    """Read the files and give each its role; raises ImportsError naming every file problem.

    Returns the tables by role and the names of files no role uses (e.g. payments)."""
    tables: dict[str, Table] = {}
    unused: list[str] = []
    problems: list[Problem] = []
    for path in files:
        table = table_read(Path(path))
        role = role_of(mapping, table.name, table.columns)
        if role is None:
            unused.append(table.name)
        elif role in tables:
            problems.append(
                Problem(table.name, f"a second {role} file (the first is {tables[role].name})")
            )
        else:
            tables[role] = table
    for role, spec in mapping.files.items():
        table = tables.get(role)
        if table is None:
            if role in ("orders", "lines"):
                problems.append(Problem(role, f"no file plays the {role} role"))
            continue
        for field_name, column in spec.columns.items():
            if column not in table.columns:
                problems.append(
                    Problem(
                        f"{table.name}, column {column!r}",
                        f"mapped to {role}.{field_name} but not in the header "
                        f"(columns: {', '.join(table.columns)})",
                    )
                )
    if problems:
        raise ImportsError(problems)
    return tables, unused
