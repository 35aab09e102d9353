"""Reads for the delivery-promise report: per-order records from the event log, and the
report: computed by a Celery task (promise_services) and stored, the page reading the stored one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max
from pydantic import TypeAdapter, ValidationError

from apps.calibration.models import PromiseReportState
from apps.calibration.promise_charts import promise_chart
from apps.calibration.promise_records import OrderPrediction, OrderRecord, PromiseSettings
from apps.calibration.promise_scores import PromiseComparison, promise_comparison
from apps.calibration.promises import predict_promises
from apps.network.models import Customer
from apps.sources.models import Event
from apps.sources.schemas import PAYLOADS

logger = logging.getLogger(__name__)
TYPES = ("erp.order_created", "erp.order_cancelled", "wms.shipped", "tms.tracking")


@dataclass
class _Order:
    purchased_at: datetime
    origin: str
    customer: str
    promised_at: datetime
    handed_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None


def _payload(event_type: str, payload: dict, received_at: datetime):
    """A stored payload read through its schema, as ingestion validated it."""
    return PAYLOADS[event_type].model_validate(payload, context={"received_at": received_at})


def order_record_list() -> list[OrderRecord]:
    """One record per created order, per the Olist → events contract: purchased_at is the
    order_created time, origin its payload's dc, region its customer's (master data),
    promised_at its requested_by, handed_at the shipped time, delivered_at the delivered
    tracking's `at` (linked by the shipment's order), cancelled_at the cancellation's time.
    An order without a dc or whose customer has no region in the master data is left out
    (the model cannot place it on a lane)."""
    orders: dict[str, _Order] = {}
    shipment_order: dict[str, str] = {}
    delivered: dict[str, datetime] = {}
    cancelled: dict[str, datetime] = {}
    handed: dict[str, datetime] = {}
    rows = (
        Event.objects.filter(type__in=TYPES)
        .order_by("occurred_at", "id")
        .values_list("type", "occurred_at", "received_at", "payload")
    )
    unreadable = 0
    for event_type, occurred_at, received_at, raw in rows.iterator(chunk_size=5000):
        try:
            payload = _payload(event_type, raw, received_at)
        except ValidationError:
            # Stored before its schema tightened: the log keeps it, the report cannot read it.
            unreadable += 1
            continue
        if event_type == "erp.order_created":
            if payload.dc and payload.order_id not in orders:
                orders[payload.order_id] = _Order(
                    occurred_at, payload.dc, payload.customer, payload.requested_by
                )
        elif event_type == "wms.shipped":
            shipment_order[payload.shipment_id] = payload.order_id
            handed.setdefault(payload.order_id, occurred_at)
        elif event_type == "tms.tracking":
            if payload.status == "delivered":
                delivered.setdefault(payload.shipment_id, payload.at)
        else:
            cancelled.setdefault(payload.order_id, occurred_at)
    if unreadable:
        logger.warning("delivery promises: %d stored events no longer read by their schema "
                       "were left out", unreadable)  # fmt: skip
    for shipment_id, at in delivered.items():
        order_id = shipment_order.get(shipment_id)
        if order_id in orders:
            orders[order_id].delivered_at = at
    return _records(orders, handed, cancelled)


def _records(
    orders: dict[str, _Order], handed: dict[str, datetime], cancelled: dict[str, datetime]
) -> list[OrderRecord]:
    """The orders whose customer the master data places in a region, as records."""
    regions = dict(
        Customer.objects.filter(code__in={o.customer for o in orders.values()}).values_list(
            "code", "region__code"
        )
    )
    return [
        OrderRecord(
            order_id=order_id,
            purchased_at=o.purchased_at,
            origin=o.origin,
            region=regions[o.customer],
            promised_at=o.promised_at,
            handed_at=handed.get(order_id),
            delivered_at=o.delivered_at,
            cancelled_at=cancelled.get(order_id),
        )
        for order_id, o in orders.items()
        if o.customer in regions
    ]


@dataclass(frozen=True)
class PromiseReport:
    settings: PromiseSettings
    orders: int  # orders the model could place on a lane
    predicted: int  # … of which predicted (bought after the first delivery)
    comparison: PromiseComparison
    chart: dict | None
    latest: OrderPrediction | None  # the newest order's prediction, as an example


# The stored report is JSON (PromiseReportState.report): this reads and writes it.
REPORT_JSON = TypeAdapter(PromiseReport)


@dataclass(frozen=True)
class LogState:
    """What the report depends on, cheaply: the newest event of its types (the log only
    grows, so its id changes with every new one) and the customers' count and newest id."""

    key: str
    as_of: datetime | None  # event time: the newest event of the report's types


def promise_log_state() -> LogState:
    newest = Event.objects.filter(type__in=TYPES).aggregate(id=Max("id"), at=Max("occurred_at"))
    customers = Customer.objects.aggregate(n=Count("id"), last=Max("id"))
    return LogState(key=f"{newest['id']}-{customers['n']}-{customers['last']}", as_of=newest["at"])


def promise_report_compute(*, settings: PromiseSettings | None = None) -> PromiseReport:
    """The report from the whole event log: seconds on a real history, so only the refresh
    task calls it (the page reads the stored one)."""
    settings = settings or PromiseSettings()
    records = order_record_list()
    predictions = predict_promises(records, settings)
    comparison = promise_comparison(records, predictions, local_tz=settings.local_tz)
    return PromiseReport(
        settings=settings,
        orders=len(records),
        predicted=len(predictions),
        comparison=comparison,
        chart=promise_chart(comparison),
        latest=max(predictions, key=lambda p: p.purchased_at, default=None),
    )


@dataclass(frozen=True)
class StoredPromiseReport:
    """The last computed report as the page shows it, with how fresh it is."""

    report: PromiseReport | None  # None: never computed yet
    as_of: datetime | None  # event time the report had read up to
    computed_at: datetime | None
    duration_s: float | None
    stale: bool  # events or customers arrived since it was computed
    refresh_queued_at: datetime | None  # a refresh is queued or running since (wall time)
    refresh_started_at: datetime | None

    @property
    def refreshing(self) -> bool:
        return self.refresh_queued_at is not None


def promise_report_stored(*, log_state: LogState | None = None) -> StoredPromiseReport:
    """The stored report (never computed here). An unreadable stored report (written by an
    older version of PromiseReport) counts as none: the next refresh replaces it."""
    state = PromiseReportState.objects.filter(pk="promises").first()
    log_state = log_state or promise_log_state()
    report = None
    if state is not None and state.report is not None:
        try:
            report = REPORT_JSON.validate_python(state.report)
        except ValidationError:
            logger.warning("delivery promises: the stored report no longer reads; recomputing")
    return StoredPromiseReport(
        report=report,
        as_of=state.as_of if report else None,
        computed_at=state.computed_at if report else None,
        duration_s=state.duration_s if report else None,
        stale=report is None or state.log_state != log_state.key,
        refresh_queued_at=state.refresh_queued_at if state else None,
        refresh_started_at=state.refresh_started_at if state else None,
    )
