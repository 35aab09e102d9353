"""Same inputs and seed, same outputs to the bit: here, twice, and in another process."""

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from apps.simulation.interventions import RouteViaCrossDock, ShiftVolume
from apps.simulation.model import run_replication
from apps.simulation.parameters import ModelParameters
from apps.simulation.serialization import from_jsonable, to_jsonable
from apps.simulation.snapshot import NetworkSnapshot
from tests.simulation.builders import demo_network

INTERVENTIONS = (ShiftVolume("NE", "SE", 0.3), RouteViaCrossDock(("NEN",), "XD1"))


def simulate_to_json(seed: int) -> str:
    return simulate_inputs_to_json(seed, *demo_network())


def simulate_sent_inputs_to_json(seed: int, sent: str) -> str:
    """As a worker runs it: the inputs arrive as JSON, since it cannot read the test's
    database (nor its session's cached input)."""
    document = json.loads(sent)
    return simulate_inputs_to_json(
        seed,
        from_jsonable(NetworkSnapshot, document["snapshot"]),
        from_jsonable(ModelParameters, document["parameters"]),
    )


def simulate_inputs_to_json(
    seed: int, snapshot: NetworkSnapshot, parameters: ModelParameters
) -> str:
    result = run_replication(
        snapshot, parameters, INTERVENTIONS, replication=2, seed=seed, horizon_hours=48
    )
    return json.dumps(to_jsonable(result), sort_keys=True)


def test_the_same_seed_gives_identical_output():
    assert simulate_to_json(77) == simulate_to_json(77)


def test_another_seed_gives_other_output():
    assert simulate_to_json(77) != simulate_to_json(78)


@pytest.mark.slow
def test_a_worker_process_gives_the_identical_output():
    # spawn: a fresh interpreter with its own hash seed, as a Celery worker would have.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        snapshot, parameters = demo_network()
        sent = json.dumps(
            {"snapshot": to_jsonable(snapshot), "parameters": to_jsonable(parameters)}
        )
        remote = pool.submit(simulate_sent_inputs_to_json, 77, sent).result(timeout=120)
    assert remote == simulate_to_json(77)
