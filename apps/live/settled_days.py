"""When a day of the live state has settled (all its labour, deliveries and costs are in), in
event time: which days of an executed decision are tracked, and which whole days a
comparison's back-test can hold the twin against. It lives with the live state because
settling is a property of how the projector credits DcHour rows.

Tracking starts at the next operating day after execution: the first midnight (in the
project's time zone, the one DcHour and CostDay rows are bucketed in) after the twin's
event-time clock. The demo enterprise carries out an executed decision from its next
midnight too, so every tracked day is a day lived under the decision, and nothing measured
before it is ever judged.

A tracked day settles one hour after the later of its end and the end of the last shift
that works in it (overtime included), and only once the live watermark has passed that
point. That is enough because the projector credits a worker's clocked and busy time when
they clock out, which the world does as the shift ends: once the last shift working in a
day has ended, every labour-second of that day is on its DcHour rows, and deliveries and
cost postings of the day are dated by the day itself. The hour's margin absorbs feeds that
report a little late in event time; the watermark condition means the twin has actually
seen events up to that point, not merely that the wall clock says so.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from apps.network.models import Shift

DAY = timedelta(days=1)
SETTLE_MARGIN = timedelta(hours=1)


@dataclass(frozen=True)
class ShiftHours:
    """One shift of the weekly pattern, as far as settling needs it."""

    dc: str
    starts_at: time
    hours: float
    weekdays: str  # Mon..Sun, "1" where the shift runs

    def runs_on(self, day: date) -> bool:
        return self.weekdays[day.weekday()] == "1"


@dataclass(frozen=True)
class TrackedDay:
    number: int  # 1 = the first operating day after execution
    start: datetime
    settles_at: datetime

    @property
    def end(self) -> datetime:
        return _midnight_after(self.start)

    @property
    def weekday(self) -> int:
        """Monday 0, in the project's time zone."""
        return self.start.astimezone(project_zone()).weekday()


def project_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _midnight_after(moment: datetime) -> datetime:
    """The first midnight strictly after `moment` in the project's time zone, in UTC. Built
    from the calendar date (a day is 23 or 25 hours when the clocks change), and returned in
    UTC because Python adds and subtracts wall-clock time within one zone."""
    local = moment.astimezone(project_zone())
    return _utc(local.date() + DAY, time.min)


def _utc(day: date, at: time) -> datetime:
    """The moment `at` o'clock on `day` in the project's time zone, in UTC."""
    return datetime.combine(day, at, tzinfo=project_zone()).astimezone(UTC)


def tracking_start(event_time: datetime) -> datetime:
    """When tracking of a decision executed at `event_time` (the twin's clock) starts: the
    start of the next operating day."""
    return _midnight_after(event_time)


def event_time_text(moment: datetime) -> str:
    """A moment of event time for people: "Mon 9 Nov 2026, 00:00 UTC"."""
    local = moment.astimezone(project_zone())
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def shift_hours() -> list[ShiftHours]:
    """Every DC's weekly shift pattern, from the network."""
    return [
        ShiftHours(dc, starts_at, float(hours), weekdays)
        for dc, starts_at, hours, weekdays in Shift.objects.values_list(
            "dc__code", "starts_at", "hours", "weekdays"
        )
    ]


def overtime_by_dc(interventions: list[dict]) -> dict[str, float]:
    """Hours of overtime a day the decision adds to each DC's last shift."""
    return {
        item["dc"]: float(item["hours_per_day"])
        for item in interventions
        if item.get("kind") == "Overtime"
    }


def _last_shift_end(day: date, shifts: list[ShiftHours], overtime: dict[str, float]) -> datetime:
    """The latest end of a shift working in `day`: its own shifts, and yesterday's that run
    past midnight (a night shift's clock-outs credit the hours it worked in `day`). Overtime
    extends each DC's last shift of a day, as the simulation models it."""
    ends = []
    for shift_day in (day - DAY, day):
        for dc in {s.dc for s in shifts}:
            running = [s for s in shifts if s.dc == dc and s.runs_on(shift_day)]
            if not running:
                continue
            last_start = max(s.starts_at for s in running)
            for s in running:
                extra = overtime.get(dc, 0.0) if s.starts_at == last_start else 0.0
                ends.append(_utc(shift_day, s.starts_at) + timedelta(hours=s.hours + extra))
    day_start = _utc(day, time.min)
    return max((end for end in ends if end > day_start), default=day_start)


def settle_time(
    day_start: datetime, *, shifts: list[ShiftHours], overtime: dict[str, float]
) -> datetime:
    """When the day starting at `day_start` settles: an hour after the later of its end and
    its last shift's end."""
    day = day_start.astimezone(project_zone()).date()
    latest = max(_midnight_after(day_start), _last_shift_end(day, shifts, overtime))
    return latest + SETTLE_MARGIN


def tracked_days(
    *, since: datetime, days: int, shifts: list[ShiftHours], overtime: dict[str, float]
) -> list[TrackedDay]:
    """The horizon's days from `since` (a midnight), each with its settle time."""
    out = []
    start = since.astimezone(UTC)
    for number in range(1, days + 1):
        out.append(TrackedDay(number, start, settle_time(start, shifts=shifts, overtime=overtime)))
        start = _midnight_after(start)
    return out


def settled_count(days: list[TrackedDay], *, watermark: datetime | None) -> int:
    """How many days, in order from day 1, the twin's clock has settled. Days settle in
    order: a later day never counts while an earlier one waits."""
    count = 0
    for day in days:
        if watermark is None or watermark < day.settles_at:
            break
        count += 1
    return count
