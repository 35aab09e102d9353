"""The floor: shifts clock in and out, pickers pick line by line, packers pack."""

from apps.world.truth import Order, Worker


class Floor:
    def _shift_start(self, now: float, dc: str, shift: str) -> None:
        for worker in self.workers[dc][shift]:
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
        self._dispatch(dc, "picker", now)
        self._dispatch(dc, "packer", now)

    def _shift_end(self, now: float, dc: str, shift: str) -> None:
        for worker in self.workers[dc][shift]:
            if worker in self.idle[dc].get(worker.role, []):
                self.idle[dc][worker.role].remove(worker)
                self._clock_out(worker, dc, now)
            elif worker.role == "loader":
                self._clock_out(worker, dc, now)
            else:
                worker.leaving = True  # finishes the order in hand first

    def _clock_out(self, worker: Worker, dc: str, now: float) -> None:
        worker.working = False
        worker.clocked_h += now - worker.clocked_in_at
        self.emit(
            now,
            "wms",
            "wms.labor_clock",
            {"dc": dc, "worker_id": worker.id, "role": worker.role, "direction": "out"},
        )

    def _close_clocks(self) -> None:
        """Account for workers still clocked in when the stream ends, and report utilisation."""
        for dc, shifts in self.workers.items():
            busy = clocked = 0.0
            for crew in shifts.values():
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
        self.staged[order.dc].append(order)

    def _free(self, worker: Worker, dc: str, now: float) -> None:
        if worker.leaving:
            self._clock_out(worker, dc, now)
            return
        self.idle[dc][worker.role].append(worker)
        self._dispatch(dc, worker.role, now)
