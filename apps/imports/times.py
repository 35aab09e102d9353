"""Time columns of an imported file: read as time zone-aware moments in the mapping's time
zone, and written back as ISO 8601 with their UTC offset."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from apps.imports.mapping import Mapping
from apps.imports.reading import Table

# A promise given as a date is kept until the end of that local day: 23:59:59.
END_OF_DAY = timedelta(hours=23, minutes=59, seconds=59)


def times_read(table: Table, column: str, mapping: Mapping, fmt: str | None,
           *, end_of_day: bool = False) -> pd.Series:  # fmt: skip
    """A time column as tz-aware timestamps (NaT where empty or unreadable).

    end_of_day: a date means until the end of that local day (a promised delivery date)."""
    text = table.frame[column]
    cells = text.where(text != "")
    tz = ZoneInfo(mapping.timezone)
    try:
        parsed = pd.to_datetime(cells, format=fmt or "ISO8601", errors="coerce")
    except ValueError:  # ISO times with different UTC offsets: one instant each
        parsed = pd.to_datetime(cells, format=fmt or "ISO8601", errors="coerce", utc=True)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(tz)
        if not end_of_day:
            return parsed
        parsed = parsed.dt.tz_localize(None)  # the local wall time, to move to the day's end
    if end_of_day:
        parsed = parsed.dt.normalize() + END_OF_DAY
    # Local times: a time in the hour skipped when clocks go forward is moved past it; one in
    # the hour repeated when they go back is read as the first (daylight) of the two.
    return parsed.dt.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")


def iso_texts(moments: pd.Series) -> list[str | None]:
    """ISO 8601 with the UTC offset (2018-03-01T10:00:00-03:00), written for the whole column
    at once: an import writes tens of thousands, and one by one it would take seconds (so
    would strftime's %z, which formats each time zone-aware value on its own)."""
    if moments.dt.microsecond.fillna(0).any():
        return [None if pd.isna(m) else m.isoformat() for m in moments]
    wall = moments.dt.tz_localize(None)
    offsets = (wall - moments.dt.tz_convert("UTC").dt.tz_localize(None)).dt.total_seconds()
    suffix = {seconds: _offset_text(seconds) for seconds in offsets.dropna().unique()}
    texts = wall.dt.strftime("%Y-%m-%dT%H:%M:%S")
    return [
        None if pd.isna(text) else text + suffix[seconds]
        for text, seconds in zip(texts, offsets, strict=True)
    ]


def _offset_text(seconds: float) -> str:
    sign = "-" if seconds < 0 else "+"
    minutes = round(abs(seconds)) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
