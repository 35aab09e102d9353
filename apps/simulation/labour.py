"""Labour: shifts and crews, pick and pack times, pick errors, the learning curve, overtime.

Workers are long-lived salabim components working through a deque of plain order records
(creating a component per order would cap the model near 2,000 orders a second).
"""

import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import salabim as sim

from apps.simulation.actors import Actor
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


class Crew:
    """The workers of one role at one DC, the queue they work, and what their time went on."""

    def __init__(
        self,
        *,
        env: sim.Environment,
        size: int,
        duration_of: Callable[[object], float],
        on_start: Callable[[object, float], None] | None,
        on_done: Callable[[object, float], None],
        warmup_h: float,
        horizon_h: float,
    ) -> None:
        self.queue: deque = deque()
        self.idle: list[Worker] = []
        self.active = 0
        self.busy_h = 0.0
        # Work finished after the worker's shift had ended: overtime, clocked as well as
        # busy, so that no hour's utilisation exceeds 100% (see apps/simulation/kpis.py).
        self.spill_h = 0.0
        self.busy_by_hour = [0.0] * (int(horizon_h) + 2)
        self.spill_by_hour = [0.0] * (int(horizon_h) + 2)
        self.duration_of = duration_of
        self.on_start = on_start
        self.on_done = on_done
        self.warmup_h = warmup_h
        self.horizon_h = horizon_h
        self.workers = [Worker(env=env, crew=self, index=i) for i in range(size)]

    def enqueue(self, order: object, now_h: float) -> None:
        """Queue an order; an idle worker on shift takes it at once."""
        self.queue.append(order)
        idle, active = self.idle, self.active
        if idle and active:  # off shift (nights), the idle are all off the clock
            for i in range(len(idle) - 1, -1, -1):
                if idle[i].index < active:
                    idle.pop(i).take_next(now_h)
                    return

    def resize(self, active: int, now_h: float, ending: int = 0) -> None:
        # A worker whose shift ends mid-task finishes it on overtime, from now; one whose
        # shift starts again mid-task is back on the clock from now.
        idle = set(self.idle)
        # Of the `ending` workers whose shift ends now, those the next shift replaces
        # hand over: the busy among them finish their task on overtime. The twin's workers
        # are slots, not people: each busy slot kept on carries its share of them.
        kept = min(self.active, active)
        handed = max(0, min(ending, self.active) - (self.active - kept))
        if handed and kept:
            share = handed / kept
            for worker in self.workers:
                if worker.index < kept and worker not in idle and worker.off_shift_at is None:
                    worker.handover_at, worker.handover_share = now_h, share
        for worker in self.workers:
            if worker.index >= active:
                if worker.off_shift_at is None and worker not in idle:
                    worker.off_shift_at = now_h
            elif worker.off_shift_at is not None:
                self.record_spill(worker.off_shift_at, now_h)
                worker.off_shift_at = None
        self.active = active
        waiting = len(self.queue)
        for worker in [w for w in self.idle if w.index < active][:waiting]:
            self.idle.remove(worker)
            worker.take_next(now_h)

    def record_spill(self, start_h: float, end_h: float, share: float = 1.0) -> None:
        """Overtime worked off shift in [start_h, end_h), within the measured span, by
        `share` of a worker."""
        start_h = max(start_h, self.warmup_h)
        end_h = min(end_h, self.horizon_h)
        if end_h <= start_h:
            return
        self.spill_h += (end_h - start_h) * share
        by_hour = self.spill_by_hour
        while start_h < end_h:
            boundary = min(float(int(start_h) + 1), end_h)
            by_hour[int(start_h)] += (boundary - start_h) * share
            start_h = boundary

    def record_busy(self, start_h: float, end_h: float) -> None:
        if self.warmup_h <= start_h and end_h <= self.horizon_h and int(start_h) == int(end_h):
            # Most work starts and ends within one hour of the horizon.
            self.busy_h += end_h - start_h
            self.busy_by_hour[int(start_h)] += end_h - start_h
            return
        start_h = max(start_h, self.warmup_h)
        end_h = min(end_h, self.horizon_h)
        if end_h <= start_h:
            return
        self.busy_h += end_h - start_h
        by_hour = self.busy_by_hour
        hour = int(start_h)
        while start_h < end_h:
            boundary = min(float(hour + 1), end_h)
            by_hour[hour] += boundary - start_h
            start_h = boundary
            hour += 1


class Worker(Actor):
    def setup(self, crew: Crew, index: int) -> None:
        self.crew = crew
        self.index = index
        self.off_shift_at: float | None = None  # when its shift ended while it worked
        # When a shift handed this busy slot over, and the share of an ending worker it
        # carries (see Crew.resize).
        self.handover_at: float | None = None
        self.handover_share = 0.0
        self.task: object = None
        self.started_h = self.ends_h = 0.0

    def begin(self, now_h: float) -> float:
        """Start the crew's next queued task now; when it will be done."""
        crew = self.crew
        self.wakes += 1
        self.task = task = crew.queue.popleft()
        self.started_h = now_h
        if crew.on_start is not None:
            crew.on_start(task, now_h)
        self.ends_h = now_h + crew.duration_of(task)
        return self.ends_h

    def take_next(self, now_h: float) -> None:
        """An idle worker handed the next task: it wakes when the task is done, without an
        event to wake it first (a wake-up per task was a fifth of the model's events)."""
        self.activate(at=self.begin(now_h))

    def process(self):
        crew = self.crew
        queue, idle = crew.queue, crew.idle
        while True:
            if queue and self.index < crew.active:
                yield self.hold(till=self.begin(self.ends_h))
            else:
                idle.append(self)
                yield self.passivate()  # until handed a task (take_next), at its end
            start, end = self.started_h, self.ends_h
            crew.record_busy(start, end)
            if self.off_shift_at is not None:
                crew.record_spill(self.off_shift_at, end)
                self.off_shift_at = None
            if self.handover_at is not None:
                crew.record_spill(self.handover_at, end, self.handover_share)
                self.handover_at = None
            crew.on_done(self.task, end)


class GammaPool:
    """Standard gamma variates drawn in blocks from NumPy, one generator per shape.

    random.gammavariate is pure Python and was the model's largest cost of its own; a
    block drawn in C and served from a list costs an index per draw. Seeds come from the
    caller's stream, so runs stay reproducible and common random numbers stay aligned.
    """

    BLOCK = 2048

    def __init__(self, rng: random.Random) -> None:
        self.seed = rng.getrandbits(63)
        self.pools: dict[float, tuple[np.random.Generator, list[float], list[int]]] = {}

    def draw(self, shape: float) -> float:
        pool = self.pools.get(shape)
        if pool is None:
            generator = np.random.default_rng([self.seed, len(self.pools)])
            pool = self.pools[shape] = (generator, [], [0])
        generator, values, cursor = pool
        if cursor[0] == len(values):
            values[:] = generator.standard_gamma(shape, self.BLOCK).tolist()
            cursor[0] = 0
        value = values[cursor[0]]
        cursor[0] += 1
        return value


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
