"""Reads of the live state of each DC: labour, backlog, throughput, equipment, environment
and hourly history, as they stand at the watermark (the newest event time the projector has
seen). "Today" is the UTC day of the watermark; rolling windows end at the watermark. A
DC's stock is stock_selectors', its equipment down and sensors out of range
incident_selectors'."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Sum,
)

from apps.live.incident_selectors import Excursion, Outage, excursions_by_dc, outages_by_dc
from apps.live.models import (
    DcHour,
    OrderProgress,
    ProjectorCheckpoint,
    WorkerPresence,
)
from apps.live.projection_rules import CHECKPOINT, HOUR, LABOUR_ROLES, hour_of
from apps.network.models import DistributionCenter, Shift
from apps.simulation import kpis
from apps.sources.models import Event

UTILISATION_WINDOW = timedelta(minutes=60)
DAY_WINDOW = timedelta(hours=24)
WINDOW_HOURS = UTILISATION_WINDOW.total_seconds() / 3600
SPARKLINE_HOURS = 24
# Below half a worker-hour clocked in over a 60-minute window the ratio says nothing about
# the floor: in the hour after a shift ends, the few minutes of the last workers finishing
# their tasks before clocking out are nearly all busy, and read as ~100% utilised (with a
# critical alert) while nobody is working. Half a worker-hour is less than any crew the
# demo enterprise runs keeps in an hour, and more than a couple of stragglers' minutes.
MIN_CLOCKED_S = 1800.0
UTILISATION_HELP = (
    "Labour utilisation: busy pick and pack labour-seconds ÷ clocked-in pick and pack "
    "labour-seconds over the last 60 minutes of event time, ending at the newest event seen. "
    "Loaders and supervisors do not count. Not measured when under half a worker-hour was "
    "clocked in over the window (the hour after a shift ends, say)."
)


@dataclass(frozen=True)
class DcState:
    dc: str
    name: str
    watermark: datetime | None
    workers_on_shift: dict[str, int]  # by role
    # Busy pick and pack labour-seconds ÷ clocked-in pick and pack labour-seconds over the
    # trailing window of event time ending at the watermark. None when too little labour was
    # clocked in to judge (see MIN_CLOCKED_S).
    labour_utilisation: float | None
    backlog_orders: int
    backlog_lines: int
    throughput_lines_per_hour: float  # lines picked over the trailing window, per hour
    pick_accuracy: float | None  # share of lines picked right over the last 24 hours
    # The same ratio over the last 24 hours of event time: the steady picture behind the
    # hour-to-hour swings, and what the imbalance between DCs is judged on.
    labour_utilisation_24h: float | None = None
    # Lines picked in each of the last 24 hours, oldest first, the watermark's hour last.
    lines_by_hour: tuple[int, ...] = ()
    outages: tuple[Outage, ...] = ()
    excursions: tuple[Excursion, ...] = ()
    band: str = "none"  # "high", "ok", "low" against the configured thresholds, or "none"


@dataclass(frozen=True)
class DcHourPoint:
    hour: datetime
    utilisation: float | None
    lines_picked: int
    backlog_orders: int  # at the end of the hour (or at the watermark, for the current one)


def watermark() -> datetime | None:
    checkpoint = ProjectorCheckpoint.objects.filter(name=CHECKPOINT).first()
    return checkpoint.watermark if checkpoint else None


def checkpoint_position() -> tuple[int, datetime | None]:
    """(last event id applied, watermark): where the live state stands in the log."""
    checkpoint = ProjectorCheckpoint.objects.filter(name=CHECKPOINT).first()
    return (checkpoint.last_event_id, checkpoint.watermark) if checkpoint else (0, None)


def thresholds() -> tuple[float, float]:
    """(high, low) utilisation thresholds as shares."""
    return settings.TWIN_UTILISATION_HIGH_PCT / 100, settings.TWIN_UTILISATION_LOW_PCT / 100


def band_of(utilisation: float | None) -> str:
    if utilisation is None:
        return "none"
    high, low = thresholds()
    if utilisation >= high:
        return "high"
    if utilisation <= low:
        return "low"
    return "ok"


def utilisation_of(busy_s: float, clocked_s: float) -> float | None:
    """Busy ÷ clocked labour-seconds over a window of up to an hour; None (not measured) when
    under MIN_CLOCKED_S was clocked in, so no gauge, band or alert claims a figure then."""
    if clocked_s < MIN_CLOCKED_S:
        return None
    return kpis.labour_utilisation(busy=busy_s, clocked=clocked_s)


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> float:
    return max(0.0, (min(a_end, b_end) - max(a_start, b_start)).total_seconds())


def midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), time(0), tzinfo=moment.tzinfo)


def _open_backlog(codes) -> dict[str, tuple[int, int]]:
    """Per DC, (orders, lines) released to the floor and not yet shipped or cancelled."""
    return {
        row["dc"]: (row["orders"], row["lines"] or 0)
        for row in OrderProgress.objects.filter(
            dc__in=codes,
            released_at__isnull=False,
            shipped_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .values("dc")
        .annotate(orders=Count("id"), lines=Sum("lines"))
    }


# Said on a DC's card in place of figures the event log cannot give it.
UNSTAFFED_NOTE = (
    "No shifts, labour standards, picks, clock-ins or sensor readings for this origin: "
    "the history shows only its orders, hand-offs and deliveries (a marketplace's sellers "
    "ship their own goods), so its utilisation, backlog, throughput and accuracy are unknown, "
    "not zero."
)


def unstaffed_dc_codes() -> set[str]:
    """DCs whose master data has no shifts and no pick standard: origins built from a
    history (a marketplace's seller regions) rather than warehouses the twin can staff."""
    return {code for code, _, unstaffed in _catalogue(None) if unstaffed}


def unmeasured_note(state: "DcState", unstaffed: set[str]) -> str | None:
    """UNSTAFFED_NOTE for an unstaffed DC with nothing measured now; else None."""
    measured = (
        state.workers_on_shift or any(state.lines_by_hour) or state.outages or state.excursions
    )
    return UNSTAFFED_NOTE if state.dc in unstaffed and not measured else None


@dataclass
class _Labour:
    """One DC's labour-seconds and lines over the trailing hour and the trailing day."""

    busy: float = 0.0
    clocked: float = 0.0
    lines: float = 0.0
    busy_24h: float = 0.0
    clocked_24h: float = 0.0
    on_shift: dict[str, int] = field(default_factory=dict)


def _labour_of(day_hours: list, present: list, at: datetime) -> _Labour:
    """Sum one DC's hourly rows (DcHour's fields) and the workers still clocked in
    (WorkerPresence's), over the windows ending at `at`; the sums run in the order the rows
    came, so every figure is reproducible."""
    start = at - UTILISATION_WINDOW
    day_start = hour_of(at) - DAY_WINDOW + HOUR
    labour = _Labour()
    for row in day_hours:
        if row.hour < start - HOUR:
            continue
        # A bucket holds what happened up to the watermark: share it by the part of its
        # elapsed time that falls inside the window.
        elapsed_end = min(row.hour + HOUR, at)
        elapsed = (elapsed_end - row.hour).total_seconds()
        # An hour that begins at the watermark holds only what happened at that instant.
        share = _overlap(row.hour, elapsed_end, start, at) / elapsed if elapsed > 0 else 1.0
        labour.busy += row.busy_s * share
        labour.clocked += row.clocked_s * share
        labour.lines += row.lines_picked * share
    labour.busy_24h = sum(row.busy_s for row in day_hours)
    labour.clocked_24h = sum(row.clocked_s for row in day_hours)
    for person in present:
        labour.on_shift[person.role] = labour.on_shift.get(person.role, 0) + 1
        if person.role in LABOUR_ROLES:
            labour.clocked += _overlap(person.clocked_in_at, at, start, at)
            labour.clocked_24h += _overlap(person.clocked_in_at, at, day_start, at)
    return labour


def _grouped(rows: list, codes: list[str]) -> dict[str, list]:
    """Rows by their DC, each DC's in the order they came."""
    by_dc: dict[str, list] = {code: [] for code in codes}
    for row in rows:
        by_dc[row.dc].append(row)
    return by_dc


@dataclass(frozen=True)
class DcReading:
    """Every DC's state, and which DCs are unstaffed (for their cards' notes): read together,
    because a live page needs both on every push."""

    states: list[DcState]
    unstaffed: set[str]


def _catalogue(dcs: set[str] | None) -> list[tuple[str, str, bool]]:
    """Each DC's code and name, and whether it is unstaffed (no shifts and no pick standard:
    see unstaffed_dc_codes), in code order: one query for both, as the projector reads
    this for every push. The open backlog stays a query of its own: as subqueries here it
    cost more than the two queries together."""
    catalogue = DistributionCenter.objects.order_by("code").annotate(
        unstaffed=ExpressionWrapper(
            Q(standard_pick_lines_per_hour__lte=0)
            & ~Exists(Shift.objects.filter(dc=OuterRef("pk"))),
            output_field=BooleanField(),
        )
    )
    if dcs is not None:
        catalogue = catalogue.filter(code__in=dcs)
    return list(catalogue.values_list("code", "name", "unstaffed"))


def dc_state_list(*, at: datetime | None = None, dcs: set[str] | None = None) -> list[DcState]:
    """Every DC's live state at `at` (default: the watermark, the newest event time seen)."""
    return dc_reading(at=at, dcs=dcs).states


@dataclass(frozen=True)
class _LiveRows:
    """The rows a DC's state and its hourly chart share, read once: hourly rows (DcHour's
    fields) from a start to the watermark and the workers clocked in, each by DC in the
    order they came, and the open backlog."""

    hours: dict[str, list]
    presence: dict[str, list]
    backlog: dict[str, tuple[int, int]]


def _rows_read(codes: list[str], *, since: datetime, at: datetime) -> _LiveRows:
    # Named tuples rather than model instances: a push reads about a hundred of these rows,
    # and building instances cost more than the query.
    hours = DcHour.objects.filter(dc__in=codes, hour__gte=since, hour__lte=at).values_list(
        "dc", "hour", "busy_s", "clocked_s", "lines_picked", "pick_errors", "orders_released",
        "orders_shipped", named=True,
    )  # fmt: skip
    presence = WorkerPresence.objects.filter(dc__in=codes, clocked_out_at__isnull=True).values_list(
        "dc", "role", "clocked_in_at", named=True
    )
    return _LiveRows(_grouped(hours, codes), _grouped(presence, codes), _open_backlog(codes))


def dc_reading(*, at: datetime | None = None, dcs: set[str] | None = None) -> DcReading:
    """Every DC's live state at `at` (default: the watermark), and the unstaffed DCs among
    them: six queries in all."""
    at = at or watermark()
    catalogue = _catalogue(dcs)
    if at is None:
        return _reading_of(catalogue, None, None)
    codes = [code for code, _, _ in catalogue]
    return _reading_of(catalogue, _rows_read(codes, since=_day_start(at), at=at), at)


def dc_detail(
    *, dc: str, at: datetime | None = None, hours: int = SPARKLINE_HOURS
) -> tuple[DcReading, list["DcHourPoint"]]:
    """One DC's state (as dc_reading) and its last `hours` hours (as dc_hours), from one
    read of the rows they share: a DC page's push, every second it is open."""
    at = at or watermark()
    catalogue = _catalogue({dc})
    if at is None:
        return _reading_of(catalogue, None, None), []
    since = min(_day_start(at), hour_of(at) - HOUR * (hours - 1))
    rows = _rows_read([dc], since=since, at=at)
    return _reading_of(catalogue, rows, at), _hour_points([dc], at, hours, rows)[dc]


def _day_start(at: datetime) -> datetime:
    return hour_of(at) - DAY_WINDOW + HOUR


def _reading_of(
    catalogue: list[tuple[str, str, bool]], rows: _LiveRows | None, at: datetime | None
) -> DcReading:
    unstaffed = {code for code, _, no_staff in catalogue if no_staff}
    if rows is None or at is None:
        return DcReading(
            [DcState(code, name, None, {}, None, 0, 0, 0.0, None) for code, name, _ in catalogue],
            unstaffed,
        )
    codes = [code for code, _, _ in catalogue]
    day_start = _day_start(at)
    outages, excursions = outages_by_dc(codes), excursions_by_dc(codes)
    states = []
    for code, name, _ in catalogue:
        day_hours = [row for row in rows.hours[code] if row.hour >= day_start]
        labour = _labour_of(day_hours, rows.presence[code], at)
        by_hour = {row.hour: row.lines_picked for row in day_hours}
        lines_24h = sum(row.lines_picked for row in day_hours)
        errors_24h = sum(row.pick_errors for row in day_hours)
        utilisation = utilisation_of(labour.busy, labour.clocked)
        backlog = rows.backlog.get(code, (0, 0))
        states.append(
            DcState(
                dc=code,
                name=name,
                watermark=at,
                workers_on_shift=dict(sorted(labour.on_shift.items())),
                labour_utilisation=utilisation,
                labour_utilisation_24h=kpis.labour_utilisation(
                    busy=labour.busy_24h, clocked=labour.clocked_24h
                ),
                lines_by_hour=tuple(
                    by_hour.get(day_start + HOUR * n, 0) for n in range(SPARKLINE_HOURS)
                ),
                backlog_orders=backlog[0],
                backlog_lines=backlog[1],
                throughput_lines_per_hour=labour.lines / WINDOW_HOURS,
                pick_accuracy=1 - errors_24h / lines_24h if lines_24h else None,
                outages=tuple(outages.get(code, ())),
                excursions=tuple(excursions.get(code, ())),
                band=band_of(utilisation),
            )
        )
    return DcReading(states, unstaffed)


def dc_hours(
    *, at: datetime | None = None, hours: int = SPARKLINE_HOURS, dcs: set[str] | None = None
) -> dict[str, list[DcHourPoint]]:
    """Per DC, the last `hours` hours up to the watermark's hour: utilisation, lines picked
    and the backlog at each hour's end (the current backlog, wound back by the releases and
    shipments since)."""
    at = at or watermark()
    codes = sorted(
        dcs if dcs is not None else set(DistributionCenter.objects.values_list("code", flat=True))
    )
    if at is None:
        return {code: [] for code in codes}
    rows = _rows_read(codes, since=hour_of(at) - HOUR * (hours - 1), at=at)
    return _hour_points(codes, at, hours, rows)


def _hour_points(
    codes: list[str], at: datetime, hours: int, read: _LiveRows
) -> dict[str, list[DcHourPoint]]:
    last = hour_of(at)
    first = last - HOUR * (hours - 1)
    series = {}
    for code in codes:
        rows = {row.hour: row for row in read.hours[code] if row.hour >= first}
        presence = [p for p in read.presence[code] if p.role in LABOUR_ROLES]
        # Hours start on the hour, so the rows up to the watermark are those up to its hour:
        # the flows after the first hour's end are the rows read, less the first.
        after = [row for hour, row in rows.items() if hour >= first + HOUR]
        released_after = sum(row.orders_released for row in after)
        shipped_after = sum(row.orders_shipped for row in after)
        backlog = read.backlog.get(code, (0, 0))[0] - released_after + shipped_after
        points = []
        for n in range(hours):
            hour = first + HOUR * n
            row = rows.get(hour)
            end = min(hour + HOUR, at)
            clocked = (row.clocked_s if row else 0.0) + sum(
                _overlap(p.clocked_in_at, at, hour, end) for p in presence
            )
            busy = row.busy_s if row else 0.0
            if row is not None and n > 0:  # the first hour's flows are in `backlog` already
                backlog += row.orders_released - row.orders_shipped
            points.append(
                DcHourPoint(
                    hour=hour,
                    utilisation=utilisation_of(busy, clocked),
                    lines_picked=row.lines_picked if row else 0,
                    backlog_orders=max(backlog, 0),
                )
            )
        series[code] = points
    return series


def latest_events(*, dc: str, limit: int = 20) -> list[Event]:
    return list(Event.objects.filter(dc=dc).order_by("-id")[:limit])
