"""The scenario builder (planners): a draft's settings, its scenarios, the intervention
palette checked as the planner types, clone, submit, take over, and the twin's rebalance
suggestions. Only a draft's owner changes it; others see it read-only."""

import re
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from apps.scenarios.drafts import (
    DraftOwnershipError,
    comparison_clone,
    draft_create,
    draft_delete,
    draft_owner_check,
    draft_settings_update,
    draft_submit,
    draft_take_over,
    intervention_add,
    intervention_remove,
    scenario_add,
    scenario_remove,
)
from apps.scenarios.effects import draft_status
from apps.scenarios.forms import ComparisonSettingsForm, ScenarioForm, SuggestForm
from apps.scenarios.kpis import KPI_LABELS, weight_problem
from apps.scenarios.messages import field_sentence, sentence
from apps.scenarios.models import Comparison, Scenario
from apps.scenarios.palette import (
    PALETTE,
    PaletteForm,
    bound_fields,
    choices,
    palette_check,
    problem_sentence,
)
from apps.scenarios.run_selectors import NetworkNow, network_now
from apps.scenarios.specs import ScenarioInputError, weights_from_form
from apps.scenarios.suggestions import rebalance_suggest
from apps.scenarios.views import list_context
from apps.simulation.errors import SimulationInputError
from apps.simulation.interventions import ScenarioPlan, validate_intervention
from apps.simulation.serialization import intervention_from_jsonable
from apps.simulation.statistics import KPI_DIRECTION

PLAN = "accounts.plan"


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _refused(request: HttpRequest, error: DraftOwnershipError) -> HttpResponse:
    """403 saying whose draft it is. htmx does not swap an error into the page, so an htmx
    request is told to reload it: the draft then shows read-only, with the same reason."""
    if request.htmx:
        response = render(request, "scenarios/_refused.html", {"reason": str(error)}, status=403)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "403.html", {"exception": str(error)}, status=403)


def owner_only(view):
    """Let only the draft's owner through to a view that changes, runs or discards it."""

    @wraps(view)
    def checked(request: HttpRequest, pk: int, *args, **kwargs) -> HttpResponse:
        comparison = get_object_or_404(Comparison.objects.select_related("created_by"), pk=pk)
        try:
            draft_owner_check(comparison, request.user)
        except DraftOwnershipError as error:
            return _refused(request, error)
        return view(request, pk, *args, **kwargs)

    return checked


def _weights(comparison: Comparison) -> list[tuple[str, str, object]]:
    return [(k, KPI_LABELS[k], comparison.weights.get(k, "")) for k in KPI_DIRECTION]


def _scenario_card(scenario: Scenario, now: NetworkNow) -> dict:
    """A scenario as the builder shows it: each intervention in plain language, flagged
    when it no longer fits the network as it is now (e.g. the stock it moves is gone), and
    warned before the run when it, or any intervention of it, changes nothing."""
    items, interventions = [], []
    # Checked in order, each on the network as the ones before it leave it, as a run will.
    plan = ScenarioPlan(snapshot=now.snapshot, parameters=now.parameters)
    for i, raw in enumerate(scenario.interventions):
        intervention = intervention_from_jsonable(raw, i)  # stored only once checked
        problem = ""
        try:
            validate_intervention(intervention, plan.snapshot, plan.parameters, i)
            intervention.apply(plan)
        except SimulationInputError as error:
            problem = problem_sentence(raw.get("kind", ""), error.field, error.reason)
        items.append({"index": i, "text": intervention.describe(), "problem": problem})
        interventions.append(intervention)
    # What changes nothing is judged once every intervention fits: a misfit is said above.
    status = None
    if not scenario.is_baseline and not any(item["problem"] for item in items):
        status = draft_status(now.snapshot, now.parameters, interventions)
    return {"scenario": scenario, "items": items, "status": status}


def _builder_context(comparison: Comparison, now: NetworkNow, **extra) -> dict:
    return {
        "comparison": comparison,
        "settings_form": ComparisonSettingsForm(instance=comparison),
        "weights": _weights(comparison),
        "cards": [_scenario_card(s, now) for s in comparison.scenarios.all()],
        "scenario_form": ScenarioForm(),
        "palette": PALETTE.values(),
        "now": now,
        **extra,
    }


@require_POST
@permission_required(PLAN, raise_exception=True)
def comparison_new(request: HttpRequest) -> HttpResponse:
    comparison = draft_create(user=request.user)
    return redirect("scenarios:edit", comparison.pk)


@require_GET
@permission_required(PLAN, raise_exception=True)
def builder(request: HttpRequest, pk: int) -> HttpResponse:
    comparison = get_object_or_404(Comparison.objects.select_related("created_by"), pk=pk)
    if comparison.status != Comparison.Status.DRAFT:
        return redirect("scenarios:detail", pk)
    context = _builder_context(comparison, network_now(), handovers=comparison.handovers.all())
    try:
        draft_owner_check(comparison, request.user)
    except DraftOwnershipError as error:
        return render(request, "scenarios/draft_read_only.html", {**context, "reason": str(error)})
    return render(request, "scenarios/builder.html", context)


@require_POST
@permission_required(PLAN, raise_exception=True)
@owner_only
def builder_settings(request: HttpRequest, pk: int) -> HttpResponse:
    comparison = get_object_or_404(Comparison, pk=pk)
    form = ComparisonSettingsForm(request.POST, instance=comparison)
    weight_error, weights = "", None
    try:
        weights = weights_from_form(request.POST)
    except ScenarioInputError as problem:
        weight_error = weight_problem(problem.field, problem.reason)
    saved = False
    if form.is_valid() and weights is not None:
        try:
            draft_settings_update(comparison, settings=form.cleaned_data, weights=weights)
            saved = True
        except ScenarioInputError as error:
            form.add_error(None, sentence(error.reason))
    context = {
        "settings_form": form,
        "weight_error": weight_error,
        "saved": saved,
        # The Run card states the saved settings, swapped out of band.
        "comparison": comparison,
    }
    return render(request, "scenarios/_settings_saved.html", context, status=200 if saved else 422)


@require_POST
@permission_required(PLAN, raise_exception=True)
@owner_only
def builder_scenario_add(request: HttpRequest, pk: int) -> HttpResponse:
    comparison = get_object_or_404(Comparison, pk=pk)
    form = ScenarioForm(request.POST)
    if form.is_valid():
        try:
            scenario_add(comparison, name=form.cleaned_data["name"], note=form.cleaned_data["note"])
            form = ScenarioForm()
        except ScenarioInputError as error:
            if error.field == "name":
                form.add_error("name", field_sentence(form.fields["name"].label, error.reason))
            else:
                form.add_error(None, sentence(error.reason))
    context = _builder_context(comparison, network_now(), scenario_form=form)
    status = 422 if form.errors else 200
    return render(request, "scenarios/_scenarios.html", context, status=status)


def _scenario(pk: int, scenario_pk: int) -> Scenario:
    return get_object_or_404(
        Scenario.objects.select_related("comparison"), pk=scenario_pk, comparison_id=pk
    )


def _card_response(request: HttpRequest, scenario: Scenario, *, error: str = "") -> HttpResponse:
    context = {**_scenario_card(scenario, network_now()), "palette": PALETTE.values()}
    return render(
        request,
        "scenarios/_scenario.html",
        {**context, "card_error": sentence(error)},
        status=409 if error else 200,
    )


@require_POST
@permission_required(PLAN, raise_exception=True)
@owner_only
def builder_scenario_remove(request: HttpRequest, pk: int, scenario_pk: int) -> HttpResponse:
    scenario = _scenario(pk, scenario_pk)
    try:
        scenario_remove(scenario)
    except ScenarioInputError as error:
        return _card_response(request, scenario, error=error.reason)
    return HttpResponse("")


@require_GET
@permission_required(PLAN, raise_exception=True)
@owner_only
def builder_palette(request: HttpRequest, pk: int, scenario_pk: int) -> HttpResponse:
    """An empty form for one kind of intervention, to fill in for a scenario."""
    scenario = _scenario(pk, scenario_pk)
    kind = request.GET.get("kind", "")
    if kind not in PALETTE:
        return HttpResponse("")  # "choose an intervention" again: nothing to fill in
    form = PaletteForm(PALETTE[kind])
    return _palette_form(request, scenario, form, network_now())


def _palette_form(
    request: HttpRequest, scenario: Scenario, form: PaletteForm, now: NetworkNow, status=200
) -> HttpResponse:
    context = {"scenario": scenario, "form": form, "fields": bound_fields(form, choices(now))}
    return render(request, "scenarios/_intervention_form.html", context, status=status)


@require_POST
@permission_required(PLAN, raise_exception=True)
@owner_only
def builder_check(request: HttpRequest, pk: int, scenario_pk: int) -> HttpResponse:
    """Check a half-filled intervention as it is typed: each field's error beside it, and
    the intervention in plain language once it is whole."""
    scenario = _scenario(pk, scenario_pk)
    try:
        form = palette_check(request.POST.get("kind", ""), request.POST, network_now())
    except ScenarioInputError as error:
        return HttpResponse(escape(sentence(error.reason)), status=422)  # names the kind sent
    return render(
        request, "scenarios/_intervention_check.html", {"scenario": scenario, "form": form}
    )


@require_POST
@permission_required(PLAN, raise_exception=True)
@owner_only
def builder_intervention_add(request: HttpRequest, pk: int, scenario_pk: int) -> HttpResponse:
    scenario = _scenario(pk, scenario_pk)
    now = network_now()
    try:
        form = palette_check(request.POST.get("kind", ""), request.POST, now)
    except ScenarioInputError as error:
        return HttpResponse(escape(sentence(error.reason)), status=422)  # names the kind sent
    if form.valid:
        try:
            intervention_add(scenario, form.intervention)
        except ScenarioInputError as error:
            return _card_response(request, scenario, error=error.reason)
        scenario.refresh_from_db()
        return _card_response(request, scenario)
    response = _palette_form(request, scenario, form, now, status=422)
    return reswap(retarget(response, f"#palette-{scenario.pk}"), "innerHTML")


@require_POST
@permission_required(PLAN, raise_exception=True)
@owner_only
def builder_intervention_remove(
    request: HttpRequest, pk: int, scenario_pk: int, index: int
) -> HttpResponse:
    scenario = _scenario(pk, scenario_pk)
    try:
        intervention_remove(scenario, index)
    except ScenarioInputError as error:
        return _card_response(request, scenario, error=error.reason)
    scenario.refresh_from_db()
    return _card_response(request, scenario)


def _submit_problem(error: ScenarioInputError) -> str:
    """Why a draft did not run, in words: an intervention that no longer fits the network
    names its field by its label (its card says which one)."""
    kind = re.search(r"\((\w+)\)\.", error.field)
    if kind:
        problem = problem_sentence(kind.group(1), error.field, error.reason)
        return f"Not run: an intervention no longer fits the network now. {problem}"
    return f"Not run: {error.reason.rstrip('.')}."


@require_POST
@permission_required(PLAN, raise_exception=True)
@owner_only
def builder_submit(request: HttpRequest, pk: int) -> HttpResponse:
    comparison = get_object_or_404(Comparison, pk=pk)
    try:
        draft_submit(comparison)
    except ScenarioInputError as error:
        comparison.refresh_from_db()
        if comparison.status != Comparison.Status.DRAFT:
            return redirect("scenarios:detail", pk)
        context = _builder_context(comparison, network_now(), submit_error=_submit_problem(error))
        return render(request, "scenarios/builder.html", context, status=422)
    return redirect("scenarios:detail", pk)


@require_POST
@permission_required(PLAN, raise_exception=True)
def comparison_copy(request: HttpRequest, pk: int) -> HttpResponse:
    copy = comparison_clone(get_object_or_404(Comparison, pk=pk), user=request.user)
    return _redirect(request, reverse("scenarios:edit", args=[copy.pk]))


@require_POST
@permission_required(PLAN, raise_exception=True)
def take_over(request: HttpRequest, pk: int) -> HttpResponse:
    """Make another planner's draft one's own, on the record (shown on the page and in the
    admin); its previous owner can then only read and clone it."""
    try:
        draft_take_over(get_object_or_404(Comparison, pk=pk), user=request.user)
    except ScenarioInputError as error:
        messages.error(request, f"Not taken over: {sentence(error.reason)}")
    return redirect("scenarios:edit", pk)


@require_POST
@permission_required(PLAN, raise_exception=True)
@owner_only
def draft_discard(request: HttpRequest, pk: int) -> HttpResponse:
    comparison = get_object_or_404(Comparison, pk=pk)
    try:
        draft_delete(comparison)
    except ScenarioInputError as error:
        return HttpResponse(sentence(error.reason), status=409)
    return _redirect(request, reverse("scenarios:list"))


@require_POST
@permission_required(PLAN, raise_exception=True)
def suggest(request: HttpRequest) -> HttpResponse:
    """The twin's own rebalance candidates for the most imbalanced pair of DCs."""
    form = SuggestForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            comparison = rebalance_suggest(user=request.user, **form.cleaned_data)
        except ScenarioInputError as problem:
            error = sentence(problem.reason)
        else:
            target = "scenarios:detail" if form.cleaned_data["run_now"] else "scenarios:edit"
            return redirect(target, comparison.pk)
    context = {**list_context(), "suggest_form": form, "suggest_error": error}
    return render(request, "scenarios/list.html", context, status=422)
