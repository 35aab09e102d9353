"""Utilisation is not measured on a handful of clocked-in minutes: in the hour after a shift
ends, the last workers finishing their tasks before clocking out are nearly all busy, and used
to read as 100% utilised, with a critical alert, while nobody was working."""

from datetime import timedelta

import pytest

from apps.live.network_selectors import alert_list
from apps.live.projection_rules import HOUR
from apps.live.projector import project_pending
from apps.live.selectors import dc_hours, dc_state_list
from tests.live.stream import T0, clock, happened, ingest, pick


def ne_at(minutes: float):
    return dc_state_list(at=T0 + timedelta(minutes=minutes), dcs={"NE"})[0]


def test_the_hour_after_a_shift_ends_is_not_measured_nor_alerted(demo_network):
    # Three pickers from 08:00 to 10:00; two finish at 10:00, the third finishes a pick at
    # 10:05 and clocks out then. The newest event is at 11:00.
    ingest(*[clock(p, "picker", "in", 0) for p in ("P1", "P2", "P3")])
    ingest(*[pick(10 + 10 * i, 420) for i in range(11)])
    ingest(pick(120, 300), pick(120, 300), pick(125, 600))
    ingest(clock("P1", "picker", "out", 120), clock("P2", "picker", "out", 120),
           clock("P3", "picker", "out", 125), happened("iot.reading", 180))  # fmt: skip
    project_pending()
    [ne] = dc_state_list(dcs={"NE"})
    # 5 clocked-in minutes in the window 10:00–11:00, every one of them busy: 100%.
    assert ne.workers_on_shift == {}
    assert ne.labour_utilisation is None and ne.band == "none"
    assert [a for a in alert_list([ne], []) if a.kind in ("utilisation", "data quality")] == []
    # The 24-hour figure keeps its meaning: busy over clocked across the whole shift.
    assert ne.labour_utilisation_24h == pytest.approx((11 * 420 + 1200) / (2 * 7200 + 7500))
    hourly = {p.hour: p.utilisation for p in dc_hours(dcs={"NE"}, hours=3)["NE"]}
    assert hourly[T0 + HOUR] == pytest.approx((5 * 420 + 900) / (3 * 3600))
    assert hourly[T0 + 2 * HOUR] is None  # 10:00–11:00: 5 clocked minutes, all busy


def test_utilisation_is_measured_from_half_a_worker_hour_clocked_in(demo_network):
    ingest(clock("P1", "picker", "in", 0), pick(20, 600))
    project_pending()
    assert ne_at(29).labour_utilisation is None  # 29 worker-minutes
    assert ne_at(31).labour_utilisation == pytest.approx(600 / (31 * 60))
    hourly = dc_hours(at=T0 + timedelta(minutes=29), dcs={"NE"}, hours=1)["NE"]
    assert hourly[0].utilisation is None
