"""Labour: shifts and crew sizes over time, pick and pack times, pick errors, the learning
curve, overtime. The workers themselves, and the queues they work, are crews.py's."""

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from apps.simulation.errors import SimulationInputError

# After `learning_picks` picks the gap to the DC's normal has closed to e^-3 ≈ 5%.
LEARNING_DECAY_AT_LEARNING_PICKS = 3.0


@dataclass(frozen=True)
class ShiftPlan:
    name: str
    start_hour: float  # hour of the day, 0–24
    hours: float
    weekdays: str  # Mon..Sun, "1" where the shift runs
    pickers: int
    packers: int
    # Loaders load the carriers' trucks: paid their shift, not part of pick/pack utilisation.
    loaders: int = 0


@dataclass(frozen=True)
class DcLabour:
    dc: str
    shifts: tuple[ShiftPlan, ...]
    pick_lines_per_hour: float  # per picker, for SKUs the DC knows
    pack_orders_per_hour: float  # per packer
    pick_error_rate: float  # share of lines picked wrong, for SKUs the DC knows
    # Coefficient of variation of pick and pack times (1.0 is exponential).
    pick_time_cv: float = 0.6
    pack_time_cv: float = 0.5
    # Planned overtime added to the last shift of each day.
    overtime_hours_per_day: float = 0.0


@dataclass(frozen=True)
class LabourParams:
    dcs: tuple[DcLabour, ...]
    # A SKU new to a DC: its first pick takes this many times as long, with this error rate,
    # converging to the DC's normal over `learning_picks` picks.
    new_sku_time_factor: float = 1.6
    new_sku_error_rate: float = 0.05
    learning_picks: int = 60
    max_overtime_hours_per_day: float = 4.0

    def for_dc(self, code: str) -> DcLabour:
        for dc in self.dcs:
            if dc.dc == code:
                return dc
        raise KeyError(code)

    def validate(self, *, dcs: tuple[str, ...]) -> None:
        known = set(dcs)
        for i, dc in enumerate(self.dcs):
            where = f"labour.dcs[{i}]"
            if dc.dc not in known:
                raise SimulationInputError(f"{where}.dc", f"unknown DC {dc.dc!r}")
            for name in ("pick_lines_per_hour", "pack_orders_per_hour"):
                if getattr(dc, name) <= 0:
                    raise SimulationInputError(f"{where}.{name}", "must be positive")
            if not 0 <= dc.pick_error_rate < 1:
                raise SimulationInputError(f"{where}.pick_error_rate", "must lie in [0, 1)")
            for name in ("pick_time_cv", "pack_time_cv"):
                if getattr(dc, name) <= 0:
                    raise SimulationInputError(f"{where}.{name}", "must be positive")
            if not 0 <= dc.overtime_hours_per_day <= self.max_overtime_hours_per_day:
                raise SimulationInputError(
                    f"{where}.overtime_hours_per_day",
                    f"must lie between 0 and the limit of {self.max_overtime_hours_per_day} h",
                )
            for j, shift in enumerate(dc.shifts):
                if shift.pickers < 0 or shift.packers < 0 or shift.loaders < 0:
                    raise SimulationInputError(f"{where}.shifts[{j}]", "headcount below zero")
                if not 0 < shift.hours <= 24 or len(shift.weekdays) != 7:
                    raise SimulationInputError(
                        f"{where}.shifts[{j}]", "needs 0–24 hours and 7 weekday flags"
                    )
        missing = known - {dc.dc for dc in self.dcs}
        if missing:
            raise SimulationInputError("labour.dcs", f"no labour for DC {sorted(missing)[0]!r}")
        if self.new_sku_time_factor < 1 or self.learning_picks <= 0:
            raise SimulationInputError(
                "labour.new_sku_time_factor", "must be ≥ 1 with learning_picks > 0"
            )


def learning_decay(picks_done: int, learning_picks: int) -> float:
    """Share of the new-SKU penalty left after this many picks: 1 at first, ~0.05 at the end."""
    return math.exp(-LEARNING_DECAY_AT_LEARNING_PICKS * picks_done / learning_picks)


@dataclass(frozen=True)
class CrewChange:
    at_h: float
    pickers: int
    packers: int
    # Workers whose shift ends at this moment, whether or not the next shift replaces
    # them: one busy then finishes its task on overtime while its successor starts.
    pickers_ending: int = 0
    packers_ending: int = 0


def crew_timeline(
    labour: DcLabour, *, start_hour_of_week: float, horizon_h: float, equipment_cap: int
) -> tuple[list[CrewChange], float, float]:
    """Crew size over the horizon, and the clocked labour-hours and overtime hours in it.

    Overtime extends the day's last shift. Pickers are capped by working pick stations.
    """
    intervals = []  # (start, end, pickers, packers, overtime_hours)
    # Day d starts at hour 24·d of the week-0 clock; simulation time 0 is start_hour_of_week.
    # The day before the start is included: its last shift may still be running.
    first_day = int(start_hour_of_week // 24) - 1
    last_day = int((start_hour_of_week + horizon_h) // 24)
    for day in range(first_day, last_day + 1):
        running = [s for s in labour.shifts if s.weekdays[day % 7] == "1"]
        last_start = max((s.start_hour for s in running), default=None)
        for shift in running:
            start = day * 24 + shift.start_hour - start_hour_of_week
            overtime = labour.overtime_hours_per_day if shift.start_hour == last_start else 0.0
            pickers = min(shift.pickers, equipment_cap)
            end = start + shift.hours + overtime
            intervals.append((start, end, pickers, shift.packers, overtime))
    changes: dict[float, list[int]] = {}
    ending: dict[float, list[int]] = {}
    clocked = overtime_total = 0.0
    for start, end, pickers, packers, overtime in intervals:
        lo, hi = max(start, 0.0), min(end, horizon_h)
        if hi > lo:
            clocked += (hi - lo) * (pickers + packers)
            ot_lo = max(end - overtime, lo)
            overtime_total += max(0.0, hi - ot_lo) * (pickers + packers)
        for at, sign in ((start, 1), (end, -1)):
            delta = changes.setdefault(max(at, 0.0), [0, 0])
            delta[0] += sign * pickers
            delta[1] += sign * packers
        leaving = ending.setdefault(max(end, 0.0), [0, 0])
        leaving[0] += pickers
        leaving[1] += packers
    timeline, pickers, packers = [], 0, 0
    for at in sorted(changes):
        pickers += changes[at][0]
        packers += changes[at][1]
        if at < horizon_h:
            timeline.append(CrewChange(at, pickers, packers, *ending.get(at, (0, 0))))
    return timeline, clocked, overtime_total


def loader_hours(labour: DcLabour, *, start_hour_of_week: float, horizon_h: float) -> float:
    """Loaders' clocked hours in [0, horizon_h): their shifts' hours (they leave on time)."""
    total = 0.0
    first_day = int(start_hour_of_week // 24) - 1
    last_day = int((start_hour_of_week + horizon_h) // 24)
    for day in range(first_day, last_day + 1):
        for shift in labour.shifts:
            if not shift.loaders or shift.weekdays[day % 7] != "1":
                continue
            start = day * 24 + shift.start_hour - start_hour_of_week
            lo, hi = max(start, 0.0), min(start + shift.hours, horizon_h)
            if hi > lo:
                total += (hi - lo) * shift.loaders
    return total


class GammaPool:
    """Standard gamma variates drawn in blocks from NumPy, one generator per shape.

    random.gammavariate is pure Python and was the model's largest cost of its own; a
    block drawn in C and served from a list costs an index per draw. Seeds come from the
    caller's stream, so runs stay reproducible and common random numbers stay aligned.
    """

    BLOCK = 2048

    def __init__(self, rng: random.Random) -> None:
        self.seed = rng.getrandbits(63)
        self.generators: dict[float, np.random.Generator] = {}
        self.blocks: dict[float, Iterator[float]] = {}

    def draw(self, shape: float) -> float:
        # Served from an iterator over the current block: a dict look-up and `next` a draw.
        try:
            return next(self.blocks[shape])
        except (KeyError, StopIteration):
            return self._refill(shape)

    def _refill(self, shape: float) -> float:
        generator = self.generators.get(shape)
        if generator is None:
            generator = np.random.default_rng([self.seed, len(self.generators)])
            self.generators[shape] = generator
        block = self.blocks[shape] = iter(generator.standard_gamma(shape, self.BLOCK).tolist())
        return next(block)


class PickTimes:
    """Pick time and errors of an order at one DC, with the learning curve for new SKUs."""

    def __init__(
        self, *, labour: DcLabour, params: LabourParams, known: list[bool], rng: random.Random
    ) -> None:
        self.hours_per_line = 1.0 / labour.pick_lines_per_hour
        self.shape_per_line = 1.0 / labour.pick_time_cv**2
        self.error_rate = labour.pick_error_rate
        self.extra_time = params.new_sku_time_factor - 1.0
        self.extra_error = max(0.0, params.new_sku_error_rate - labour.pick_error_rate)
        self.learning_picks = params.learning_picks
        self.known = known
        self.picks_of_new = [0] * len(known)
        self.rng = rng
        self.gamma = GammaPool(rng)
        self.new_lines = self.new_errors = self.known_lines = self.known_errors = 0
        self.new_time_factor_sum = 0.0

    @property
    def new_skus_picked(self) -> int:
        return sum(1 for picks in self.picks_of_new if picks)

    def draw(self, lines: list[tuple[int, int]]) -> tuple[float, int]:
        """(hours, lines picked wrong). The order's time is one gamma draw whose mean sums
        its lines' means: exact for lines of one kind, mean-preserving for mixed ones."""
        rng, known = self.rng, self.known
        factor_sum, errors, known_lines = 0.0, 0, 0
        for sku, _qty in lines:
            if known[sku]:
                known_lines += 1
                continue
            decay = learning_decay(self.picks_of_new[sku], self.learning_picks)
            self.picks_of_new[sku] += 1
            factor = 1.0 + self.extra_time * decay
            factor_sum += factor
            self.new_time_factor_sum += factor
            self.new_lines += 1
            if rng.random() < self.error_rate + self.extra_error * decay:
                errors += 1
                self.new_errors += 1
        if known_lines:
            factor_sum += known_lines
            wrong = binomial_by_inversion(rng.random(), known_lines, self.error_rate)
            errors += wrong
            self.known_errors += wrong
            self.known_lines += known_lines
        shape = self.shape_per_line * len(lines)
        return self.gamma.draw(shape) * self.hours_per_line * factor_sum / shape, errors


def binomial_by_inversion(uniform: float, n: int, p: float) -> int:
    """Binomial(n, p) from one uniform by inverting its CDF: with errors rare, almost every
    order settles at the first comparison instead of drawing once per line."""
    if p <= 0.0:
        return 0
    probability = (1.0 - p) ** n
    cumulative, k = probability, 0
    while uniform > cumulative and k < n:
        probability *= (n - k) / (k + 1) * p / (1.0 - p)
        k += 1
        cumulative += probability
    return k


class PackTimes:
    def __init__(self, *, labour: DcLabour, rng: random.Random) -> None:
        self.shape = 1.0 / labour.pack_time_cv**2
        self.scale = 1.0 / labour.pack_orders_per_hour / self.shape
        self.gamma = GammaPool(rng)

    def draw(self) -> float:
        return self.gamma.draw(self.shape) * self.scale
