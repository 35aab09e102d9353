"""The builder's writes: a draft comparison edited in place (settings, scenarios and their
interventions) by the planner who owns it, cloned from any comparison, taken over by another
planner, and submitted."""

from django.db import transaction
from django.db.models import Max

from apps.scenarios.models import Comparison, DraftHandover, Scenario
from apps.scenarios.services import baseline_add
from apps.scenarios.specs import BASELINE, DEFAULT_WEIGHTS, ScenarioInputError
from apps.scenarios.submission import comparison_submit


class DraftOwnershipError(PermissionError):
    """Someone other than its owner tried to change, run or discard a draft."""


def draft_owner_name(comparison: Comparison) -> str:
    return comparison.created_by.get_username() if comparison.created_by_id else ""


def draft_owner_check(comparison: Comparison, user) -> None:
    """Raise unless this user owns the draft. A draft is one planner's work in progress:
    others read it, clone it or take it over (an explicit, recorded step), never change it
    under the owner's hands. A comparison that is no longer a draft is nobody's to edit."""
    if comparison.status != Comparison.Status.DRAFT or comparison.created_by_id == user.pk:
        return
    owner = draft_owner_name(comparison)
    if not owner:
        raise DraftOwnershipError(
            "This draft has no owner (it was made without a user): take it over to change, "
            "run or discard it, or clone it."
        )
    raise DraftOwnershipError(
        f"This draft belongs to {owner}: only {owner} can change, run or discard it. "
        "Clone it to work on your own copy, or take it over."
    )


@transaction.atomic
def draft_take_over(comparison: Comparison, *, user) -> DraftHandover:
    """Make this planner the draft's owner, on the record: the previous owner can then only
    read and clone it, as anyone else."""
    comparison = Comparison.objects.select_for_update(of=("self",)).get(pk=comparison.pk)
    if comparison.status != Comparison.Status.DRAFT:
        raise ScenarioInputError(
            "status",
            f"this comparison is {comparison.get_status_display().lower()}: "
            "only a draft can be taken over",
        )
    if comparison.created_by_id == user.pk:
        raise ScenarioInputError("owner", "this draft is already yours")
    handover = DraftHandover.objects.create(
        comparison=comparison,
        comparison_name=comparison.name,
        from_user=comparison.created_by,
        from_name=draft_owner_name(comparison) or "nobody",
        to_user=user,
        to_name=user.get_username(),
    )
    comparison.created_by = user
    comparison.save(update_fields=["created_by"])
    return handover


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
