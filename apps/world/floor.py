"""The floor: shifts clock in and out with their crews, pickers pick line by line, packers
pack; crews grow and shrink, and the day's last shift runs over, as decisions say."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from apps.world.truth import Order, Worker

logger = logging.getLogger(__name__)


@dataclass
class Staffing:
    """What decisions changed on the floors since the world began (empty in an unchanged one)."""

    # (dc, shift) -> [(role, delta)]: hires and leavers join or leave at the shift's next start,
    # so a crew that is working finishes its shift as it began it.
    crew_changes: dict[tuple[str, str], list[tuple[str, int]]] = field(default_factory=dict)
    # dc -> hours the last shift of each working day runs over.
    overtime_h: dict[str, float] = field(default_factory=dict)
    # (dc, shift) -> overtime of the run now on the floor, decided when it clocked in.
    running_over_h: dict[tuple[str, str], float] = field(default_factory=dict)
    # dc -> overtime labour-hours worked since its last payroll posting.
    overtime_due_h: dict[str, float] = field(default_factory=dict)
    # dc -> workers who left: their hours still count in what the floor really did.
    departed: dict[str, list[Worker]] = field(default_factory=dict)


def worker_id_prefix(dc: str, shift: str, role: str) -> str:
    """Worker ids carry their DC, their shift's name and their role: "NE-DAY-PI" + "03"."""
    return f"{dc}-{shift[:3].upper()}-{role[:2].upper()}"


class Floor:
    def _shift_start(self, now: float, dc: str, shift: str) -> None:
        self._crew_changes_take_effect(dc, shift)
        crew = self.workers[dc][shift]
        for worker in crew:
            worker.working, worker.leaving = True, False
            worker.clocked_in_at = now
            self.emit(
                now,
                "wms",
                "wms.labor_clock",
                {"dc": dc, "worker_id": worker.id, "role": worker.role, "direction": "in"},
            )
            if worker.role in ("picker", "packer"):
                self.idle[dc][worker.role].append(worker)
        overtime_h = self._overtime_of_run(now, dc, shift)
        if overtime_h:
            self.staffing.running_over_h[(dc, shift)] = overtime_h
            floor_crew = sum(1 for w in crew if w.role in ("picker", "packer"))
            due = self.staffing.overtime_due_h
            due[dc] = due.get(dc, 0.0) + overtime_h * floor_crew
        self._dispatch(dc, "picker", now)
        self._dispatch(dc, "packer", now)

    def _shift_end(self, now: float, dc: str, shift: str) -> None:
        # Overtime is for the pick and pack floor, where the backlog is: loaders leave on time.
        overtime_h = self.staffing.running_over_h.pop((dc, shift), 0.0)
        for worker in self.workers[dc][shift]:
            if worker.role == "loader":
                self._clock_out(worker, dc, now)
            elif not overtime_h:
                self._stop_work(worker, dc, now)
        if overtime_h:
            self.at(now + overtime_h, self._overtime_end, dc, shift)

    def _overtime_end(self, now: float, dc: str, shift: str) -> None:
        for worker in self.workers[dc][shift]:
            if worker.role != "loader":
                self._stop_work(worker, dc, now)

    def _stop_work(self, worker: Worker, dc: str, now: float) -> None:
        if worker in self.idle[dc][worker.role]:
            self.idle[dc][worker.role].remove(worker)
            self._clock_out(worker, dc, now)
        else:
            worker.leaving = True  # finishes the order in hand first
            worker.stopped_at = now

    def _clock_out(self, worker: Worker, dc: str, now: float) -> None:
        if worker.leaving:
            # The order in hand, finished after the shift: overtime the payroll pays.
            due = self.staffing.overtime_due_h
            due[dc] = due.get(dc, 0.0) + now - worker.stopped_at
            worker.leaving = False
        worker.working = False
        worker.clocked_h += now - worker.clocked_in_at
        self.emit(
            now,
            "wms",
            "wms.labor_clock",
            {"dc": dc, "worker_id": worker.id, "role": worker.role, "direction": "out"},
        )

    # ---- what decisions change -----------------------------------------------------------
    def crew_change(self, dc: str, shift: str, role: str, delta: int) -> None:
        """`delta` more (or fewer) workers of `role` on the shift from its next start on."""
        self.staffing.crew_changes.setdefault((dc, shift), []).append((role, delta))

    def overtime_set(self, dc: str, hours_per_day: float) -> None:
        """From the next shift that clocks in, each working day's last shift runs this long over."""
        self.staffing.overtime_h[dc] = hours_per_day

    def _crew_changes_take_effect(self, dc: str, shift: str) -> None:
        crew = self.workers[dc][shift]
        for role, delta in self.staffing.crew_changes.pop((dc, shift), []):
            of_role = [w for w in crew if w.role == role]
            if delta > 0:
                # Numbered after every worker the role ever had: a leaver's id is not reused.
                prefix = worker_id_prefix(dc, shift, role)
                gone = [w for w in self.staffing.departed.get(dc, []) if w.id.startswith(prefix)]
                first = len(of_role) + len(gone) + 1
                crew += [Worker(f"{prefix}{n:02d}", role) for n in range(first, first + delta)]
            elif delta < 0:
                # The last hired leave first; never more than the role has (a second decision
                # may cut a crew the first one already cut).
                leaving = of_role[max(0, len(of_role) + delta) :]
                if -delta > len(of_role):
                    logger.warning("%s %s shift: %d %ss to cut, %d left; all of them leave",
                                   dc, shift, -delta, role, len(of_role))  # fmt: skip
                for worker in leaving:
                    crew.remove(worker)
                self.staffing.departed.setdefault(dc, []).extend(leaving)

    def _overtime_of_run(self, now: float, dc: str, shift: str) -> float:
        """The decided overtime if `shift` is the last to start on the day it starts."""
        overtime_h = self.staffing.overtime_h.get(dc, 0.0)
        if not overtime_h:
            return 0.0
        weekday = (self.start + timedelta(hours=now)).weekday()
        running = [s for s in self.dcs[dc].shifts if s.weekdays[weekday] == "1"]
        last = max(running, key=lambda s: s.starts_at, default=None)
        return overtime_h if last is not None and last.name == shift else 0.0

    def _labour_hours_booked(self, dc: str, weekday: int) -> tuple[float, float]:
        """(straight, overtime) labour-hours of the day to pay: each shift of that weekday
        at its crew as it worked, and the overtime worked since the last posting."""
        straight_h = sum(
            float(s.hours) * len(self.workers[dc][s.name])
            for s in self.dcs[dc].shifts
            if s.weekdays[weekday] == "1"
        )
        return straight_h, self.staffing.overtime_due_h.pop(dc, 0.0)

    def _close_clocks(self) -> None:
        """Account for workers still clocked in when the stream ends, and report utilisation."""
        for dc, shifts in self.workers.items():
            busy = clocked = 0.0
            for crew in [*shifts.values(), self.staffing.departed.get(dc, [])]:
                for worker in crew:
                    if worker.role not in ("picker", "packer"):
                        continue
                    busy += worker.busy_h
                    clocked += worker.clocked_h + (
                        self.horizon - worker.clocked_in_at if worker.working else 0.0
                    )
            self.truth.labour_utilisation[dc] = round(busy / clocked, 4) if clocked else 0.0

    def _dispatch(self, dc: str, role: str, now: float) -> None:
        queue = self.pick_queue[dc] if role == "picker" else self.pack_queue[dc]
        idle = self.idle[dc][role]
        while queue and idle:
            worker = idle.pop(0)
            order = queue.popleft()
            if role == "picker":
                self._pick(worker, order, now)
            else:
                self._pack(worker, order, now)

    def _gamma(self, mean: float, cv: float) -> float:
        shape = 1 / cv**2
        return self.rng.gammavariate(shape, mean / shape)

    def _pick(self, worker: Worker, order: Order, now: float) -> None:
        truth = self.truth.dcs[order.dc]
        t = now
        for sku, qty in order.lines.items():
            duration = self._gamma(1 / truth.pick_lines_per_hour, truth.pick_time_cv)
            error = self.rng.random() < truth.pick_error_rate
            order.errors += error
            self.emit(
                t + duration,
                "wms",
                "wms.pick_completed",
                {
                    "order_id": order.id,
                    "dc": order.dc,
                    "sku": sku,
                    "qty": qty,
                    "picker_id": worker.id,
                    "started_at": self.iso(t),
                    "duration_s": round(duration * 3600, 1),
                    "error": error,
                },
            )
            t += duration
        worker.busy_h += t - now
        self.at(t, self._picked, worker, order)

    def _picked(self, now: float, worker: Worker, order: Order) -> None:
        self._free(worker, order.dc, now)
        self.pack_queue[order.dc].append(order)
        self._dispatch(order.dc, "packer", now)

    def _pack(self, worker: Worker, order: Order, now: float) -> None:
        truth = self.truth.dcs[order.dc]
        duration = self._gamma(1 / truth.pack_orders_per_hour, truth.pack_time_cv)
        worker.busy_h += duration
        self.emit(
            now + duration,
            "wms",
            "wms.pack_completed",
            {
                "order_id": order.id,
                "dc": order.dc,
                "packer_id": worker.id,
                "duration_s": round(duration * 3600, 1),
            },
        )
        self.at(now + duration, self._packed, worker, order)

    def _packed(self, now: float, worker: Worker, order: Order) -> None:
        self._free(worker, order.dc, now)
        self._route(order, now)
        self.staged[order.dc].append(order)

    def _free(self, worker: Worker, dc: str, now: float) -> None:
        if worker.leaving:
            self._clock_out(worker, dc, now)
            return
        self.idle[dc][worker.role].append(worker)
        self._dispatch(dc, worker.role, now)
