"""A refit after a drift keeps only the drifted subject's figure from the recent fit: one
narrowing per sub-model, each typed on that sub-model's parameters."""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apps.simulation.demand import DemandParams
from apps.simulation.finance import FinanceParams
from apps.simulation.labour import LabourParams
from apps.simulation.logistics import LogisticsParams


@dataclass(frozen=True)
class Focus:
    """What drifted: a subject (a DC, a region, a lane) and the figure that showed it."""

    subject: str
    metric: str


# Labour parameters behind each labour figure: a pick-rate drift refits picking only.
LABOUR_FIELDS = {
    "pick_rate": ("pick_lines_per_hour", "pick_time_cv", "pick_error_rate"),
    "pack_rate": ("pack_orders_per_hour", "pack_time_cv"),
}


def _labour(whole: LabourParams, recent: LabourParams, focus: Focus) -> LabourParams:
    fresh = {dc.dc: dc for dc in recent.dcs}
    names = LABOUR_FIELDS.get(focus.metric, ())
    return dataclasses.replace(
        whole,
        dcs=tuple(
            dataclasses.replace(dc, **{n: getattr(fresh[dc.dc], n) for n in names})
            if dc.dc == focus.subject
            else dc
            for dc in whole.dcs
        ),
    )


def _demand(whole: DemandParams, recent: DemandParams, focus: Focus) -> DemandParams:
    if focus.subject not in recent.orders_per_hour:
        return recent
    rates = {**whole.orders_per_hour, focus.subject: recent.orders_per_hour[focus.subject]}
    return dataclasses.replace(whole, orders_per_hour=rates)


def _logistics(whole: LogisticsParams, recent: LogisticsParams, focus: Focus) -> LogisticsParams:
    fresh = {t.lane: t for t in recent.lane_transit}
    if focus.subject not in fresh:
        return whole
    others = tuple(t for t in whole.lane_transit if t.lane != focus.subject)
    transit = tuple(sorted((*others, fresh[focus.subject]), key=lambda t: t.lane))
    return dataclasses.replace(whole, lane_transit=transit)


def _finance(whole: FinanceParams, recent: FinanceParams, focus: Focus) -> FinanceParams:
    if focus.subject not in recent.wage_usd_per_hour:
        return recent
    wages = {**whole.wage_usd_per_hour, focus.subject: recent.wage_usd_per_hour[focus.subject]}
    return dataclasses.replace(whole, wage_usd_per_hour=wages)


# Supply's lead times and the customer model are network-wide: their recent fit stands whole.
NARROWINGS: dict[str, Callable[[Any, Any, Focus], Any]] = {
    "labour": _labour,
    "demand": _demand,
    "logistics": _logistics,
    "finance": _finance,
}


def focused(sub_model: str, whole: Any, recent: Any, focus: Focus) -> Any:
    """The current parameters `whole` with the focused subject's, behind the metric, taken
    from the recent fit; a network-wide sub-model takes the recent fit as it is."""
    narrow = NARROWINGS.get(sub_model)
    return narrow(whole, recent, focus) if narrow else recent
