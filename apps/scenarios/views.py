"""Comparison pages: the list, one comparison's progress and ranked results (re-weighted
on request, without a re-run), cancel, and the status JSON."""

from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from apps.scenarios.charts import cost_otif_scatter, utilisation_bars
from apps.scenarios.forms import SuggestForm
from apps.scenarios.models import Comparison
from apps.scenarios.selectors import HEADLINE_KPIS, comparison_document, ranking_rows
from apps.scenarios.services import ScenarioInputError, comparison_cancel, weights_from_form
from apps.simulation.statistics import KPI_DIRECTION

KPI_LABELS = {
    "network.otif": "OTIF",
    "network.fill_rate": "Fill rate",
    "network.satisfaction_index": "Satisfaction (1–5)",
    "network.total_cost_usd": "Total cost",
    "network.cost_per_order_usd": "Cost per order",
    "network.complaints": "Complaints",
    "network.orders_lost": "Orders lost",
    "network.lost_sales_usd": "Lost sales",
    "network.mean_hours_in_system": "Hours in system",
}


def list_context() -> dict:
    comparisons = Comparison.objects.select_related("created_by").annotate(
        scenario_count=Count("scenarios")
    )[:100]
    return {"comparisons": comparisons, "suggest_form": SuggestForm()}


@require_GET
@permission_required("accounts.view_twin", raise_exception=True)
def comparison_list(request: HttpRequest) -> HttpResponse:
    return render(request, "scenarios/list.html", list_context())


def _context(comparison: Comparison, weights: dict | None = None, error: str = "") -> dict:
    document = comparison_document(comparison, weights=weights)
    ranking = document["ranking"]
    return {
        "comparison": comparison,
        "document": document,
        "rows": ranking_rows(document) if ranking else [],
        "headline": [(k, KPI_LABELS[k]) for k in HEADLINE_KPIS],
        "weights": [(k, KPI_LABELS[k], document["weights"].get(k, 0)) for k in KPI_DIRECTION],
        "weight_error": error,
        "charts": {
            "utilisation": utilisation_bars(ranking) if ranking else None,
            "trade_off": cost_otif_scatter(ranking) if ranking else None,
        },
    }


@require_GET
@permission_required("accounts.view_twin", raise_exception=True)
def comparison_detail(request: HttpRequest, pk: int) -> HttpResponse:
    comparison = get_object_or_404(Comparison, pk=pk)
    return render(request, "scenarios/detail.html", _context(comparison))


@require_GET
@permission_required("accounts.view_twin", raise_exception=True)
def comparison_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranking under other KPI weights, from the stored replications: no re-run."""
    comparison = get_object_or_404(Comparison, pk=pk, status=Comparison.Status.DONE)
    weights, error = None, ""
    try:
        weights = weights_from_form(request.GET)
    except ScenarioInputError as problem:
        label = KPI_LABELS.get(problem.field.removeprefix("weights."), "Weights")
        error = f"{label}: {problem.reason}"
    status = 422 if error else 200
    return render(
        request, "scenarios/_results.html", _context(comparison, weights, error), status=status
    )


@require_POST
@permission_required("accounts.plan", raise_exception=True)
def comparison_stop(request: HttpRequest, pk: int) -> HttpResponse:
    comparison = get_object_or_404(Comparison, pk=pk)
    try:
        comparison_cancel(comparison)
    except ScenarioInputError as error:
        return render(
            request,
            "scenarios/_progress.html",
            {**_context(comparison), "cancel_error": error.reason},
            status=409,
        )
    comparison.refresh_from_db()
    return render(request, "scenarios/_progress.html", _context(comparison))


@require_GET
@permission_required("accounts.view_twin", raise_exception=True)
def comparison_status(request: HttpRequest, pk: int) -> JsonResponse:
    comparison = get_object_or_404(Comparison, pk=pk)
    return JsonResponse(comparison_document(comparison))
