"""The base of the model's long-lived salabim components (its actors)."""

import sys
from heapq import heappop, heappush
from math import inf
from types import FrameType

import salabim as sim
import salabim.salabim as salabim_core

SALABIM_SOURCE = sim.Environment.__init__.__code__.co_filename


def _caller_frame() -> FrameType:
    """The frame that called into salabim: the frame salabim's own `_get_caller_frame`
    returns, found by walking the frames instead of through `inspect.stack()`.

    salabim asks for it three times a run (twice building an environment, once in `run`),
    and `inspect.stack()`, called twice each time, reads the source context of every frame
    on the stack: 17 ms a call under a Celery task or a test (about 30 frames, 2,000 modules
    loaded), 50 ms a replication, a twentieth of a 14-day one.
    """
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename in (SALABIM_SOURCE, "<string>"):
        frame = frame.f_back
    return frame


# A private helper of salabim's, kept for tests/simulation/test_actors.py, which checks
# that both find the same frame and that the replacement is in place.
salabim_caller_frame = getattr(salabim_core, "_get_caller_frame", None)
if salabim_caller_frame is not None:
    salabim_core._get_caller_frame = _caller_frame


# salabim's own status values. Compared by identity below, as salabim sets these very
# objects: any other value only sends the actor down salabim's general path.
CURRENT, PASSIVE, SCHEDULED = salabim_core.current, salabim_core.passive, salabim_core.scheduled


class _Status:
    """A component's status as a plain value, in place of salabim's status monitor.

    salabim sets a component's status twice an event, and each time its monitor runs a
    property and a tally even when monitoring is off (7% of a profiled replication), for
    statistics the model never reads. salabim reads it back as `status.value` or `status()`.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    @property
    def value(self) -> str:
        return self._value

    def __call__(self) -> str:
        return self._value


class Actor(sim.Component):
    """A salabim component that only holds and passivates, with less bookkeeping per event.

    Its status is a plain value (`_Status`) and its mode is not monitored; the model keeps
    its own counters (PERFORMANCE.md). It schedules itself with `wake_at` and `rest`:
    salabim's `hold(till=...)` and `passivate()` without the generality it never uses. An
    `Engine` environment runs its events through a shorter step. `wakes` counts the events
    it scheduled for itself after its start: the run's event count.
    """

    def __init__(self, *args, **kwargs) -> None:
        self.wakes = 0
        super().__init__(*args, **kwargs)
        self.status = _Status(self.status())
        self.mode.monitor(False)

    def wake_at(self, till: float) -> None:
        """`hold(till=till)`, for an actor holding from its own process (current) or handed
        work while passive: salabim's hold would also sample a distribution, convert a
        date, set a mode, trace, fail pending requests and take the component off the
        event list, none of which applies then. The event it schedules is the one hold
        would: same time, priority 0, next sequence number."""
        self.wakes += 1
        env = self.env
        status = self.status
        if status._value is not CURRENT and status._value is not PASSIVE:
            self.hold(till=till)
            return
        till = float(till)
        if till < env._now:
            raise ValueError(f"scheduled time ({till:0.3f}) before now ({env._now:0.3f})")
        status._value = SCHEDULED
        self._scheduled_time = till
        env._seq += 1
        self._on_event_list = True
        heappush(env._event_list, (till, 0, env._seq, self, None))

    def rest(self) -> None:
        """`passivate()`, for an actor resting from its own process: it waits, off the
        event list, until something hands it work (`wake_at`)."""
        if self.status._value is not CURRENT:
            self.passivate()
            return
        self._remaining_duration = 0.0
        self._scheduled_time = inf
        self.status._value = PASSIVE


class Engine(sim.Environment):
    """salabim's environment, whose run loop takes an actor's event itself.

    salabim's loop calls its step for every event, and the step also serves animation, a
    user interface, tracing, standby components, greenlet processes, return values and
    failed requests, none of which applies to an actor woken by `wake_at`. Any other event
    (the run's end, a plain component, a return value) goes through salabim's own step, and
    an animated run through salabim's own loop.
    """

    def do_simulate(self) -> None:
        if self._animate or self._blind_animation:
            super().do_simulate()
            return
        event_list = self._event_list
        while self.running and not self._animate:
            if event_list and not (
                self._standbylist or self._pendingstandbylist or self._trace or self._ui
            ):
                t, _, _, component, value = event_list[0]
                if (
                    value is None
                    and t != inf
                    and isinstance(component, Actor)
                    and component._process_isgenerator
                ):
                    heappop(event_list)
                    component._on_event_list = False
                    self._now = t
                    self._current_component = component
                    component.status._value = CURRENT
                    component._scheduled_time = inf
                    try:
                        component._process.send(None)
                    except StopIteration:
                        self._terminate(component)
                    continue
            self.step()


def environment(*, seed: int) -> Engine:
    """A run's own salabim environment. Its processes are generators (`yield self.hold`):
    salabim's default greenlets cost more per event, and choosing here rather than with
    salabim's global switch leaves any other model in the process as it was."""
    return Engine(trace=False, random_seed=seed, yieldless=False)
