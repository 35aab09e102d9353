"""One vocabulary: the live view, decision tracking and the engine's accounting, fed the same
constructed history, report the same OTIF and the same labour utilisation."""

from datetime import datetime, time, timedelta

import pytest
import salabim as sim

from apps.decisions.prediction import prediction_read
from apps.decisions.tracking import tracking_report
from apps.live.models import DcHour
from apps.live.network_selectors import network_kpis
from apps.live.projector import project_pending
from apps.live.selectors import dc_state_list
from apps.live.settled_days import project_zone
from apps.simulation import kpis
from apps.simulation.actors import environment
from apps.simulation.crews import Crew
from apps.simulation.labour import CrewChange
from apps.simulation.report import crew_by_hour, hourly_point
from apps.simulation.runtime import DcRuntime
from tests.live.stream import T0, at, clock, happened, ingest
from tests.live.test_lanes_stock_customers import order, shipment_events

# Two pickers on 08:00–10:00 (T0 is 08:00). P1 picks 08:15–08:45 for SO-C, with a pick
# error; P2 picks 09:30–10:15 for SO-A: its last 15 minutes are after its clock-out.
PICKS = [("P1", "SO-C", 15, 30, True), ("P2", "SO-A", 90, 45, False)]  # start, minutes
SHIFT_END = 120
# Orders due at 18:00 on the first day, and one due the next day (outside the window):
# order id -> (due, delivered or None, cancelled at or None), in minutes after T0.
ORDERS = {
    "SO-A": (600, 300, None),  # on time, in full, no error: the one success
    "SO-B": (600, 700, None),  # late
    "SO-C": (600, 300, None),  # on time, but picked with an error
    "SO-D": (600, None, 400),  # cancelled: lost
    "SO-E": (600, None, None),  # still not delivered when due
    "SO-F": (1500, None, None),  # due after the window
}
WATERMARK = 1030  # 01:10 the next day: the first day has settled for tracking
BUSY_S = 30 * 60 + 45 * 60
CLOCKED_S = 2 * SHIFT_END * 60 + 15 * 60  # two shifts, and 15 minutes of overtime


def _live_history() -> None:
    events = [clock(p, "picker", "in", 0) for p in ("P1", "P2")]
    for order_id, (due, _, _) in ORDERS.items():
        events.append(order(order_id, 0, due_minutes=due))
    ingest(*events)
    ingest(*[clock(p, "picker", "out", SHIFT_END) for p in ("P1", "P2")])
    for picker, order_id, start, minutes, error in PICKS:
        ingest(happened("wms.pick_completed", start + minutes, order_id=order_id, dc="NE",
                        picker_id=picker, started_at=at(start), duration_s=minutes * 60,
                        error=error))  # fmt: skip
    for n, (order_id, (_, delivered, cancelled)) in enumerate(ORDERS.items()):
        if delivered is not None:
            ingest(*shipment_events(order_id, f"SH-{n}", picked_up=200, eta=delivered,
                                    delivered=delivered))  # fmt: skip
        if cancelled is not None:
            ingest(happened("erp.order_cancelled", cancelled, order_id=order_id))
    ingest(happened("iot.reading", WATERMARK))
    project_pending()


def _engine_utilisation() -> float:
    """The engine's labour accounting, run on the same shift and picks (hours after T0)."""
    env = environment(seed=1)
    timeline = [CrewChange(0.0, 2, 0), CrewChange(SHIFT_END / 60, 0, 0)]
    dc = DcRuntime("NE")
    common = {"env": env, "on_start": None, "on_done": lambda job, now: None,
              "warmup_h": 0.0, "horizon_h": 24.0}  # fmt: skip
    dc.pick = Crew(size=2, duration_of=lambda minutes: minutes / 60, **common)
    dc.pack = Crew(size=0, duration_of=lambda minutes: 0.0, **common)
    dc.crew_by_hour = crew_by_hour(timeline, 24.0)

    class Floor(sim.Component):
        def process(self):
            dc.pick.resize(2, 0.0)
            for _, _, start, minutes, _ in PICKS:
                yield self.hold(till=start / 60)
                dc.pick.enqueue(minutes, start / 60)
            yield self.hold(till=SHIFT_END / 60)
            dc.pick.resize(0, SHIFT_END / 60)

    Floor(env=env)
    env.run(till=24.0)
    hours = [hourly_point(h, dc, 0) for h in range(24)]
    assert max(p.labour_utilisation for p in hours) <= 1.0
    busy = sum(p.labour_utilisation * p.clocked_hours for p in hours)
    return kpis.labour_utilisation(busy=busy, clocked=sum(p.clocked_hours for p in hours))


def _engine_otif() -> float:
    """The engine's OTIF count, fed the same orders (hours after T0; the first day's window)."""
    window_end = datetime.combine(T0.date(), time(), T0.tzinfo) + timedelta(days=1) - T0
    count = kpis.OtifCount(start=0.0, end=window_end.total_seconds() / 3600)
    errors = {order_id: int(error) for _, order_id, _, _, error in PICKS}
    for order_id, (due, delivered, cancelled) in ORDERS.items():
        count.order_created(due=due / 60)
        if delivered is not None and cancelled is None:
            count.order_delivered(due=due / 60, delivered=delivered / 60,
                                  pick_errors=errors.get(order_id, 0))  # fmt: skip
    return count.otif


def test_live_tracking_and_engine_report_the_same_otif_and_utilisation(demo_network):
    _live_history()
    utilisation, otif = BUSY_S / CLOCKED_S, 1 / 5

    # No hour of the live projection has more busy than clocked time, the overtime included.
    rows = DcHour.objects.filter(dc="NE", clocked_s__gt=0)
    assert sum(r.clocked_s for r in rows) == pytest.approx(CLOCKED_S)
    assert all(r.busy_s <= r.clocked_s + 1e-6 for r in DcHour.objects.filter(dc="NE"))

    [ne] = dc_state_list(dcs={"NE"})
    assert ne.labour_utilisation_24h == pytest.approx(utilisation)
    live = network_kpis()
    assert live.otif_7d == pytest.approx(otif) and live.due_7d == 5

    zone = project_zone()
    since = datetime.combine(T0.astimezone(zone).date(), time(), zone)
    band = {"mean": 0.5, "low": 0.0, "high": 1.0}
    predicted = prediction_read({"days": 1, "daily": {"dc.NE.labour_utilisation": [band]},
                                 "horizon": {"network.otif": band}})  # fmt: skip
    report = tracking_report(predicted=predicted, since=since, at=T0 + timedelta(minutes=WATERMARK),
                             shifts=[])  # fmt: skip
    assert report.settled_days == 1
    assert report.daily[0].days[0].actual == pytest.approx(utilisation)
    [tracked_otif] = report.horizon
    assert tracked_otif.actual == pytest.approx(otif)

    assert _engine_utilisation() == pytest.approx(utilisation)
    assert _engine_otif() == pytest.approx(otif)
