"""Crews: the workers of one role at one DC, the queue of orders they work, and what their
time went on (busy, and overtime worked after a shift ended).

Workers are long-lived salabim components working through a deque of plain order records
(creating a component per order would cap the model near 2,000 orders a second).
"""

from collections import deque
from collections.abc import Callable

import salabim as sim

from apps.simulation.actors import Actor


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
        self.task = task = crew.queue.popleft()
        self.started_h = now_h
        if crew.on_start is not None:
            crew.on_start(task, now_h)
        self.ends_h = now_h + crew.duration_of(task)
        return self.ends_h

    def take_next(self, now_h: float) -> None:
        """An idle worker handed the next task: it wakes when the task is done, without an
        event to wake it first (a wake-up per task was a fifth of the model's events)."""
        self.wake_at(self.begin(now_h))

    def process(self):
        crew = self.crew
        queue, idle = crew.queue, crew.idle
        while True:
            if queue and self.index < crew.active:
                yield self.wake_at(self.begin(self.ends_h))
            else:
                idle.append(self)
                yield self.rest()  # until handed a task (take_next), at its end
            start, end = self.started_h, self.ends_h
            crew.record_busy(start, end)
            if self.off_shift_at is not None:
                crew.record_spill(self.off_shift_at, end)
                self.off_shift_at = None
            if self.handover_at is not None:
                crew.record_spill(self.handover_at, end, self.handover_share)
                self.handover_at = None
            crew.on_done(self.task, end)
