"""How the twin's delivery predictions and promises compare with the company's own promise on
the later orders: plain Python, no Django (the report page and the bench share it)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from apps.calibration.promise_records import DAY_S, INTERVAL, OrderPrediction, OrderRecord

# The later orders: ordered by purchase time, the last 30% of the delivered ones (how issue 20
# measured Olist's promise: 2,332 delivered orders of the sample, from 2018-04-13).
JUDGED_SHARE = 0.3
# Issue 20's targets: the median within 4.5 days on average; a promise late no more often
# than the company's while at least 2 days shorter on average.
MEDIAN_MAE_TARGET_DAYS = 4.5
SHORTER_BY_DAYS = 2.0


def promise_targets() -> dict[str, float]:
    """The targets, for pages that state them."""
    return {"median_mae_days": MEDIAN_MAE_TARGET_DAYS, "shorter_by_days": SHORTER_BY_DAYS}


@dataclass(frozen=True)
class PointScore:
    """A point prediction of the delivery time against the actual one (days)."""

    mae_days: float
    bias_days: float  # mean of predicted − actual: positive = predicted later than it came


@dataclass(frozen=True)
class PromiseScore:
    """A promise (a time the order should be delivered by) against the delivery."""

    late_share: float
    mean_days: float  # mean promise length, purchase → promised time
    point: PointScore  # the promise read as a prediction

    @property
    def late_pct(self) -> float:
        return 100 * self.late_share


@dataclass(frozen=True)
class PromiseComparison:
    delivered: int  # delivered orders in the records
    judged: int  # … of which judged (the later ones, with both promises)
    judged_from: datetime | None  # purchase time of the first judged order
    twin_median: PointScore | None
    twin_interval_coverage: float | None  # share delivered within the twin's interval
    twin_promise: PromiseScore | None
    twin_mean_level: float | None  # mean quantile level of the twin's promise
    company: PromiseScore | None  # judged to the start of the promised day (issue 20's way)
    company_end_of_day: PromiseScore | None  # judged to the end of the promised day
    # Per judged order, for the chart: days of (predicted − actual).
    twin_median_errors: tuple[float, ...] = ()
    twin_promise_errors: tuple[float, ...] = ()
    company_errors: tuple[float, ...] = ()

    @property
    def median_target_met(self) -> bool | None:
        if self.twin_median is None:
            return None
        return self.twin_median.mae_days <= MEDIAN_MAE_TARGET_DAYS

    @property
    def promise_target_met(self) -> bool | None:
        if self.twin_promise is None or self.company is None:
            return None
        return (
            self.twin_promise.late_share <= self.company.late_share
            and self.twin_promise.mean_days <= self.company.mean_days - SHORTER_BY_DAYS
        )

    @property
    def interval_label(self) -> str:
        return f"{round(100 * INTERVAL[0])}–{round(100 * INTERVAL[1])}%"


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / DAY_S


def _point(errors: Sequence[float]) -> PointScore:
    return PointScore(
        mae_days=sum(abs(e) for e in errors) / len(errors), bias_days=sum(errors) / len(errors)
    )


def _promise(records: Sequence[OrderRecord], promised: Sequence[datetime]) -> PromiseScore:
    late = sum(r.delivered_at > p for r, p in zip(records, promised, strict=True))
    lengths = [_days(r.purchased_at, p) for r, p in zip(records, promised, strict=True)]
    errors = [_days(r.delivered_at, p) for r, p in zip(records, promised, strict=True)]
    return PromiseScore(
        late_share=late / len(records), mean_days=sum(lengths) / len(lengths), point=_point(errors)
    )


def _start_of_day(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)


def promise_comparison(
    records: Sequence[OrderRecord],
    predictions: Sequence[OrderPrediction],
    *,
    local_tz: str = "America/Sao_Paulo",
) -> PromiseComparison:
    """Judge the later delivered orders (the last JUDGED_SHARE of them by purchase time) that
    have both a twin prediction and a company promise. A delivery before its purchase (a data
    error) is not judged."""
    tz = ZoneInfo(local_tz)
    delivered = sorted(
        (r for r in records if r.delivered_at is not None and r.delivered_at >= r.purchased_at),
        key=lambda r: (r.purchased_at, r.order_id),
    )
    later = delivered[len(delivered) - math.ceil(JUDGED_SHARE * len(delivered)) :]
    by_order = {p.order_id: p for p in predictions}
    judged = [r for r in later if r.order_id in by_order and r.promised_at is not None]
    if not judged:
        return PromiseComparison(
            delivered=len(delivered),
            judged=0,
            judged_from=None,
            twin_median=None,
            twin_interval_coverage=None,
            twin_promise=None,
            twin_mean_level=None,
            company=None,
            company_end_of_day=None,
        )
    preds = [by_order[r.order_id] for r in judged]
    pairs = list(zip(judged, preds, strict=True))
    median_errors = [_days(r.delivered_at, p.median_at) for r, p in pairs]
    inside = sum(p.low_at <= r.delivered_at <= p.high_at for r, p in pairs)
    company_start = [_start_of_day(r.promised_at, tz) for r in judged]
    twin_promise = _promise(judged, [p.promise_at for p in preds])
    company = _promise(judged, company_start)
    return PromiseComparison(
        delivered=len(delivered),
        judged=len(judged),
        judged_from=judged[0].purchased_at,
        twin_median=_point(median_errors),
        twin_interval_coverage=inside / len(judged),
        twin_promise=twin_promise,
        twin_mean_level=sum(p.promise_level for p in preds) / len(preds),
        company=company,
        company_end_of_day=_promise(judged, [r.promised_at for r in judged]),
        twin_median_errors=tuple(round(e, 3) for e in median_errors),
        twin_promise_errors=tuple(round(_days(r.delivered_at, p.promise_at), 3) for r, p in pairs),
        company_errors=tuple(
            round(_days(r.delivered_at, p), 3) for r, p in zip(judged, company_start, strict=True)
        ),
    )
