"""Reading event files (NDJSON, CSV) into batches for the same path the API uses."""

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from apps.sources.json_input import JsonInputError, json_parse
from apps.sources.validation import MalformedItem

CSV_COLUMNS = ("event_id", "source", "type", "occurred_at", "payload")


class ImportFileError(ValueError):
    pass


def _ndjson_items(handle) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            yield number, json_parse(line)
        except JsonInputError as error:
            where = f"line {number}" + (f" column {error.column}" if error.column else "")
            yield number, MalformedItem(line.rstrip("\n"), f"{where}: {error.reason}")


def _csv_items(handle) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(handle)
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ImportFileError(f"CSV header lacks column(s): {', '.join(missing)}")
    for row in reader:
        number = reader.line_num
        try:
            payload = json_parse(row["payload"] or "")
        except JsonInputError as error:
            reason = f"line {number}: payload is not JSON: {error.reason}"
            yield number, MalformedItem(json.dumps(row), reason)
            continue
        yield number, {**{c: row[c] for c in CSV_COLUMNS if c != "payload"}, "payload": payload}


def read_batches(
    path: Path, *, batch_size: int = 1000
) -> Iterator[tuple[list[Any], list[int], int]]:
    """Yield (items, their line numbers, bytes read so far) in batches, NDJSON or CSV by suffix."""
    if not path.is_file():
        raise ImportFileError(f"no such file: {path}")
    reader = _csv_items if path.suffix.lower() == ".csv" else _ndjson_items
    with path.open(encoding="utf-8", newline="") as handle:
        items, lines = [], []
        for number, item in reader(handle):
            items.append(item)
            lines.append(number)
            if len(items) == batch_size:
                yield items, lines, handle.buffer.tell() if hasattr(handle, "buffer") else 0
                items, lines = [], []
        if items:
            yield items, lines, path.stat().st_size
