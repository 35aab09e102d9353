"""Supply: supplier lead times by SKU family (and, as figures, by family × DC), reorder sizes.

A purchase order's lead time runs from erp.po_created to its erp.receipt_posted; orders
still open when the window ends are censored, not dropped (see stats.km_quantiles).
"""

import dataclasses
import math
from datetime import datetime

from apps.calibration.fitters.fit import Fit
from apps.calibration.history import History, hours_between
from apps.calibration.payloads import (
    InventoryAdjustedRow,
    OrderCreatedRow,
    OrderReleasedRow,
    PoCreatedRow,
    ReceiptPostedRow,
    payload_of,
)
from apps.calibration.stats import ks_distance_normal, lognormal_fit, median
from apps.simulation.supply import ReorderPolicy, SupplyParams
from apps.sources.selectors import event_time_span

MIN_RECEIPTS = 8


# Replaying stock from the start of the log is bounded: beyond this, reorder points are kept.
MAX_REPLAY_DAYS = 120
# At one moment the ERP books an order's release after the purchase orders it triggered;
# replay releases first, as the stock moved.
REPLAY_ORDER = {"erp.inventory_adjusted": 0, "wms.order_released": 1, "erp.po_created": 2}


def _reorder_points(history: History, notes: list[str]) -> dict[tuple[str, str], int]:
    """Each SKU × DC's reorder point: the highest inventory position (on hand + on order,
    after allocations) at which a purchase order was raised, replayed from the log's start."""
    oldest, _ = event_time_span()
    if oldest is None or (history.window.end - oldest).days > MAX_REPLAY_DAYS:
        notes.append(
            f"reorder points kept: the log is longer than {MAX_REPLAY_DAYS} days to replay"
        )
        return {}
    types = [*REPLAY_ORDER, "erp.order_created"]
    events = [e for t in types for e in history.events_since_log_start(t)]
    orders = [payload_of(e, OrderCreatedRow) for e in events if e.type == "erp.order_created"]
    lines = {order["order_id"]: order["lines"] for order in orders}
    moves = sorted(
        (e for e in events if e.type in REPLAY_ORDER),
        key=lambda e: (e.occurred_at, REPLAY_ORDER[e.type], e.id),
    )
    position: dict[tuple[str, str], int] = {}
    points: dict[tuple[str, str], int] = {}
    for event in moves:
        if event.type == "erp.inventory_adjusted":
            adjusted = payload_of(event, InventoryAdjustedRow)
            key = (adjusted["sku"], adjusted["dc"])
            position[key] = position.get(key, 0) + adjusted["delta"]
        elif event.type == "wms.order_released":
            released = payload_of(event, OrderReleasedRow)
            for line in lines.get(released["order_id"], ()):
                key = (line["sku"], released["dc"])
                position[key] = position.get(key, 0) - line["qty"]
        else:
            ordered = payload_of(event, PoCreatedRow)
            key = (ordered["sku"], ordered["dc"])
            points[key] = max(points.get(key, position.get(key, 0)), position.get(key, 0))
            position[key] = position.get(key, 0) + ordered["qty"]
    return {key: max(0, point) for key, point in points.items()}


def _lead_times(
    by_family: dict[str, list[tuple[float, bool]]], prior: SupplyParams, notes: list[str]
) -> tuple[dict[str, float], float, list[float]]:
    """Each family's log-normal median lead time, the spread pooled over the families fitted,
    and the receipts standardised by their family's fit."""
    medians = dict(prior.lead_time_hours_median)
    standardised: list[float] = []
    sigmas: list[tuple[float, int]] = []
    for family in sorted(set(prior.lead_time_hours_median) | set(by_family)):
        durations = by_family.get(family, [])
        observed = sum(1 for _, o in durations if o)
        fit = lognormal_fit(durations) if observed >= MIN_RECEIPTS else None
        if fit is None:
            notes.append(
                f"lead time of {family or 'unknown family'} kept: {observed} receipts "
                f"(needs {MIN_RECEIPTS})"
            )
            continue
        medians[family] = round(fit.median, 2)
        sigmas.append((fit.sigma, fit.observed))
        standardised += [
            math.log(t / fit.median) / fit.sigma for t, o in durations if o and fit.sigma > 0
        ]
    sigma = prior.lead_time_sigma
    if sigmas:
        sigma = round(sum(s * n for s, n in sigmas) / sum(n for _, n in sigmas), 4)
    else:
        notes.append("lead-time spread kept: no family has enough receipts")
    return medians, sigma, standardised


def _purchase_orders(history: History) -> tuple[dict, dict[str, datetime]]:
    """Purchase orders by id, (SKU, DC, quantity, when), and when those received were."""
    created = {}
    for event in history.events("erp.po_created"):
        ordered = payload_of(event, PoCreatedRow)
        created[ordered["po_id"]] = (
            ordered["sku"],
            ordered["dc"],
            ordered["qty"],
            event.occurred_at,
        )
    received = {}
    for event in history.events("erp.receipt_posted"):
        po_id = payload_of(event, ReceiptPostedRow)["po_id"]
        if po_id in created:
            received[po_id] = event.occurred_at
    return created, received


def fit_supply(history: History, prior: SupplyParams) -> Fit:
    notes: list[str] = []
    created, received = _purchase_orders(history)
    by_family: dict[str, list[tuple[float, bool]]] = {}
    by_family_dc: dict[tuple[str, str], list[float]] = {}
    quantities: dict[tuple[str, str], list[int]] = {}
    for po_id, (sku, dc, qty, at) in created.items():
        family = history.sku_family.get(sku, "")
        quantities.setdefault((sku, dc), []).append(qty)
        if po_id in received:
            hours = hours_between(at, received[po_id])
            by_family.setdefault(family, []).append((hours, True))
            by_family_dc.setdefault((family, dc), []).append(hours)
        else:
            by_family.setdefault(family, []).append((hours_between(at, history.window.end), False))

    medians, sigma, standardised = _lead_times(by_family, prior, notes)
    points = _reorder_points(history, notes)
    policies = {(p.sku, p.dc): p for p in prior.policies}
    for (sku, dc), sizes in quantities.items():
        old = policies.get((sku, dc))
        point = points.get((sku, dc))
        policies[(sku, dc)] = ReorderPolicy(
            sku=sku,
            dc=dc,
            reorder_point=point if point is not None else (old.reorder_point if old else 0),
            reorder_quantity=int(median(sizes)),
        )
    receipts = len(received)
    return Fit(
        params=dataclasses.replace(
            prior,
            lead_time_hours_median=medians,
            lead_time_sigma=sigma,
            policies=tuple(policies[key] for key in sorted(policies)),
        ),
        observations=receipts,
        goodness_name="lead-time KS distance",
        goodness_value=ks_distance_normal(standardised),
        notes=notes,
        stats={
            "purchase_orders": len(created),
            "receipts": receipts,
            "receipts_by_family": {f: sum(1 for _, o in d if o) for f, d in by_family.items()},
            "lead_time_median_by_family_dc": {
                f"{family}@{dc}": round(median(hours), 2)
                for (family, dc), hours in sorted(by_family_dc.items())
            },
        },
    )
