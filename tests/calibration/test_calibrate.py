"""Calibration runs: versions, priors kept with a reason, bad windows, concurrency, the
command and the Celery task."""

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.calibration.history import Window
from apps.calibration.models import ImmutableError, ModelVersion, SubModel
from apps.calibration.priors import master_data_parameters
from apps.calibration.selectors import current_parameters, version_parameters
from apps.calibration.services import CalibrationError, calibrate
from tests.calibration.history import day, emulated_history


def test_an_empty_log_is_refused_with_a_reason(demo_network):
    with pytest.raises(CalibrationError, match="event log is empty"):
        calibrate()
    with pytest.raises(CommandError, match="event log is empty"):
        call_command("calibrate", stdout=StringIO())
    assert not ModelVersion.objects.exists()


def test_a_sub_model_without_events_keeps_every_prior_and_says_why(demo_network):
    emulated_history(days=0.5, types={"erp.order_created"})
    outcomes = {o.sub_model: o for o in calibrate()}
    assert set(outcomes) == set(SubModel.values)
    labour = outcomes["labour"].version
    assert labour.number == 1 and labour.observations == 0
    prior = master_data_parameters().labour
    assert version_parameters(labour) == prior
    assert any("NE pick rate kept: 0 lines" in note for note in labour.notes)
    assert any("shifts kept" in note for note in labour.notes)
    # Demand saw orders but half a day: the weekly shape is kept, the level moves.
    demand = outcomes["demand"].version
    assert demand.observations > 500
    assert any("weekly arrival shape kept" in note for note in demand.notes)
    assert (
        version_parameters(demand).orders_per_hour
        != master_data_parameters().demand.orders_per_hour
    )


def test_versions_are_immutable_and_chain_to_the_one_they_replace(demo_network):
    emulated_history(days=1)
    (first,) = calibrate(sub_models=["logistics"], window=Window(day(0), day(0.5)))
    (second,) = calibrate(sub_models=["logistics"], window=Window(day(0), day(1)))
    assert (first.version.number, second.version.number) == (1, 2)
    assert second.version.replaces == first.version
    version = second.version
    version.reason = "edited"
    with pytest.raises(ImmutableError):
        version.save()
    with pytest.raises(ImmutableError):
        version.delete()
    assert ModelVersion.objects.get(pk=version.pk).reason == "manual"
    params, versions = current_parameters()
    assert versions["logistics"] == version and versions["labour"] is None
    assert params.labour == master_data_parameters().labour


def test_bad_requests_get_clear_errors(demo_network):
    emulated_history(days=0.25)
    with pytest.raises(CalibrationError, match="unknown sub-model 'weather'"):
        calibrate(sub_models=["weather"])
    with pytest.raises(CommandError, match="needs a timezone offset"):
        call_command("calibrate", "--end", "2026-11-02T06:00:00", stdout=StringIO())
    with pytest.raises(CommandError, match="is not before"):
        call_command(
            "calibrate",
            "--start",
            "2026-11-03T00:00:00+00:00",
            "--end",
            "2026-11-02T00:00:00+00:00",
            stdout=StringIO(),
        )


def test_the_command_prints_each_version_and_what_it_kept(demo_network):
    emulated_history(days=1)
    out = StringIO()
    call_command("calibrate", "--model", "labour", "--model", "logistics", stdout=out)
    text = out.getvalue()
    assert "labour v1:" in text and "logistics v1:" in text and "demand" not in text
    assert "kept: shifts kept: the window is shorter than 7 days" in text
    assert ModelVersion.objects.count() == 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_recalibrations_make_one_version(demo_network):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    emulated_history(days=1)
    window = Window(day(0), day(1))
    outcomes, errors = [], []

    def run() -> None:
        from django.db import connections

        try:
            outcomes.extend(calibrate(sub_models=["labour"], window=window))
        except Exception as error:  # the assertion below reports it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert ModelVersion.objects.filter(sub_model="labour").count() == 1
    assert sorted(o.created for o in outcomes) == [False, True]
    assert {o.version.pk for o in outcomes} == {ModelVersion.objects.get().pk}


@pytest.mark.slow
def test_the_celery_tasks_calibrate_and_run_rounds(demo_network, celery_worker):
    from apps.calibration.tasks import calibrate_task, delta_rounds_task

    emulated_history(days=1)
    described = calibrate_task.apply_async(args=[["supply"]], queue=celery_worker).get(timeout=60)
    assert described[0].startswith("supply v1:")
    result = delta_rounds_task.apply_async(queue=celery_worker).get(timeout=120)
    # The first round calibrates the sub-models that have no version yet, then forecasts.
    assert result["hours"] == 1 and result["recorded"] > 0
    assert set(ModelVersion.objects.values_list("sub_model", flat=True)) == set(SubModel.values)
