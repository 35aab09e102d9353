"""Comparison pages: the list, one comparison's progress and ranked results (re-weighted
on request, without a re-run), cancel, and the status JSON."""

from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.scenarios import screening
from apps.scenarios.backtest import backtest_view
from apps.scenarios.charts import (
    backtest_shares,
    cost_otif_scatter,
    cycle_time_boxes,
    hourly_utilisation_lines,
    otif_boxes,
    scenario_colours,
    utilisation_bars,
)
from apps.scenarios.documents import Ranking, comparison_json
from apps.scenarios.exports import comparison_csv, comparison_xlsx, export_filename
from apps.scenarios.forms import SuggestForm
from apps.scenarios.kpis import HEADLINE_KPIS, KPI_LABELS, weight_problem
from apps.scenarios.models import Backtest, Comparison
from apps.scenarios.run_selectors import comparison_results
from apps.scenarios.selectors import comparison_document, ranking_rows, screened_rows
from apps.scenarios.services import comparison_cancel
from apps.scenarios.specs import BASELINE, ScenarioInputError, weights_from_form
from apps.simulation.statistics import KPI_DIRECTION, Kpi


def list_context() -> dict:
    comparisons = Comparison.objects.select_related("created_by").annotate(
        scenario_count=Count("scenarios")
    )[:100]
    return {"comparisons": comparisons, "suggest_form": SuggestForm()}


@require_GET
@permission_required("accounts.view_twin", raise_exception=True)
def comparison_list(request: HttpRequest) -> HttpResponse:
    return render(request, "scenarios/list.html", list_context())


def _chosen(ranking: Ranking, asked: list[str]) -> list[str]:
    """The scenarios whose hourly lines to draw: those asked for, else the baseline and the
    top-ranked scenario."""
    names = [row.name for row in ranking.scenarios]
    chosen = [name for name in names if name in asked]
    if chosen:
        return chosen
    top = next((n for n in names if n != BASELINE), None)
    return [BASELINE, top] if top else [BASELINE]


def _context(
    comparison: Comparison,
    weights: dict[Kpi, float] | None = None,
    error: str = "",
    show: list[str] = (),
) -> dict:
    done = comparison.status == Comparison.Status.DONE
    # The hourly points are read for the chosen scenarios' lines only, below.
    results = comparison_results(comparison, hourly=False) if done else {}
    document = comparison_document(comparison, weights=weights, results=results)
    ranking = document.ranking
    backtest = backtest_view(comparison)
    context = {
        "comparison": comparison,
        "document": document,
        "rows": ranking_rows(ranking) if ranking else [],
        "screened": screened_rows(ranking) if ranking else [],
        "first_look": screening.N0,
        "headline": [(k, KPI_LABELS[k]) for k in HEADLINE_KPIS],
        "weights": [(k, KPI_LABELS[k], document.weights.get(k, 0)) for k in KPI_DIRECTION],
        "weight_error": error,
        "charts": {},
        "handovers": comparison.handovers.all(),
        "backtest": backtest,
        "backtest_chart": backtest_shares(backtest.result.figures)
        if backtest is not None and backtest.result is not None
        else None,
    }
    if ranking:
        colours = scenario_colours([s.name for s in document.scenarios])
        ranked = [row.name for row in ranking.scenarios]
        chosen = _chosen(ranking, list(show))
        context["chosen"] = chosen
        context["charts"] = {
            "utilisation": utilisation_bars(ranking, colours),
            "trade_off": cost_otif_scatter(ranking),
            "cycle_time": cycle_time_boxes(results, ranked, colours),
            "otif": otif_boxes(results, ranked, colours),
            "hourly": hourly_utilisation_lines(
                comparison_results(comparison, scenarios=chosen), chosen, colours
            ),
        }
    return context


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
        error = weight_problem(problem.field, problem.reason)
    status = 422 if error else 200
    context = _context(comparison, weights, error, request.GET.getlist("show"))
    return render(request, "scenarios/_results.html", context, status=status)


@require_GET
@permission_required("accounts.view_twin", raise_exception=True)
def comparison_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The finished comparison as CSV or XLSX, under the weights it was ranked with, named
    after it and the day it finished (its figures never change after that)."""
    comparison = get_object_or_404(Comparison, pk=pk, status=Comparison.Status.DONE)
    results = comparison_results(comparison, hourly=False)
    document = comparison_document(comparison, results=results)
    finished = timezone.localdate(comparison.finished_at or timezone.now())
    filename = export_filename(
        comparison.name, finished, fmt, fallback=f"comparison-{comparison.pk}"
    )
    if fmt == "csv":
        response = HttpResponse(comparison_csv(document), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            comparison_xlsx(document, results),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@permission_required("accounts.plan", raise_exception=True)
def comparison_stop(request: HttpRequest, pk: int) -> HttpResponse:
    comparison = get_object_or_404(Comparison, pk=pk)
    try:
        comparison_cancel(comparison, by=request.user)
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
def comparison_backtest(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by the page while the back-test is pending: nothing to swap until it has an
    outcome, then the page reloads once to show it (its chart included)."""
    comparison = get_object_or_404(Comparison, pk=pk)
    backtest = backtest_view(comparison)
    if backtest is not None and backtest.status == Backtest.Status.PENDING:
        return HttpResponse(status=204)
    return HttpResponse(headers={"HX-Refresh": "true"})


@require_GET
@permission_required("accounts.view_twin", raise_exception=True)
def comparison_status(request: HttpRequest, pk: int) -> JsonResponse:
    comparison = get_object_or_404(Comparison, pk=pk)
    return JsonResponse(comparison_json(comparison_document(comparison)))
