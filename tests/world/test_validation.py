"""Every intervention the twin can propose, validated against the world: calibrated on the
unchanged world's history, the twin's predicted change in each headline KPI must hold the
change the world shows when it carries the decision out (tests/world/validation.py says how
and with what tolerance). Every row is judged: since the world ships the twin's loads and
books every cost it counts (issue 18), no row is an expected failure."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from apps.network.services import demo_network_load
from apps.world.kpis import world_kpis
from tests.world.validation import (
    HEADLINE,
    INTERVENTIONS,
    Row,
    history_into_twin,
    table,
    validate,
)

# Seeds no other test uses: the world's and the comparison's.
WORLD_SEED = 1717
COMPARISON_SEED = 1718
HORIZON_DAYS = 2.0
REPLICATIONS = 5

validation = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        demo_network_load()
        yield history_into_twin(seed=WORLD_SEED, horizon_days=HORIZON_DAYS)
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def report_card(history):
    """Every intervention's rows, from one comparison and one unchanged world: computed by
    the first test that asks, shared by the rest."""
    rows: dict[str, list[Row]] = {}

    def rows_of(kind: str) -> list[Row]:
        if not rows:
            rows.update(
                validate(
                    history,
                    list(INTERVENTIONS.values()),
                    replications=REPLICATIONS,
                    seed=COMPARISON_SEED,
                )
            )
        return rows[kind]

    return rows_of


@pytest.mark.parametrize("kind", sorted(INTERVENTIONS))
@validation[0]
@validation[1]
def test_the_world_changes_as_the_twin_predicted(kind, report_card):
    rows = report_card(kind)
    assert [row.kpi for row in rows] == list(HEADLINE)
    failed = [row for row in rows if not row.passes]
    assert not failed, "\n" + table(failed)


@validation[0]
@validation[1]
def test_a_world_that_ignored_the_decision_would_fail_the_check(report_card):
    """The check can fail: the shift's NE utilisation row, with a world that did nothing."""
    row = next(r for r in report_card("ShiftVolume") if r.kpi == "dc.NE.labour_utilisation")
    assert row.passes
    assert not dataclasses.replace(row, world=0.0).passes


T = datetime(2026, 11, 2, tzinfo=UTC)


def at(hours: float) -> str:
    return (T + timedelta(hours=hours)).isoformat()


def envelope(hours: float, kind: str, **payload) -> dict:
    source = kind.split(".")[0]
    return {"event_id": f"{source}-{hours}", "source": source, "type": kind,
            "occurred_at": at(hours), "payload": payload}  # fmt: skip


def clock(hours: float, worker: str, role: str, direction: str) -> dict:
    return envelope(hours, "wms.labor_clock", dc="NE", worker_id=worker, role=role,
                    direction=direction)  # fmt: skip


def pick(hours: float, order: str, started: float, *, error: bool = False) -> dict:
    seconds = (hours - started) * 3600
    line = {"order_id": order, "dc": "NE", "sku": "A", "qty": 1, "picker_id": "P1"}
    return envelope(hours, "wms.pick_completed", started_at=at(started), duration_s=seconds,
                    error=error, **line)  # fmt: skip


def order(hours: float, order_id: str, due: float) -> dict:
    return envelope(hours, "erp.order_created", order_id=order_id, customer="C", lines=[],
                    requested_by=at(due), dc="NE")  # fmt: skip


def shipped(hours: float, order_id: str, shipment: str, status: str = "accepted") -> list[dict]:
    return [
        envelope(
            hours,
            "tms.tender",
            shipment_id=shipment,
            carrier="C",
            lane="L",
            status=status,
            rate=40.0,
        ),
        envelope(
            hours, "wms.shipped", order_id=order_id, dc="NE", shipment_id=shipment, carrier="C"
        ),
    ]


def delivered(hours: float, shipment: str) -> dict:
    return envelope(hours, "tms.tracking", shipment_id=shipment, status="delivered", at=at(hours))


def posted(hours: float, account: str, amount: str) -> dict:
    return envelope(hours, "erp.financial_posted", account=account, amount=amount)


def test_the_worlds_kpis_count_only_what_falls_in_the_window():
    events = [
        clock(-2, "P1", "picker", "in"),  # clocked in before the window starts
        clock(-1, "L1", "loader", "in"),  # a loader's time is not floor time
        posted(0, "6100-labour-NE", "999.00"),  # the day before's payroll
        pick(0.25, "SO-0", started=-0.25),  # straddles the window's start
        order(1, "SO-1", due=5),
        order(1, "SO-2", due=2),
        order(1, "SO-3", due=7),
        order(1, "SO-4", due=9),  # due after the window: not in its OTIF
        pick(1.5, "SO-3", started=1, error=True),
        envelope(2, "wms.pack_completed", order_id="SO-1", dc="NE", packer_id="K", duration_s=900),
        *shipped(3, "SO-1", "S1"),
        *shipped(3, "SO-2", "S2"),
        *shipped(3, "SO-3", "S3"),
        envelope(
            3, "tms.tender", shipment_id="S0", carrier="C", lane="L", status="rejected", rate=40.0
        ),
        delivered(4, "S1"),
        delivered(4, "S2"),
        delivered(4, "S3"),
        envelope(5, "erp.order_cancelled", order_id="SO-OLD", reason="out of stock too long"),
        clock(6, "P1", "picker", "out"),
        posted(8, "6100-labour-NE", "100.00"),  # the window's own day, posted at its end
        posted(8, "1200-inventory", "5000.00"),  # not a cost the KPI adds up
        pick(9.1, "SO-9", started=9),  # after the window
    ]
    kpis = world_kpis(events, start=T, end=T + timedelta(hours=8))
    # Busy: a quarter hour of the straddling pick, half an hour's pick, a quarter hour's
    # pack, over the picker's six clocked hours inside the window.
    assert kpis.labour_utilisation == pytest.approx({"NE": 1.0 / 6})
    # Of the three orders due in it: SO-1 on time, SO-2 late, SO-3 on time but wrong.
    assert kpis.otif == pytest.approx(1 / 3)
    assert kpis.orders_created == 4
    assert kpis.orders_shipped == 3
    assert kpis.cost_usd == pytest.approx({"labour": 100.0, "freight": 120.0})
    assert kpis.cost_per_order_usd == pytest.approx(220 / 3)
    assert kpis.orders_lost == 1
