"""The figures the twin predicts and later compares with what happened.

Forecasts are made at each event-time hour for the coming period. Checks are the figures
each sub-model is judged on: they condition on what actually happened outside the
sub-model (the pick rate over the lines actually picked, the transit of the shipments
actually delivered), so a drift is charged to the sub-model that drifted. Forecasts that
mix several sub-models (throughput, utilisation, complaints next day) are recorded and
charted but do not trigger a recalibration.
"""

import math
from dataclasses import dataclass

from apps.simulation.parameters import ModelParameters


@dataclass(frozen=True)
class Metric:
    name: str
    sub_model: str
    label: str
    unit: str
    checked: bool
    # Weight (lines, orders) a figure's window must hold before its error is judged.
    min_evidence: float = 0.0


METRICS = {
    m.name: m
    for m in (
        Metric("orders_next_day", "demand", "orders in the next 24 h", "orders", True),
        Metric("lead_time", "supply", "lead time of a day's receipts", "h", True),
        Metric("lane_transit", "logistics", "transit of a day's deliveries", "h", True),
        Metric("delivery_time", "logistics", "transit of a shipment in transit", "h", False),
        Metric("pick_rate", "labour", "pick rate next hour", "lines/h", True, 200),
        Metric("pack_rate", "labour", "pack rate next hour", "orders/h", True, 200),
        Metric("throughput_next_hour", "labour", "lines picked next hour", "lines", False),
        Metric("throughput_next_day", "labour", "lines picked next 24 h", "lines", False),
        Metric("utilisation_next_hour", "labour", "utilisation next hour", "%", False),
        Metric("utilisation_next_day", "labour", "utilisation next 24 h", "%", False),
        Metric("labour_cost", "finance", "a day's payroll posting", "USD", True),
        Metric(
            "complaint_rate", "customer", "complaints on a day's deliveries", "complaints", True
        ),
        Metric(
            "complaints_next_day", "customer", "complaints opened next 24 h", "complaints", False
        ),
    )
}


def headline(metric: str, subject: str, params: ModelParameters) -> tuple[str, float | None, str]:
    """The parameter a drift in this figure points at: (label, value, unit)."""
    if metric in ("pick_rate", "pack_rate"):
        for dc in params.labour.dcs:
            if dc.dc == subject:
                if metric == "pick_rate":
                    return "pick rate", dc.pick_lines_per_hour, "lines/h"
                return "pack rate", dc.pack_orders_per_hour, "orders/h"
        return "rate", None, ""
    if metric == "orders_next_day":
        rates = params.demand.orders_per_hour.get(subject)
        return "orders a day", (sum(rates) / 7 if rates else None), "orders"
    if metric == "lane_transit":
        for transit in params.logistics.lane_transit:
            if transit.lane == subject:
                return "median transit", transit.transit_hours_median, "h"
        return "median transit", None, "h"
    if metric == "lead_time":
        medians = params.supply.lead_time_hours_median
        return "mean of median lead times", sum(medians.values()) / len(medians), "h"
    if metric == "labour_cost":
        return "wage", params.finance.wage_usd_per_hour.get(subject), "$/h"
    if metric == "complaint_rate":
        return "complaints per late day", params.customer.complaint_per_late_day, ""
    return metric, None, ""


def lognormal_mean(median: float, sigma: float) -> float:
    return median * math.exp(sigma * sigma / 2)
