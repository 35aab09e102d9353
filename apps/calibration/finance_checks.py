"""The finance check: each payroll posting against wage × the hours clocked that day."""

from datetime import timedelta

from apps.calibration.fitters.finance import clocked_hours, labour_postings
from apps.calibration.history import History, Window

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def payroll_checks(context) -> list:
    at = context.at
    history = History(Window(at - DAY - DAY, at))
    rows = []
    wages = context.params.finance.wage_usd_per_hour
    for dc, posted_at, amount in labour_postings(history):
        if posted_at < at - HOUR or dc not in wages:
            continue
        hours = clocked_hours(history, dc, posted_at - DAY, posted_at)
        rows.append(
            context.row(
                "labour_cost",
                dc,
                posted_at - DAY,
                posted_at,
                wages[dc] * hours,
                actual=amount,
                settled=True,
            )
        )
    return rows
