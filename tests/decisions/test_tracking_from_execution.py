"""Tracking starts at execution, in event time: nothing from before it is judged, a day
settles an hour after its last shift once the twin's clock has passed that, and the verdict
waits for three settled days and allows the misses a right model makes by chance."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from apps.decisions.models import Decision
from apps.decisions.prediction import Band, prediction_read
from apps.decisions.services import decision_act, recommendation_create
from apps.decisions.tracking import tracking_report
from apps.decisions.verdict import outside_allowance
from apps.live.models import CostDay, DcHour, OrderProgress, ProjectorCheckpoint
from apps.live.projection_rules import CHECKPOINT
from apps.live.settled_days import (
    ShiftHours,
    settle_time,
    settled_count,
    shift_hours,
    tracked_days,
    tracking_start,
)

MONDAY = datetime(2026, 11, 9, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)
BAND = {"mean": 0.78, "low": 0.70, "high": 0.86}
WEEKDAYS = "1111100"
# The demo network's longest weekday shift: MW's evening, 15:00 for 10 h, ends at 01:00.
SHIFTS = [
    ShiftHours("NE", time(6), 7.5, WEEKDAYS),
    ShiftHours("MW", time(15), 10.0, WEEKDAYS),
    ShiftHours("MW", time(7), 8.5, "0000011"),
]


def _predicted(days: int = 5, band: dict = BAND) -> dict:
    return {
        "days": days,
        "daily": {"dc.NE.labour_utilisation": [band] * days},
        "horizon": {
            "network.otif": {"mean": 0.92, "low": 0.85, "high": 1.0},
            "network.cost_per_order_usd": {"mean": 6.0, "low": 5.5, "high": 6.5},
            "network.orders_lost_per_day": {"mean": 1.0, "low": 0.5, "high": 1.5},
        },
    }


def _work(dc: str, day_start: datetime, share: float) -> list[DcHour]:
    """Ten clocked hours, busy `share` of each, shipping 10 orders an hour."""
    return [
        DcHour(
            dc=dc,
            hour=day_start + (8 + h) * H,
            busy_s=share * 3600,
            clocked_s=3600,
            orders_shipped=10,
        )
        for h in range(10)
    ]


def _orders(prefix: str, day_start: datetime, *, late: int, on_time: int, lost: int) -> None:
    due = day_start + 20 * H
    rows = [
        OrderProgress(
            order_id=f"{prefix}-{n}", due_at=due, delivered_at=due + (H if n < late else -H)
        )
        for n in range(late + on_time)
    ]
    rows += [
        OrderProgress(order_id=f"{prefix}-x{n}", cancelled_at=day_start + 12 * H)
        for n in range(lost)
    ]
    OrderProgress.objects.bulk_create(rows)


def test_tracking_starts_at_the_next_midnight_after_the_twins_clock(settings):
    assert tracking_start(MONDAY + 13 * H) == MONDAY + D
    assert tracking_start(MONDAY) == MONDAY + D  # a day already begun is not a full day
    # Days are the project's days: in New York, the night the clocks go back is 25 hours.
    settings.TIME_ZONE = "America/New_York"
    new_york = ZoneInfo("America/New_York")
    start = tracking_start(datetime(2026, 10, 31, 22, tzinfo=new_york))
    assert start == datetime(2026, 11, 1, tzinfo=new_york)
    assert start.astimezone(UTC) == datetime(2026, 11, 1, 4, tzinfo=UTC)
    [first, second] = tracked_days(since=start, days=2, shifts=[], overtime={})
    assert second.start - first.start == 25 * H  # both in UTC: real hours, not wall-clock


def test_a_day_settles_an_hour_after_its_last_shift_once_the_clock_has_passed(demo_network):
    # Monday's last shift ends Tuesday 01:00: it settles at 02:00, not 12 hours later.
    monday_settles = MONDAY + D + 2 * H
    assert settle_time(MONDAY, shifts=shift_hours(), overtime={}) == monday_settles
    assert settle_time(MONDAY, shifts=SHIFTS, overtime={}) == monday_settles
    # Two hours of overtime at MW extend its last shift, and the wait.
    assert settle_time(MONDAY, shifts=SHIFTS, overtime={"MW": 2.0}) == monday_settles + 2 * H
    # A Saturday's weekend shift ends at 15:30, so the day's own end (and an hour) rules.
    saturday = MONDAY + 5 * D
    assert settle_time(saturday, shifts=SHIFTS, overtime={}) == saturday + D + H
    days = tracked_days(since=MONDAY, days=3, shifts=SHIFTS, overtime={})
    assert settled_count(days, watermark=monday_settles - timedelta(seconds=1)) == 0
    assert settled_count(days, watermark=monday_settles) == 1
    assert settled_count(days, watermark=None) == 0  # no event seen: nothing settles
    assert settled_count(days, watermark=MONDAY + 3 * D + 2 * H) == 3


def test_nothing_from_before_tracking_from_is_judged(db):
    since = MONDAY + D
    # The day before execution ran hot, late and short of stock: none of it may count.
    DcHour.objects.bulk_create(_work("NE", MONDAY, 0.99) + _work("NE", since, 0.80))
    _orders("before", MONDAY, late=10, on_time=0, lost=9)
    _orders("after", since, late=1, on_time=9, lost=1)
    # $6 an order on the tracked day; far more before it, and on the day still settling.
    for day, usd in ((MONDAY, 9000), (since, 600), (since + D, 9000)):
        CostDay.objects.create(day=day.date(), category="labour", amount_usd=usd)
    report = tracking_report(
        predicted=prediction_read(_predicted()), since=since, at=since + D + 2 * H, shifts=SHIFTS
    )
    assert report.settled_days == 1
    [ne] = report.daily
    assert [(d.day, d.start, round(d.actual, 2), d.inside) for d in ne.days] == [
        (1, since, 0.80, True)
    ]
    otif, cost, lost = report.horizon
    assert otif.actual == pytest.approx(0.9) and otif.inside
    assert otif.verdict == "OTIF so far (1 settled day) 90%: inside the predicted 85%–100%"
    assert cost.actual == pytest.approx(6.0) and cost.inside
    # One day at 0.5–1.5 lost a day: a Poisson count between 0 and 4 fits.
    assert (lost.actual, lost.predicted.low, lost.predicted.high) == (1.0, 0, 4)
    assert lost.verdict == "Orders lost so far (1 settled day) 1: inside the predicted 0–4"
    # Before its first day settles, nothing at all is compared.
    early = tracking_report(
        predicted=prediction_read(_predicted()), since=since, at=since + D + H, shifts=SHIFTS
    )
    assert early.settled_days == 0 and early.horizon == []
    assert early.daily[0].verdict == "NE utilisation: no settled day to compare yet"
    assert early.verdict == "Too early to judge: 0 of 3 days settled."
    assert early.next_settle_text == "Day 1 settles at Wed 11 Nov 2026, 02:00 UTC (event time)."


@pytest.fixture
def three_days(db):
    """NE at 80%, 95%, 75% on days 1-3 from Monday; every order on time, none lost."""
    rows = []
    for day, share in enumerate((0.80, 0.95, 0.75)):
        rows += _work("NE", MONDAY + day * D, share)
        _orders(f"d{day}", MONDAY + day * D, late=0, on_time=10, lost=1)
    DcHour.objects.bulk_create(rows)


def _verdict(at: datetime, band: dict = BAND) -> str:
    return tracking_report(
        predicted=prediction_read(_predicted(band=band)), since=MONDAY, at=at, shifts=SHIFTS
    ).verdict


def test_the_verdict_waits_for_three_settled_days_then_allows_chance_misses(three_days):
    settles = [MONDAY + n * D + 2 * H for n in (1, 2, 3)]
    assert _verdict(MONDAY + 12 * H) == "Too early to judge: 0 of 3 days settled."
    assert _verdict(settles[1]) == "Too early to judge: 2 of 3 days settled."
    # Five figures (three days, OTIF and orders lost; no cost posted): one miss fits.
    assert _verdict(settles[2]) == (
        "The prediction holds so far: 1 of 5 figures outside the 95% interval "
        "(NE utilisation day 2); a right model misses up to 1 of 5 by chance."
    )
    # A narrower band misses days 2 and 3: more than chance allows.
    assert _verdict(settles[2], band={"mean": 0.8, "low": 0.78, "high": 0.85}) == (
        "The prediction does not hold: 2 of 5 figures outside the 95% interval "
        "(NE utilisation day 2; NE utilisation day 3), more than the 1 of 5 a right model "
        "would miss by chance."
    )


def test_the_allowance_is_the_smallest_count_chance_exceeds_less_than_5_percent():
    # P(X > k) for X ~ Bin(n, 5%): one check misses with exactly 5%, which is not below 5%.
    assert outside_allowance(0) == 0
    assert outside_allowance(1) == 1
    assert outside_allowance(3) == 1  # P(X > 0) = 14.3%, P(X > 1) = 0.7%
    assert outside_allowance(7) == 1  # P(X > 1) = 4.4%
    assert outside_allowance(8) == 2  # P(X > 1) = 5.7%, P(X > 2) = 0.6%
    assert outside_allowance(10) == 2  # P(X > 1) = 8.6%, P(X > 2) = 1.2%
    assert outside_allowance(20) == 3  # P(X > 2) = 7.5%, P(X > 3) = 1.6%
    with pytest.raises(ValueError, match="checks: must not be negative"):
        outside_allowance(-1)


def test_each_day_is_held_against_the_predicted_day_of_its_weekday(db):
    weekday, weekend = BAND, {"mean": 0.4, "low": 0.3, "high": 0.5}
    weekday_band, weekend_band = Band(**weekday), Band(**weekend)
    week = _predicted(days=7) | {"first_weekday": 0}  # Monday to Sunday
    week["daily"] = {"dc.NE.labour_utilisation": [weekday] * 5 + [weekend] * 2}
    saturday = MONDAY + 5 * D
    DcHour.objects.bulk_create(_work("NE", saturday, 0.40) + _work("NE", saturday + D, 0.45))
    report = tracking_report(
        predicted=prediction_read(week), since=saturday, at=saturday + 2 * D + H
    )
    [ne] = report.daily
    # Tracked days 1 and 2 are a Saturday and a Sunday: the prediction's days 6 and 7.
    assert [(d.predicted, d.inside) for d in ne.days] == [(weekend_band, True)] * 2
    assert ne.bands == [weekend_band] * 2 + [weekday_band] * 5
    # A two-day prediction from a Monday has no Saturday to hold one against: not judged.
    short = _predicted(days=2) | {"first_weekday": 0}
    [ne] = tracking_report(
        predicted=prediction_read(short), since=saturday, at=saturday + 2 * D + H
    ).daily
    assert [d.inside for d in ne.days] == [None, None]
    # Nor a Wednesday: a working day is held against the nearest predicted working day.
    wednesday = MONDAY + 2 * D
    DcHour.objects.bulk_create(_work("NE", wednesday, 0.40))
    [ne] = tracking_report(
        predicted=prediction_read(short), since=wednesday, at=wednesday + D + H
    ).daily
    assert [(d.predicted, d.inside) for d in ne.days] == [(weekday_band, False)]
    # One kept before weekdays were: day by day.
    old = _predicted(days=2)
    [ne] = tracking_report(
        predicted=prediction_read(old), since=saturday, at=saturday + 2 * D + H
    ).daily
    assert [d.predicted for d in ne.days] == [weekday_band] * 2


def _watermark(at: datetime) -> None:
    ProjectorCheckpoint.objects.update_or_create(name=CHECKPOINT, defaults={"watermark": at})


@pytest.mark.slow  # a finished comparison to recommend from: ~13 s of setup
def test_the_decision_page_shows_settled_days_the_figures_so_far_and_the_verdict(
    finished_comparison, people, client
):
    decision = recommendation_create(comparison=finished_comparison, user=people["planner"])
    decision_act(decision.pk, actor=people["planner"], action="propose")
    decision_act(decision.pk, actor=people["approver"], action="approve", comment="go")
    _watermark(MONDAY + 13 * H)  # the twin's clock at execution: Monday afternoon
    decision = decision_act(decision.pk, actor=people["planner"], action="execute")
    tuesday = MONDAY + D
    assert decision.tracking_from == tuesday
    # The comparison ran from its snapshot on Tuesday 3 November 00:00 with a day's warm-up:
    # its one whole predicted day is Wednesday's.
    assert decision.recommended.predicted.first_weekday == 2
    assert decision.audit.last().comment == "tracking from Tue 10 Nov 2026, 00:00 UTC (event time)"
    # A known prediction to hold the days against (the comparison's predicts one day).
    recommendation = decision.recommendation | {"predicted": _predicted()}
    Decision.objects.filter(pk=decision.pk).update(recommendation=recommendation)
    rows = _work("NE", MONDAY, 0.99)  # before tracking: never shown, never judged
    for day, share in enumerate((0.80, 0.95, 0.75)):
        rows += _work("NE", tuesday + day * D, share)
    DcHour.objects.bulk_create(rows)
    client.force_login(people["planner"])
    url = reverse("decisions:detail", args=[decision.pk])

    _watermark(tuesday + 2 * D + 2 * H)  # Tuesday and Wednesday settled
    page = client.get(url).content.decode()
    assert re.search(r"live state at \w{3} \d+ \w{3} \d{4}, \d\d:\d\d UTC \(event time\)", page)
    assert 'Tracking from <strong data-field="tracking-from">Tue 10 Nov 2026, 00:00 UTC' in page
    assert "Too early to judge: 2 of 3 days settled." in page
    assert "Day 3 settles at Fri 13 Nov 2026, 02:00 UTC (event time)." in page
    assert "Day 1 (Tue 10 Nov)" in page and "Day 2 (Wed 11 Nov)" in page
    assert "Day 3 (Thu 12 Nov)" not in page and "99%" not in page
    assert "So far (2 settled days)" in page and "Orders lost" in page

    _watermark(tuesday + 3 * D + 2 * H)
    page = client.get(url).content.decode()
    assert "Day 3 (Thu 12 Nov)" in page
    assert (
        "NE utilisation: 2 of 3 days inside the prediction; day 2 above (95% against 70–86%)"
        in page
    )
    assert "The prediction holds so far: 1 of 4 figures outside the 95% interval" in page
