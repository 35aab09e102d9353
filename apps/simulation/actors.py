"""The base of the model's long-lived salabim components (its actors)."""

import sys
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


class Actor(sim.Component):
    """A salabim component whose status and mode are not monitored.

    salabim tallies both on every event (about two tallies an event) for statistics the
    model never reads; the model keeps its own counters (PERFORMANCE.md). `wakes` counts
    the events it scheduled for itself after its start: the run's event count.
    """

    def __init__(self, *args, **kwargs) -> None:
        self.wakes = 0
        super().__init__(*args, **kwargs)
        self.status.monitor(False)
        self.mode.monitor(False)


def environment(*, seed: int) -> sim.Environment:
    """A run's own salabim environment. Its processes are generators (`yield self.hold`):
    salabim's default greenlets cost more per event, and choosing here rather than with
    salabim's global switch leaves any other model in the process as it was."""
    return sim.Environment(trace=False, random_seed=seed, yieldless=False)
