"""The builder's writes: a draft comparison edited in place (settings, scenarios and their
interventions), cloned from any comparison, and submitted."""

from django.db import transaction
from django.db.models import Max

from apps.scenarios.models import Comparison, Scenario
from apps.scenarios.services import (
    BASELINE,
    DEFAULT_WEIGHTS,
    ScenarioInputError,
    baseline_add,
    comparison_submit,
)


def _editable(comparison: Comparison) -> None:
    if comparison.status != Comparison.Status.DRAFT:
        raise ScenarioInputError(
            "status",
            f"this comparison is {comparison.get_status_display().lower()}: "
            "only a draft can be changed; clone it to change it",
        )


def scenario_name_checked(comparison: Comparison, name: str, *, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise ScenarioInputError(field, "is required")
    if len(name) > 80:
        raise ScenarioInputError(field, f"must be at most 80 characters, got {len(name)}")
    if name.lower() == BASELINE.lower():
        raise ScenarioInputError(field, "the baseline is always included; name this another way")
    if comparison.scenarios.filter(name__iexact=name).exists():
        raise ScenarioInputError(field, f"{name!r} is already a scenario of this comparison")
    return name


@transaction.atomic
def draft_create(*, user, name: str = "", note: str = "") -> Comparison:
    """An empty draft: the baseline only, the default horizon, replications and weights."""
    comparison = Comparison.objects.create(
        name=(name.strip() or "New comparison")[:120],
        note=note,
        created_by=user,
        weights=dict(DEFAULT_WEIGHTS),
    )
    baseline_add(comparison)
    return comparison


@transaction.atomic
def scenario_add(comparison: Comparison, *, name: str, note: str = "") -> Scenario:
    comparison = Comparison.objects.select_for_update().get(pk=comparison.pk)
    _editable(comparison)
    name = scenario_name_checked(comparison, name)
    last = comparison.scenarios.aggregate(last=Max("position"))["last"] or 0
    return Scenario.objects.create(
        comparison=comparison,
        position=last + 1,
        name=name,
        note=note.strip(),
    )


def scenario_remove(scenario: Scenario) -> None:
    _editable(scenario.comparison)
    if scenario.is_baseline:
        raise ScenarioInputError("scenario", "the baseline is always included")
    scenario.delete()


@transaction.atomic
def intervention_add(scenario: Scenario, intervention: dict) -> None:
    """Append an intervention the palette has checked."""
    scenario = Scenario.objects.select_for_update().select_related("comparison").get(pk=scenario.pk)
    _editable(scenario.comparison)
    if scenario.is_baseline:
        raise ScenarioInputError("scenario", "the baseline has no intervention")
    scenario.interventions = [*scenario.interventions, intervention]
    scenario.save(update_fields=["interventions"])


@transaction.atomic
def intervention_remove(scenario: Scenario, index: int) -> None:
    scenario = Scenario.objects.select_for_update().select_related("comparison").get(pk=scenario.pk)
    _editable(scenario.comparison)
    if not 0 <= index < len(scenario.interventions):
        raise ScenarioInputError("index", f"scenario {scenario.name!r} has no intervention {index}")
    scenario.interventions = [x for i, x in enumerate(scenario.interventions) if i != index]
    scenario.save(update_fields=["interventions"])


@transaction.atomic
def comparison_clone(comparison: Comparison, *, user) -> Comparison:
    """A new draft with the same settings and scenarios, to edit and run again."""
    copy = Comparison.objects.create(
        name=f"Copy of {comparison.name}"[:120],
        note=comparison.note,
        created_by=user,
        horizon_days=comparison.horizon_days,
        replications=comparison.replications,
        warmup_hours=comparison.warmup_hours,
        seed=comparison.seed,
        weights=dict(comparison.weights),
    )
    Scenario.objects.bulk_create(
        Scenario(
            comparison=copy,
            position=s.position,
            name=s.name,
            note=s.note,
            interventions=list(s.interventions),
            is_baseline=s.is_baseline,
        )
        for s in comparison.scenarios.all()
    )
    return copy


def draft_delete(comparison: Comparison) -> None:
    _editable(comparison)
    comparison.delete()


@transaction.atomic
def draft_submit(comparison: Comparison) -> None:
    comparison = Comparison.objects.select_for_update().get(pk=comparison.pk)
    _editable(comparison)
    if not comparison.scenarios.filter(is_baseline=False).exists():
        raise ScenarioInputError("scenarios", "add at least one scenario besides the baseline")
    comparison_submit(comparison)


@transaction.atomic
def draft_settings_update(comparison: Comparison, *, settings: dict, weights: dict) -> None:
    """Save a draft's name, note, horizon and replications (checked by the settings form)
    and its KPI weights (checked by weights_from_form)."""
    comparison = Comparison.objects.select_for_update().get(pk=comparison.pk)
    _editable(comparison)
    for name, value in settings.items():
        setattr(comparison, name, value)
    comparison.weights = weights
    comparison.save()
