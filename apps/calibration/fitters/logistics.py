"""Logistics: transit time per lane (log-normal), tender rejections, pick-up times, carriers."""

import dataclasses
import math
from dataclasses import dataclass, field

from apps.calibration.fitters.fit import Fit
from apps.calibration.history import History, hours_between
from apps.calibration.stats import ks_distance_normal, lognormal_fit
from apps.simulation.logistics import CarrierPickups, LaneTransit, LogisticsParams

MIN_DELIVERIES = 20
MIN_TENDERS = 50
MIN_PICKUPS = 20
# A pick-up hour is one where a carrier makes at least this share of its collections.
PICKUP_HOUR_SHARE = 0.1


def _pickup_hours(seen: dict[float, int]) -> tuple[float, ...]:
    """The hours a carrier collects at; none when its collections spread over the day (a
    marketplace's sellers hand over whenever they pack), where no hour is a pick-up hour."""
    total = sum(seen.values())
    return tuple(sorted(h for h, n in seen.items() if n >= PICKUP_HOUR_SHARE * total))


@dataclass
class _Loads:
    """What the window's loads show, gathered in one pass over them."""

    # lane -> (hours from pick-up to delivery or to the window's end, delivered?)
    durations: dict[str, list[tuple[float, bool]]] = field(default_factory=dict)
    # carrier -> for each tender, whether it was rejected
    rejections: dict[str, list[bool]] = field(default_factory=dict)
    # carrier -> quarter hour of the day -> pick-ups
    pickup_hours: dict[str, dict[float, int]] = field(default_factory=dict)
    # "<origin>><region>" -> ground carrier -> loads
    carriers_by_route: dict[str, dict[str, int]] = field(default_factory=dict)


def _loads(history: History) -> _Loads:
    seen = _Loads()
    for item in history.shipments.values():
        if item.accepted is not None:
            seen.rejections.setdefault(item.carrier, []).append(not item.accepted)
        at = item.picked_up_at
        if at is None or not item.lane:
            continue
        hour = round((at.hour + at.minute / 60) * 4) / 4
        hours = seen.pickup_hours.setdefault(item.carrier, {})
        hours[hour] = hours.get(hour, 0) + 1
        origin, region, mode = history.lane_route.get(item.lane, ("", "", ""))
        if mode == "ground":
            route = seen.carriers_by_route.setdefault(f"{origin}>{region}", {})
            route[item.carrier] = route.get(item.carrier, 0) + 1
        delivered = item.delivered_at is not None
        end = item.delivered_at if delivered else history.window.end
        seen.durations.setdefault(item.lane, []).append((hours_between(at, end), delivered))
    return seen


def _transit(
    durations: dict[str, list[tuple[float, bool]]], prior: LogisticsParams, notes: list[str]
) -> tuple[dict[str, LaneTransit], list[float]]:
    """Each lane's log-normal transit, and the deliveries standardised by their lane's fit."""
    transit = {t.lane: t for t in prior.lane_transit}
    standardised: list[float] = []
    for lane in sorted(durations):
        observed = sum(1 for _, o in durations[lane] if o)
        fit = lognormal_fit(durations[lane]) if observed >= MIN_DELIVERIES else None
        if fit is None:
            if observed:
                notes.append(f"transit of lane {lane} kept: {observed} deliveries")
            continue
        transit[lane] = LaneTransit(lane, round(fit.median, 3), round(fit.sigma, 4))
        if fit.sigma > 0:
            standardised += [
                math.log(t / fit.median) / fit.sigma for t, o in durations[lane] if o and t > 0
            ]
    return transit, standardised


def _rejection(
    rejections: dict[str, list[bool]], prior: LogisticsParams, notes: list[str]
) -> dict[str, float]:
    rates = dict(prior.tender_rejection_rate)
    for carrier, outcomes in sorted(rejections.items()):
        if len(outcomes) >= MIN_TENDERS:
            rates[carrier] = round(sum(outcomes) / len(outcomes), 5)
        else:
            notes.append(f"tender rejection of {carrier} kept: {len(outcomes)} tenders")
    return rates


def _pickups(
    pickup_hours: dict[str, dict[float, int]], prior: LogisticsParams, notes: list[str]
) -> list[CarrierPickups]:
    pickups = []
    for old in prior.pickups:
        seen = pickup_hours.get(old.carrier, {})
        total = sum(seen.values())
        hours = _pickup_hours(seen) if total >= MIN_PICKUPS else ()
        if hours:
            pickups.append(dataclasses.replace(old, hours_of_day=hours))
        else:
            pickups.append(old)
            spread = ", none at one hour of the day" if total >= MIN_PICKUPS else ""
            notes.append(f"pick-up hours of {old.carrier} kept: {total} pick-ups{spread}")
    known = {p.carrier for p in prior.pickups}
    for carrier, seen in sorted(pickup_hours.items()):
        hours = _pickup_hours(seen) if sum(seen.values()) >= MIN_PICKUPS else ()
        if carrier not in known and hours:
            pickups.append(CarrierPickups(carrier, hours))
    return pickups


def fit_logistics(history: History, prior: LogisticsParams) -> Fit:
    notes: list[str] = []
    seen = _loads(history)
    transit, standardised = _transit(seen.durations, prior, notes)
    unused = sorted(set(history.lane_route) - set(seen.durations))
    if unused:
        notes.append(f"{len(unused)} lanes carried nothing in the window: plan transit kept")
    rejection = _rejection(seen.rejections, prior, notes)
    pickups = _pickups(seen.pickup_hours, prior, notes)
    primary = dict(prior.primary_carrier)
    for route, used in seen.carriers_by_route.items():
        primary[route] = max(sorted(used), key=used.get)
    # No event reports a cross-dock's dwell (a tracking event names no cross-dock: its
    # schema has no such field, so ingestion refuses one that does), so it is never fitted.
    notes.append("cross-dock dwell kept: no cross-dock movements in the window")

    durations = seen.durations
    delivered = sum(1 for d in durations.values() for _, o in d if o)
    return Fit(
        params=dataclasses.replace(
            prior,
            lane_transit=tuple(transit[lane] for lane in sorted(transit)),
            tender_rejection_rate=rejection,
            pickups=tuple(pickups),
            primary_carrier=dict(sorted(primary.items())),
        ),
        observations=delivered,
        goodness_name="transit KS distance",
        goodness_value=ks_distance_normal(standardised),
        notes=notes,
        stats={
            "deliveries_by_lane": {
                lane: sum(1 for _, o in d if o) for lane, d in sorted(durations.items())
            },
            "tenders_by_carrier": {c: len(t) for c, t in sorted(seen.rejections.items())},
        },
    )
