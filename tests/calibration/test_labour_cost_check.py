"""The round's payroll check predicts straight time as the world posts it: overtime apart."""

from datetime import timedelta

from apps.calibration.models import ModelVersion, Round
from apps.calibration.priors import master_data_parameters
from apps.calibration.round_checks import labour_cost_checks
from apps.calibration.round_context import RoundContext
from apps.calibration.round_records import RoundLedger
from apps.sources.services import events_ingest
from tests.calibration.history import day


def clock(n: int, worker: str, direction: str, at) -> dict:
    return {
        "event_id": f"clock-{n}",
        "source": "wms",
        "type": "wms.labor_clock",
        "occurred_at": at.isoformat(),
        "payload": {"dc": "NE", "worker_id": worker, "role": "picker", "direction": direction},
    }


def posting(account: str, amount: float, at) -> dict:
    return {
        "event_id": f"post-{account}",
        "source": "erp",
        "type": "erp.financial_posted",
        "occurred_at": at.isoformat(),
        "payload": {
            "account": account,
            "amount": amount,
            "currency": "USD",
            "reference": "PAY-NE",
        },
    }


def test_the_straight_time_check_leaves_overtime_hours_out(demo_network):
    wage = master_data_parameters().finance.wage_usd_per_hour["NE"]
    shift_starts = day(0) + timedelta(hours=8)
    # Two pickers on an 8-hour shift; one stays two hours past it, paid as overtime.
    events_ingest(
        items=[
            clock(1, "P1", "in", shift_starts),
            clock(2, "P2", "in", shift_starts),
            clock(3, "P1", "out", shift_starts + timedelta(hours=8)),
            clock(4, "P2", "out", shift_starts + timedelta(hours=10)),
            posting("6100-labour-NE", 16 * wage, day(1)),
            posting("6110-overtime-NE", 2 * wage * 1.5, day(1)),
        ]
    )
    at = day(1) + timedelta(minutes=30)
    context = RoundContext(
        at, master_data_parameters(), {"finance": ModelVersion()}, RoundLedger(Round.Kind.DELTA)
    )
    (row,) = labour_cost_checks(context)
    assert row.actual == 16 * wage
    assert row.predicted == 16 * wage
