"""The base of the model's long-lived salabim components (its actors)."""

import salabim as sim


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
