"""Decision pages: the list, a recommendation made from a comparison, one decision (its
figures, the steps open to the user and why others are not, the audit trail, tracking), a
draft's edit, clone and take-over, the memo, the audit log."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.decisions.charts import tracking_figure
from apps.decisions.drafts import (
    DRAFT_STATUSES,
    recommendation_clone,
    recommendation_edit,
    recommendation_take_over,
)
from apps.decisions.forms import ActForm, AuditFilterForm, EditForm, RecommendForm
from apps.decisions.models import Decision
from apps.decisions.recommendation import Recommendation
from apps.decisions.selectors import (
    AuditFilters,
    audit_log,
    decision_baseline_standing,
    decision_context,
    decision_list,
    decision_maker_name,
    decision_ranking_weights,
    decision_tracking,
)
from apps.decisions.services import (
    DecisionInputError,
    DecisionPermissionError,
    DecisionStateError,
    actions_open,
    decision_act,
    four_eyes_note,
    ownership_text,
    pending_count,
    recommendation_create,
)
from apps.live.settled_days import event_time_text
from apps.scenarios.backtest import backtest_view
from apps.scenarios.exports import export_filename
from apps.scenarios.kpis import HEADLINE_KPIS, kpi_cell, weight_problem
from apps.scenarios.models import Comparison
from apps.scenarios.specs import ScenarioInputError, weights_from_form
from apps.simulation.statistics import KPI_DIRECTION

VIEW = "accounts.view_twin"


@require_GET
@permission_required(VIEW, raise_exception=True)
def decisions(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Decision.Status.values:
        status = ""
    context = {
        "decisions": decision_list(status=status)[:200],
        "status": status,
        "statuses": Decision.Status.choices,
        "pending": pending_count(),
    }
    return render(request, "decisions/list.html", context)


@require_POST
@permission_required("accounts.plan", raise_exception=True)
def recommend(request: HttpRequest, comparison_pk: int) -> HttpResponse:
    comparison = get_object_or_404(Comparison, pk=comparison_pk)
    form = RecommendForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        messages.error(request, f"Not recommended: {first}")
        return redirect("scenarios:detail", comparison.pk)
    try:
        decision = recommendation_create(
            comparison=comparison,
            user=request.user,
            scenario_name=form.cleaned_data.get("scenario", ""),
            reason=form.cleaned_data.get("reason", ""),
            weights=weights_posted(request.POST),
        )
    except DecisionInputError as error:
        messages.error(request, f"Not recommended: {error.reason.rstrip('.')}.")
        return redirect("scenarios:detail", comparison.pk)
    return redirect("decisions:detail", decision.pk)


def weights_posted(values) -> dict[str, float] | None:
    """The KPI weights the planner ranked under on the comparison page, when the form
    carried them (None: the comparison's own)."""
    if not any(kpi in values for kpi in KPI_DIRECTION):
        return None
    try:
        return weights_from_form(values)
    except ScenarioInputError as error:
        raise DecisionInputError(error.field, weight_problem(error.field, error.reason)) from None


def _headline(recommendation: Recommendation) -> list[dict]:
    """The headline KPIs the recommendation froze (one made before a KPI joined the
    headline has no figure for it, and shows none)."""
    rows = []
    for kpi in HEADLINE_KPIS:
        predicted = recommendation.kpis.get(kpi)
        if predicted is None:
            continue
        baseline = recommendation.baseline.get(kpi)
        rows.append(
            {
                **kpi_cell(kpi, predicted, recommendation.vs_baseline.get(kpi)),
                "baseline": kpi_cell(kpi, baseline)["value"] if baseline else None,
            }
        )
    return rows


def _ownership(request: HttpRequest, decision: Decision) -> dict:
    """Who may change a draft recommendation: its owner edits it; others read, clone or
    take it over, and are told why they cannot edit it."""
    is_draft = decision.status in DRAFT_STATUSES
    is_owner = is_draft and decision.created_by_id == request.user.pk
    return {
        "is_owner": is_owner,
        "ownership_note": ownership_text(decision) if is_draft and not is_owner else "",
        "four_eyes_note": four_eyes_note(decision, request.user),
    }


def _as_of_text(as_of: str | None) -> str:
    """The comparison's live state time, for people ("Sun 29 Nov 2026, 02:07 UTC")."""
    try:
        return event_time_text(datetime.fromisoformat(as_of))
    except (TypeError, ValueError):
        return ""


def _context(request: HttpRequest, decision: Decision, **extra) -> dict:
    # Four eyes, its note, the maker and the page's own list all read the audit trail:
    # fetched once for all of them.
    prefetch_related_objects([decision], "audit")
    tracking = decision_tracking(decision)
    recommended = decision.recommended
    return {
        **_ownership(request, decision),
        "decision": decision,
        "maker": decision_maker_name(decision),
        "r": recommended,
        "as_of_text": _as_of_text(recommended.as_of),
        "context_text": decision_context(recommended),
        "headline": _headline(recommended),
        "weighting": decision_ranking_weights(decision),
        "baseline": decision_baseline_standing(decision),
        "backtest": backtest_view(decision.comparison) if decision.comparison_id else None,
        "actions": actions_open(decision, request.user),
        "audit": decision.audit.all(),
        "tracking": tracking,
        "tracking_chart": tracking_figure(tracking) if tracking else None,
        "act_form": extra.pop("act_form", ActForm()),
        "edit_form": extra.pop(
            "edit_form", EditForm(initial={"title": decision.title, "reason": decision.reason})
        ),
        **extra,
    }


@require_GET
@permission_required(VIEW, raise_exception=True)
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision.objects.select_related("comparison"), pk=pk)
    return render(request, "decisions/detail.html", _context(request, decision))


@require_POST
@permission_required(VIEW, raise_exception=True)
def act(request: HttpRequest, pk: int) -> HttpResponse:
    """One step of the workflow; the service checks role, four eyes, state and comment."""
    decision = get_object_or_404(Decision, pk=pk)
    form = ActForm(request.POST)
    if not form.is_valid():
        return render(
            request, "decisions/detail.html", _context(request, decision, act_form=form), status=422
        )
    try:
        decision_act(
            decision.pk,
            actor=request.user,
            action=form.cleaned_data["action"],
            comment=form.cleaned_data["comment"],
        )
    except DecisionPermissionError as error:
        return render(request, "403.html", {"exception": str(error)}, status=403)
    except DecisionInputError as error:
        # The page shows the comment's errors beside it and every other one above the form.
        form.add_error("comment" if error.field == "comment" else None, error.reason)
        context = _context(request, decision, act_form=form)
        return render(request, "decisions/detail.html", context, status=422)
    except DecisionStateError as error:
        decision.refresh_from_db()
        form.add_error(None, str(error))
        context = _context(request, decision, act_form=form)
        return render(request, "decisions/detail.html", context, status=409)
    return redirect("decisions:detail", decision.pk)


def _refused(request: HttpRequest, error: DecisionPermissionError) -> HttpResponse:
    return render(request, "403.html", {"exception": str(error)}, status=403)


@require_POST
@permission_required(VIEW, raise_exception=True)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner rewords a draft recommendation's title and reason."""
    decision = get_object_or_404(Decision.objects.select_related("created_by"), pk=pk)
    form = EditForm(request.POST)
    try:
        if form.is_valid():
            recommendation_edit(
                decision.pk,
                actor=request.user,
                title=form.cleaned_data["title"],
                reason=form.cleaned_data["reason"],
            )
            return redirect("decisions:detail", decision.pk)
        status = 422
    except DecisionPermissionError as error:
        return _refused(request, error)
    except DecisionInputError as error:
        form.add_error(error.field if error.field in form.fields else None, error.reason)
        status = 422
    except DecisionStateError as error:
        form.add_error(None, str(error))
        status = 409
    decision.refresh_from_db()
    return render(
        request, "decisions/detail.html", _context(request, decision, edit_form=form), status=status
    )


@require_POST
@permission_required(VIEW, raise_exception=True)
def take_over(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision, pk=pk)
    try:
        recommendation_take_over(decision.pk, actor=request.user)
    except DecisionPermissionError as error:
        return _refused(request, error)
    except DecisionStateError as error:
        messages.error(request, f"Not taken over: {error}.")
    return redirect("decisions:detail", decision.pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def clone(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision, pk=pk)
    try:
        copy = recommendation_clone(decision.pk, actor=request.user)
    except DecisionPermissionError as error:
        return _refused(request, error)
    return redirect("decisions:detail", copy.pk)


@require_GET
@permission_required(VIEW, raise_exception=True)
def memo(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision memo, printable; `?download=1` gives it as an HTML file named after the
    decision and the day it was downloaded (the memo grows with each step and tracking)."""
    decision = get_object_or_404(Decision.objects.select_related("comparison"), pk=pk)
    response = render(request, "decisions/memo.html", _context(request, decision))
    if request.GET.get("download"):
        filename = export_filename(
            f"decision {decision.pk} memo {decision.title}",
            timezone.localdate(),
            "html",
            fallback=f"decision-{decision.pk}-memo",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@permission_required(VIEW, raise_exception=True)
def audit_log_page(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = AuditFilters()
    if form.is_valid():
        filters = AuditFilters(
            **{k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        )
    context = {"form": form, "entries": audit_log(filters)}
    return render(request, "decisions/audit_log.html", context)


@require_GET
@permission_required(VIEW, raise_exception=True)
def audit_json(request: HttpRequest, pk: int) -> JsonResponse:
    """A decision's audit trail, read-only: every other method answers 405."""
    decision = get_object_or_404(Decision, pk=pk)
    return JsonResponse(
        {
            "decision": decision.pk,
            "status": decision.status,
            "audit": [
                {
                    "at": entry.at.isoformat(),
                    "actor": entry.actor_name,
                    "from": entry.from_status,
                    "to": entry.to_status,
                    "comment": entry.comment,
                    "figures": entry.figures,
                }
                for entry in decision.audit.all()
            ],
        }
    )
