"""The base of the model's long-lived salabim components (its actors)."""

import salabim as sim


class Actor(sim.Component):
    """A salabim component whose status and mode are not monitored.

    salabim tallies both on every event (about two tallies an event) for statistics the
    model never reads; the model keeps its own counters (PERFORMANCE.md).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status.monitor(False)
        self.mode.monitor(False)
