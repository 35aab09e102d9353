"""A sub-model tells the truth about its evidence: a fit on too little of the log says
"insufficient data" on the Models page, never "within threshold"; a comparison run on it
carries the warning; and beat refits it as the log grows."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import VIEWER
from apps.calibration.evidence import NEEDS, Evidence, evidence_of
from apps.calibration.history import Window
from apps.calibration.models import ModelVersion, RefitLease, Round, SubModel
from apps.calibration.refits import FIRST_FIT, GROWING, WEEKLY, refits_due
from apps.calibration.selectors import current_versions
from apps.calibration.services import calibrate
from apps.calibration.tasks import scheduled_refit_task
from apps.scenarios.models import Comparison
from apps.scenarios.services import comparison_create, comparison_freeze, comparison_run_here
from tests.calibration.history import day, emulated_history
from tests.scenarios.test_runs import spec
from twin_web.celery import app

AT = datetime(2026, 11, 20, tzinfo=UTC)


def version(name: str, *, observations: int, hours: float, ended: timedelta) -> ModelVersion:
    """An unsaved version whose window ended `ended` before AT."""
    return ModelVersion(
        sub_model=name,
        number=1,
        parameters={},
        window_start=AT - ended - timedelta(hours=hours),
        window_end=AT - ended,
        observations=observations,
        evidence_observations=observations,
        evidence_hours=hours,
        goodness_name="",
        reason="test",
    )


def enough(name: str, *, ended: timedelta = timedelta(0)) -> ModelVersion:
    need = NEEDS[name]
    return version(name, observations=need.observations, hours=need.days * 24, ended=ended)


# ---- what is enough -----------------------------------------------------------------------
@pytest.mark.parametrize("name", SubModel.values)
def test_a_fit_is_sufficient_only_with_both_the_observations_and_the_span(name):
    need = NEEDS[name]
    assert evidence_of(name, enough(name)).sufficient
    short_of_time = version(name, observations=10**6, hours=need.days * 24 - 1, ended=timedelta(0))
    short_of_rows = version(
        name, observations=need.observations - 1, hours=need.days * 24 * 4, ended=timedelta(0)
    )
    nothing = version(name, observations=0, hours=0.5, ended=timedelta(0))
    for thin in (short_of_time, short_of_rows, nothing):
        assert not evidence_of(name, thin).sufficient
    assert not evidence_of(name, None).sufficient


def test_every_sub_model_needs_at_least_a_week():
    assert all(need.days >= 7 and need.observations >= 50 for need in NEEDS.values())
    assert set(NEEDS) == set(SubModel.values)


def test_the_warning_says_what_the_fit_rests_on_and_what_it_needs():
    thin = Evidence("labour", 40, 2.0, NEEDS["labour"])
    assert thin.warning == (
        "Labour model fitted on insufficient data (2 h, 40 lines picked; needs 7 days "
        "and 5,000 lines picked): treat labour and cost results with caution"
    )
    long_but_few = Evidence("demand", 120, 9.5 * 24, NEEDS["demand"])
    assert long_but_few.shortfall == "9.5 days, 120 orders; needs 500 orders"
    assert Evidence("demand", 10**5, 28 * 24, NEEDS["demand"]).warning == ""
    assert evidence_of("finance", None).warning.startswith(
        "Finance model not calibrated yet (master-data priors): treat cost results"
    )


# ---- when beat refits -----------------------------------------------------------------------
def test_a_thin_fit_is_refitted_each_event_hour_and_a_sufficient_one_weekly():
    hour, week = timedelta(hours=1), timedelta(days=7)

    def due(v, drifted=frozenset()):
        return refits_due(at=AT, versions={"labour": v}, drift_refitted=set(drifted))

    thin = {"observations": 40, "hours": 2.0}
    assert due(None) == {"labour": FIRST_FIT}
    assert due(version("labour", **thin, ended=hour - timedelta(minutes=1))) == {}
    assert due(version("labour", **thin, ended=hour)) == {"labour": GROWING}
    assert due(enough("labour", ended=week - hour)) == {}
    assert due(enough("labour", ended=week)) == {"labour": WEEKLY}
    # A drift refit of one subject is not averaged away by a fit on the whole window.
    assert due(enough("labour", ended=week), drifted={"labour"}) == {}
    # Thin evidence is refitted even after a drift: its parameters are mostly priors.
    assert due(version("labour", **thin, ended=hour), drifted={"labour"}) == {"labour": GROWING}


def test_beat_asks_for_the_scheduled_refit_and_drops_late_ticks():
    entry = settings.CELERY_BEAT_SCHEDULE["scheduled-refit"]
    assert entry["task"] == "apps.calibration.tasks.scheduled_refit_task"
    assert entry["task"] in app.tasks
    assert entry["schedule"] == settings.TWIN_REFIT_CHECK_SECONDS
    assert entry["options"]["expires"] <= entry["schedule"]


@pytest.mark.slow
def test_the_scheduled_refit_fits_an_empty_twin_and_refits_as_evidence_grows(demo_network):
    emulated_history(between=(0, 0.25))
    first = scheduled_refit_task()
    assert first["refitted"] == dict.fromkeys(SubModel.values, FIRST_FIT)
    v1 = current_versions()
    assert all(v.number == 1 and not evidence_of(n, v).sufficient for n, v in v1.items())
    assert Round.objects.get(reason=FIRST_FIT).parts.count() == len(SubModel.values)

    # Nothing new in the log: nothing is refitted.
    assert scheduled_refit_task()["refitted"] == {}
    assert ModelVersion.objects.count() == len(SubModel.values)

    emulated_history(between=(0.25, 0.5))
    grown = scheduled_refit_task()
    assert grown["refitted"] == dict.fromkeys(SubModel.values, GROWING)
    v2 = current_versions()
    for name, later in v2.items():
        assert later.number == 2 and later.reason == GROWING
        assert later.evidence_hours >= v1[name].evidence_hours + 5
    assert v2["demand"].evidence_observations > v1["demand"].evidence_observations
    assert Round.objects.filter(kind=Round.Kind.CALIBRATION, reason=GROWING).count() == 1

    # A refit still running: the next tick skips rather than piling up; a stale one is not
    # waited for.
    emulated_history(between=(0.5, 0.75))
    RefitLease.objects.filter(name="scheduled").update(running_since=timezone.now())
    assert scheduled_refit_task()["skipped"] == "another scheduled refit is running"
    assert ModelVersion.objects.count() == 2 * len(SubModel.values)
    RefitLease.objects.update(running_since=timezone.now() - timedelta(hours=1))
    assert scheduled_refit_task()["refitted"] == dict.fromkeys(SubModel.values, GROWING)
    assert RefitLease.objects.get(name="scheduled").running_since is None


# ---- the Models page and the comparisons run on thin fits ---------------------------------
@pytest.fixture
def thin_fits(demo_network):
    emulated_history(days=1)
    calibrate(window=Window(day(0), day(0.5)))


def _card(text: str, name: str) -> str:
    start = text.index(f'id="model-{name}"')
    end = text.find('<section class="card', start + 1)
    return text[start:end]


def _as_if_fitted_on_weeks(name: str) -> None:
    """A version like the current one but resting on evidence enough."""
    current = current_versions()[name]
    need = NEEDS[name]
    ModelVersion.objects.create(
        **{
            f.name: getattr(current, f.name)
            for f in ModelVersion._meta.concrete_fields
            if f.name not in ("id", "number", "replaces")
        }
        | {
            "number": current.number + 1,
            "replaces": current,
            "evidence_observations": need.observations,
            "evidence_hours": need.days * 24,
        }
    )


@pytest.mark.slow
def test_the_models_page_says_insufficient_data_never_within_threshold(
    client, role_user, thin_fits
):
    client.force_login(role_user(VIEWER))
    text = client.get(reverse("calibration:models")).content.decode()
    assert "within threshold" not in text
    for name in SubModel.values:
        card = _card(text, name)
        assert '<span class="pill">insufficient data</span>' in card and "pill-ok" not in card
        assert "<strong>Insufficient data:</strong> fitted on 12 h," in card
    assert "needs 7 days and 5,000 lines picked" in _card(text, "labour")

    _as_if_fitted_on_weeks("labour")
    text = client.get(reverse("calibration:models")).content.decode()
    labour = _card(text, "labour")
    assert "insufficient data" not in labour and 'data-evidence="sufficient"' in labour
    assert '<span class="pill">insufficient data</span>' in _card(text, "demand")


@pytest.mark.slow
def test_a_comparison_on_thin_fits_carries_and_shows_the_warning(client, role_user, thin_fits):
    comparison = comparison_run_here(comparison_create(spec=spec(replications=2)))
    comparison.refresh_from_db()
    assert comparison.status == Comparison.Status.DONE
    assert len(comparison.evidence_warnings) == len(SubModel.values)
    labour = next(w for w in comparison.evidence_warnings if w.startswith("Labour"))
    assert labour.startswith("Labour model fitted on insufficient data (12 h, ")
    assert labour.endswith(
        " lines picked; needs 7 days and 5,000 lines picked): "
        "treat labour and cost results with caution"
    )

    # Later fits on weeks leave the finished comparison's record as it was, and a new one
    # run on them is not warned about labour.
    for name in SubModel.values:
        if name != "demand":
            _as_if_fitted_on_weeks(name)
    client.force_login(role_user(VIEWER))
    page = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    banner = page[
        page.index("data-evidence-warning") : page.index(
            "</div>", page.index("data-evidence-warning")
        )
    ]
    assert "Calibrated on insufficient data." in banner
    assert "Labour model fitted on insufficient data (12 h, " in banner
    assert "treat labour and cost results with caution" in banner

    later = comparison_create(spec=spec())
    comparison_freeze(later)
    assert [w.split(" model")[0] for w in later.evidence_warnings] == ["Demand"]
