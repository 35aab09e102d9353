"""The engine's short paths through salabim: the caller-frame look-up finds what salabim's
finds, and actors scheduled by `wake_at` and `rest` under an `Engine` live through the very
events salabim's `hold` and `passivate` give them."""

import pytest
import salabim as sim
import salabim.salabim as salabim_core

from apps.simulation import actors
from apps.simulation.actors import Actor, environment


class Idle(Actor):
    def process(self):
        yield self.hold(1.0)


def nested(depth: int, call):
    return call() if depth == 0 else nested(depth - 1, call)


def built_and_run():
    """An environment built and run from here: what salabim recorded as its callers."""
    env = environment(seed=1)
    built_by = env._main.frame.f_code
    Idle(env=env)
    env.run(till=2.0)
    return built_by, env._main.frame.f_code, dict(env._source_files)


def test_salabims_caller_frame_look_up_is_replaced():
    assert actors.salabim_caller_frame is not None, "salabim no longer has _get_caller_frame"
    assert salabim_core._get_caller_frame is actors._caller_frame


def test_both_look_ups_find_the_same_callers(monkeypatch):
    ours = nested(5, built_and_run)
    monkeypatch.setattr(salabim_core, "_get_caller_frame", actors.salabim_caller_frame)
    salabims = nested(5, built_and_run)
    assert ours == salabims
    # The environment was built in actors.environment and run from built_and_run.
    assert ours[0] is environment.__code__
    assert ours[1] is built_and_run.__code__


class Counter(Actor):
    """Holds for draws of its own stream; hands every third step to the helper, whom it
    finds resting, and who works for a draw and rests again."""

    def setup(self, log: list, helper, lean: bool, seed: int) -> None:
        import random

        self.log, self.helper, self.lean = log, helper, lean
        self.rng = random.Random(seed)

    def process(self):
        for step in range(300):
            at = self.env.now() + self.rng.expovariate(1.0)
            self.log.append((self.env.now(), self.name(), step))
            yield self.wake_at(at) if self.lean else self.hold(till=at)
            if step % 3 == 0 and self.helper.ispassive():
                helper_at = self.env.now() + self.rng.expovariate(2.0)
                if self.lean:
                    self.helper.wake_at(helper_at)
                else:
                    self.helper.hold(till=helper_at)


class Helper(Actor):
    def setup(self, log: list, lean: bool) -> None:
        self.log, self.lean = log, lean

    def process(self):
        while True:
            self.log.append((self.env.now(), self.name(), self.status()))
            yield self.rest() if self.lean else self.passivate()


def lived(*, lean: bool) -> tuple[list, int, sim.Environment]:
    """What happened, and when, to three counters and a helper, on an Engine through the
    short paths or on plain salabim through hold and passivate."""
    env = environment(seed=1) if lean else sim.Environment(trace=False, yieldless=False)
    log: list = []
    helper = Helper(env=env, name="helper", log=log, lean=lean)
    for i in range(3):
        Counter(env=env, name=f"counter{i}", log=log, helper=helper, lean=lean, seed=i)
    env.run(till=150.0)
    return log, helper.wakes, env


def test_wake_at_and_rest_give_the_events_hold_and_passivate_give():
    lean, lean_wakes, _ = lived(lean=True)
    plain, _, _ = lived(lean=False)
    assert len(lean) > 500 and any(name == "helper" for _, name, _ in lean[1:])
    assert lean == plain
    # The helper's wakes are those wake_at scheduled: one per hand-over.
    assert lean_wakes == sum(1 for _, name, _ in lean if name == "helper") - 1


def test_the_engines_run_loop_takes_every_actor_event_itself(monkeypatch):
    general = []
    monkeypatch.setattr(
        sim.Environment,
        "step",
        lambda env: general.append(env._event_list[0][3]) or GENERAL_STEP(env),
    )
    env = lived(lean=True)[2]
    # salabim's own step ran the run's end only: the loop took every actor event itself.
    assert general == [env._main]


GENERAL_STEP = sim.Environment.step


class Plain(sim.Component):
    def setup(self, log: list) -> None:
        self.log = log

    def process(self):
        for _ in range(3):
            yield self.hold(1.5)
            self.log.append(("plain", self.env.now()))


class Waker(Actor):
    def setup(self, log: list, target) -> None:
        self.log, self.target = log, target

    def process(self):
        yield self.wake_at(1.0)
        self.log.append(("waker", self.env.now()))
        # The target is scheduled (holding till 5): wake_at takes salabim's hold, which
        # takes it off the event list first, so it wakes once, at 2.
        self.target.wake_at(2.0)
        with pytest.raises(ValueError, match="before now"):
            self.wake_at(0.5)
        yield self.wake_at(3.0)


class Sleeper(Actor):
    def setup(self, log: list) -> None:
        self.log = log

    def process(self):
        yield self.wake_at(5.0)
        self.log.append(("sleeper", self.env.now()))


def test_an_engine_runs_plain_components_and_rescheduled_actors_as_salabim_does():
    env = environment(seed=1)
    log: list = []
    Plain(env=env, log=log)
    sleeper = Sleeper(env=env, log=log)
    Waker(env=env, log=log, target=sleeper)
    env.run(till=10.0)
    assert log == [("waker", 1.0), ("plain", 1.5), ("sleeper", 2.0), ("plain", 3.0), ("plain", 4.5)]
    assert sleeper.status() == "data" and sleeper.status.value == "data"
