"""The reference for our model's cost per event: a bare salabim M/M/c loop, written the way
PERFORMANCE.md measured it (long-lived servers working a deque, no bookkeeping)."""

import collections
import random
import time

import salabim as sim

sim.yieldless(True)


def mmc_events_per_second(
    *, customers: int, servers: int = 8, load: float = 0.9
) -> tuple[int, float]:
    """(events scheduled, wall seconds) for `customers` through an M/M/c queue."""
    env = sim.Environment(trace=False, random_seed=1)
    rng = random.Random(1)
    queue: collections.deque = collections.deque()
    idle: list = []

    class Server(sim.Component):
        def process(self):
            while True:
                while not queue:
                    idle.append(self)
                    self.passivate()
                queue.popleft()
                self.hold(rng.expovariate(1.0))

    class Arrivals(sim.Component):
        def process(self):
            for _ in range(customers):
                self.hold(rng.expovariate(load * servers))
                queue.append(env.now())
                if idle:
                    idle.pop().activate()

    for _ in range(servers):
        Server(env=env)
    Arrivals(env=env)
    started = time.perf_counter()
    env.run()
    return env._seq, time.perf_counter() - started
