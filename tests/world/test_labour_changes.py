"""Labour decisions carried out on the world's floors: crews hired and cut, overtime on the
day's last shift, and the payroll that pays them, against the same world left unchanged."""

import dataclasses
import typing
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.simulation import interventions
from apps.sources.schemas import PAYLOADS
from apps.world.changes import ChangeError, change_from_fields, parse_change
from apps.world.counterparts.labour import ChangeHeadcount, Overtime
from apps.world.enterprise import Emulator
from apps.world.network import demo_network

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
DAYS = 2.25  # Monday, Tuesday and the small hours of Wednesday
SEED = 23
CHANGES = [
    # Decided mid-shift: hires start with the shift's next start, on Tuesday.
    "day=0.5 kind=ChangeHeadcount dc=NE role=pickers delta=3 shift=Day",
    # Decided while Monday's evening crew works: the two leave once that shift is over.
    "day=0.7 kind=ChangeHeadcount dc=NE role=packers delta=-2 shift=Evening",
    "day=1 kind=Overtime dc=SE hours_per_day=2",
    # A cut and then a hire on the same crew: the new ids are not the leaver's.
    "day=0.5 kind=ChangeHeadcount dc=W role=packers delta=-1 shift=Day",
    "day=1 kind=ChangeHeadcount dc=W role=packers delta=2 shift=Day",
]


def run(changes: list[str]) -> tuple[Emulator, list[dict]]:
    world = Emulator(start=START, days=DAYS, seed=SEED, changes=changes)
    return world, list(world.events())


@pytest.fixture(scope="module")
def unchanged():
    return run([])


@pytest.fixture(scope="module")
def changed():
    return run(CHANGES)


def clocks(events: list[dict], dc: str, day: str) -> dict[str, list[tuple[str, str]]]:
    """worker -> [(direction, time)] of the clock events at a DC on an ISO date."""
    seen: dict[str, list[tuple[str, str]]] = {}
    for e in events:
        p = e["payload"]
        if e["type"] == "wms.labor_clock" and p["dc"] == dc and e["occurred_at"].startswith(day):
            seen.setdefault(p["worker_id"], []).append((p["direction"], e["occurred_at"]))
    return seen


def payroll(events: list[dict], dc: str, account: str = "6100-labour") -> list[Decimal]:
    return [
        Decimal(e["payload"]["amount"])
        for e in events
        if e["type"] == "erp.financial_posted" and e["payload"]["account"] == f"{account}-{dc}"
    ]


def test_hired_workers_clock_in_and_out_with_their_shift_from_its_next_start(changed):
    _, events = changed
    hired = {"NE-DAY-PI13", "NE-DAY-PI14", "NE-DAY-PI15"}
    assert not hired & set(clocks(events, "NE", "2026-11-02"))
    tuesday = clocks(events, "NE", "2026-11-03")
    for worker in hired:
        directions = [d for d, _ in tuesday[worker]]
        assert directions == ["in", "out"]
        assert tuesday[worker][0][1] == "2026-11-03T06:00:00+00:00"
        assert tuesday[worker][1][1] >= "2026-11-03T13:30:00+00:00"


def test_the_last_workers_cut_finish_their_shift_and_then_are_gone(changed, unchanged):
    _, events = changed
    leavers = {"NE-EVE-PA06", "NE-EVE-PA07"}
    monday = clocks(events, "NE", "2026-11-02")
    assert all([d for d, _ in monday[w]] == ["in", "out"] for w in leavers)
    assert monday["NE-EVE-PA06"][1][1] >= "2026-11-02T22:30:00+00:00"
    tuesday = clocks(events, "NE", "2026-11-03")
    assert not leavers & set(tuesday)
    assert "NE-EVE-PA05" in tuesday
    assert leavers <= set(clocks(unchanged[1], "NE", "2026-11-03"))


def test_a_crew_cut_then_grown_gets_new_ids_not_the_leavers(changed):
    _, events = changed
    packers = {w for w in clocks(events, "W", "2026-11-03") if w.startswith("W-DAY-PA")}
    assert packers == {f"W-DAY-PA{n:02d}" for n in (1, 2, 3, 4, 5, 7, 8)}


def test_overtime_keeps_the_last_shifts_pick_and_pack_crew_later_from_the_change_on(
    changed, unchanged
):
    _, events = changed
    # Tuesday's evening shift (15:00 to midnight) is SE's last: its pickers and packers
    # stay two hours more; its loaders leave on time.
    after_midnight = clocks(events, "SE", "2026-11-04")
    floor = {w for w in after_midnight if "-EVE-PI" in w or "-EVE-PA" in w}
    assert len(floor) == 7 + 4
    assert all(after_midnight[w] == [("out", "2026-11-04T02:00:00+00:00")] for w in floor)
    loaders = {w for w in after_midnight if "-EVE-LO" in w}
    assert all(after_midnight[w] == [("out", "2026-11-04T00:00:00+00:00")] for w in loaders)
    # Monday's evening, before the change, and Tuesday's day shift, not the day's last,
    # end on time (a picker with an order in hand finishes it first).
    for day, ends in (("2026-11-03T00", "2026-11-03T00:00"), ("2026-11-03T15", "2026-11-03T15:00")):
        outs = [t for stints in clocks(events, "SE", day).values() for d, t in stints if d == "out"]
        assert len(outs) == 7 + 4 + 2 and min(outs).startswith(ends)


def test_the_payroll_pays_the_crews_that_worked_and_overtime_at_its_premium(changed, unchanged):
    _, events = changed
    _, before = unchanged
    network = demo_network()
    for dc in ("NE", "SE", "W", "MW"):
        assert payroll(events, dc)[0] == payroll(before, dc)[0]  # Monday: nothing changed yet
    wage = {dc: Decimal(str(network.dcs[dc].wage_usd_per_hour)) for dc in network.dcs}
    tuesday = {dc: payroll(events, dc)[1] - payroll(before, dc)[1] for dc in network.dcs}
    assert tuesday["NE"] == (3 - 2) * Decimal("7.5") * wage["NE"]
    premium = Decimal(str(network.dcs["SE"].overtime_premium))
    # Straight time and overtime go to accounts of their own; the overtime account also
    # pays orders finished after a shift, which differ a little between the two worlds.
    assert tuesday["SE"] == 0
    overtime = payroll(events, "SE", "6110-overtime")[1] - payroll(before, "SE", "6110-overtime")[1]
    decided = 2 * (7 + 4) * wage["SE"] * premium
    assert abs(overtime - decided) <= Decimal("0.15") * decided
    assert abs(tuesday["W"] - (-1 + 2) * Decimal("7.5") * wage["W"]) <= Decimal("0.01")
    assert tuesday["MW"] == 0


def test_overtime_with_the_same_work_lowers_the_dcs_labour_utilisation(changed, unchanged):
    assert changed[0].truth.labour_utilisation["SE"] < unchanged[0].truth.labour_utilisation["SE"]


def test_the_changed_worlds_labour_events_are_ones_the_twin_accepts(changed):
    _, events = changed
    for e in events:
        if e["type"] in ("wms.labor_clock", "erp.financial_posted"):
            PAYLOADS[e["type"]].model_validate(e["payload"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("kind=ChangeHeadcount dc=XX role=pickers delta=1 shift=Day", "dc"),
        ("kind=ChangeHeadcount dc=NE role=loaders delta=1 shift=Day", "role"),
        ("kind=ChangeHeadcount dc=NE role=pickers delta=1 shift=Night", "shift"),
        ("kind=ChangeHeadcount dc=NE role=packers delta=-8 shift=Day", "delta"),
        ("kind=ChangeHeadcount dc=NE role=packers delta=1.5 shift=Day", "delta"),
        ("kind=Overtime dc=XX hours_per_day=2", "dc"),
        ("kind=Overtime dc=NE hours_per_day=0", "hours_per_day"),
        ("kind=Overtime dc=NE hours_per_day=4.5", "hours_per_day"),
        ("kind=Overtime dc=NE hours_per_day=-1", "hours_per_day"),
    ],
)
def test_a_labour_change_the_world_cannot_carry_out_names_its_field(change, field):
    with pytest.raises(ChangeError) as raised:
        parse_change(f"day=1 {change}", demo_network())
    assert raised.value.field == field


def test_the_limits_themselves_can_be_carried_out():
    network = demo_network()
    assert (
        parse_change("day=1 kind=Overtime dc=NE hours_per_day=4", network).change.hours_per_day == 4
    )
    cut = "day=1 kind=ChangeHeadcount dc=NE role=packers delta=-7 shift=Day"
    assert parse_change(cut, network).change.delta == -7


@pytest.mark.parametrize(
    ("world", "twin"),
    [(ChangeHeadcount, interventions.ChangeHeadcount), (Overtime, interventions.Overtime)],
)
def test_a_counterpart_has_exactly_its_interventions_fields(world, twin):
    def typed_fields(cls: type) -> list[tuple[str, object]]:
        hints = typing.get_type_hints(cls)
        return [(f.name, hints[f.name]) for f in dataclasses.fields(cls)]

    assert typed_fields(world) == typed_fields(twin)
    fields = {"dc": "NE", "role": "pickers", "delta": 2, "shift": "Day", "hours_per_day": 1.5}
    kept = {f.name: fields[f.name] for f in dataclasses.fields(twin)}
    assert dataclasses.asdict(change_from_fields(twin.__name__, kept, demo_network())) == kept
