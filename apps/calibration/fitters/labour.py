"""Labour: pick and pack rates, time variability and error rates per DC; crews by shift;
the learning curve on SKUs new to a DC, where the data shows one.

Rates are lines (orders) per busy hour: the reported durations of wms.pick_completed and
wms.pack_completed, so idle time on the floor does not dilute them. Shifts are read from
wms.labor_clock: clock-ins within a quarter of an hour make one crew arriving; the crews
that arrive at the same time of day make a shift, running on the weekdays they were seen.
"""

import dataclasses
import statistics
from datetime import datetime

from apps.calibration.fitters.fit import Fit
from apps.calibration.history import History, crews, hours_between
from apps.calibration.payloads import PackCompletedRow, PickCompletedRow, payload_of
from apps.calibration.stats import median
from apps.simulation.labour import LabourParams, ShiftPlan

MIN_LINES = 200
MIN_PACKS = 100
MIN_LINES_FOR_ERRORS = 5000
MIN_ERRORS = 5
MIN_DAYS_FOR_SHIFTS = 7
CREW_GAP_H = 0.25
# SKUs first picked at a DC this far into the window count as new to it.
NEW_SKU_AFTER_DAYS = 7
MIN_NEW_SKUS = 5
LEARNING_PICKS_SEEN = 10
MIN_LINES_PER_HOUR = 30


def _rates(
    dc: str, lines: list[tuple[float, bool]], orders: list[float], stats: dict, notes: list[str]
) -> dict:
    """A DC's pick rate, pick time spread and error rate, and its pack rate, where the
    window holds enough picks and packs: the changes to its parameters."""
    changes: dict = {}
    if len(lines) >= MIN_LINES:
        seconds = [s for s, _ in lines]
        mean = statistics.fmean(seconds)
        cv = statistics.pstdev(seconds) / mean
        changes["pick_lines_per_hour"] = round(3600 / mean, 3)
        changes["pick_time_cv"] = round(cv, 4)
        stats["pick_rate_standard_error"][dc] = round(3600 / mean * cv / len(lines) ** 0.5, 3)
        errors = sum(1 for _, e in lines if e)
        if len(lines) >= MIN_LINES_FOR_ERRORS or errors >= MIN_ERRORS:
            changes["pick_error_rate"] = round(errors / len(lines), 6)
        else:
            notes.append(f"{dc} pick error rate kept: {len(lines)} lines, {errors} errors")
    else:
        notes.append(f"{dc} pick rate kept: {len(lines)} lines (needs {MIN_LINES})")
    if len(orders) >= MIN_PACKS:
        mean = statistics.fmean(orders)
        changes["pack_orders_per_hour"] = round(3600 / mean, 3)
        changes["pack_time_cv"] = round(statistics.pstdev(orders) / mean, 4)
    else:
        notes.append(f"{dc} pack rate kept: {len(orders)} packs (needs {MIN_PACKS})")
    return changes


def fit_labour(history: History, prior: LabourParams) -> Fit:
    notes: list[str] = []
    picks: dict[str, list[tuple[float, bool]]] = {}
    packs: dict[str, list[float]] = {}
    first_pick: dict[tuple[str, str], datetime] = {}
    pick_log: dict[tuple[str, str], list[float]] = {}
    hourly: dict[tuple[str, datetime], list[float]] = {}
    for event in history.events("wms.pick_completed"):
        pick = payload_of(event, PickCompletedRow)
        dc, seconds = pick["dc"], pick["duration_s"]
        picks.setdefault(dc, []).append((seconds, bool(pick.get("error"))))
        key = (dc, pick["sku"])
        first_pick.setdefault(key, event.occurred_at)
        if len(pick_log.setdefault(key, [])) < LEARNING_PICKS_SEEN:
            pick_log[key].append(seconds)
        hour = event.occurred_at.replace(minute=0, second=0, microsecond=0)
        hourly.setdefault((dc, hour), []).append(seconds)
    for event in history.events("wms.pack_completed"):
        pack = payload_of(event, PackCompletedRow)
        packs.setdefault(pack["dc"], []).append(pack["duration_s"])

    shifts = _shifts(history, prior, notes)
    dcs = []
    stats: dict = {
        "lines_by_dc": {dc: len(p) for dc, p in sorted(picks.items())},
        "packs_by_dc": {dc: len(p) for dc, p in sorted(packs.items())},
        "pick_rate_standard_error": {},
    }
    for old in prior.dcs:
        changes = _rates(old.dc, picks.get(old.dc, []), packs.get(old.dc, []), stats, notes)
        if old.dc in shifts:
            changes["shifts"] = shifts[old.dc]
        dcs.append(dataclasses.replace(old, **changes))

    learning = _learning(history, prior, dcs, first_pick, pick_log, notes)
    params = dataclasses.replace(prior, dcs=tuple(dcs), **learning)
    return Fit(
        params=params,
        observations=sum(len(p) for p in picks.values()),
        goodness_name="hourly pick-rate MAPE",
        goodness_value=_hourly_mape(params, hourly),
        notes=notes,
        stats=stats,
    )


def _shifts(history: History, prior: LabourParams, notes: list[str]) -> dict:
    if history.window.hours < MIN_DAYS_FOR_SHIFTS * 24:
        notes.append(f"shifts kept: the window is shorter than {MIN_DAYS_FOR_SHIFTS} days")
        return {}
    arrivals: dict[str, list[tuple[datetime, str, datetime | None]]] = {}
    for dc, _worker, role, since, until in history.clock_intervals():
        arrivals.setdefault(dc, []).append((since, role, until))
    names = {(dc.dc, round(s.start_hour * 4) / 4): s.name for dc in prior.dcs for s in dc.shifts}
    fitted = {}
    for dc, stints in arrivals.items():
        by_start: dict[float, list] = {}
        for crew in crews(stints, gap_h=CREW_GAP_H):
            at = crew[0][0]
            if hours_between(history.window.start, at) < CREW_GAP_H:
                continue  # a crew already at work when the window opened, seen arriving late
            start = round((at.hour + at.minute / 60) * 4) / 4
            by_start.setdefault(start % 24, []).append(crew)
        plans = []
        for start, occurrences in sorted(by_start.items()):
            weekdays = ["0"] * 7
            pickers, packers, loaders, lengths = [], [], [], []
            for crew in occurrences:
                weekdays[crew[0][0].weekday()] = "1"
                pickers.append(sum(1 for s in crew if s[1] == "picker"))
                packers.append(sum(1 for s in crew if s[1] == "packer"))
                loaders.append(sum(1 for s in crew if s[1] == "loader"))
                ends = [hours_between(s[0], s[2]) for s in crew if s[2] is not None]
                if ends:
                    # Whoever was idle at the end left on time; the busy ones finished first.
                    lengths.append(min(ends))
            if not lengths:
                continue
            plans.append(
                ShiftPlan(
                    name=names.get((dc, start), f"{int(start):02d}:{int(start % 1 * 60):02d}"),
                    start_hour=start,
                    hours=round(median(lengths) * 4) / 4,
                    weekdays="".join(weekdays),
                    pickers=round(median(pickers)),
                    packers=round(median(packers)),
                    loaders=round(median(loaders)),
                )
            )
        if plans:
            fitted[dc] = tuple(plans)
    for dc in prior.dcs:
        if dc.dc not in fitted:
            notes.append(f"shifts of {dc.dc} kept: no complete crew stint in the window")
    return fitted


def _learning(history, prior, dcs, first_pick, pick_log, notes) -> dict:
    """Time factor of a SKU's first picks at a DC that had not picked it before."""
    cutoff_h = NEW_SKU_AFTER_DAYS * 24
    # An origin with no engineered standard (a marketplace's seller region) has no norm.
    normal = {dc.dc: 3600 / dc.pick_lines_per_hour for dc in dcs if dc.pick_lines_per_hour > 0}
    factors = []
    for (dc, _sku), at in first_pick.items():
        seen = pick_log[(dc, _sku)]
        if hours_between(history.window.start, at) >= cutoff_h and len(seen) >= LEARNING_PICKS_SEEN:
            factors.append(statistics.fmean(seen[:3]) / normal[dc] if dc in normal else 1.0)
    if len(factors) < MIN_NEW_SKUS:
        notes.append(
            f"learning curve kept: {len(factors)} SKUs new to a DC in the window "
            f"(needs {MIN_NEW_SKUS} with {LEARNING_PICKS_SEEN} picks each)"
        )
        return {}
    return {"new_sku_time_factor": round(max(1.0, statistics.fmean(factors)), 3)}


def _hourly_mape(params: LabourParams, hourly) -> float | None:
    rates = {dc.dc: dc.pick_lines_per_hour for dc in params.dcs}
    errors = []
    for (dc, _hour), seconds in hourly.items():
        if len(seconds) >= MIN_LINES_PER_HOUR and dc in rates:
            observed = 3600 * len(seconds) / sum(seconds)
            errors.append(abs(rates[dc] - observed) / observed)
    return statistics.fmean(errors) if errors else None
