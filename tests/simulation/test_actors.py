"""The engine's stand-in for salabim's caller-frame look-up finds what salabim's finds."""

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
