"""The Models page: each sub-model's version, its error against its threshold, the
recalibrations, parameter differences between versions, and the editable thresholds."""

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from apps.calibration.forms import DiffForm, ModelSettingsForm
from apps.calibration.models import ModelVersion, SubModel
from apps.calibration.promise_scores import promise_targets
from apps.calibration.promise_selectors import promise_report_stored
from apps.calibration.promise_services import promise_report_refresh_request
from apps.calibration.selectors import (
    model_overview,
    model_settings_get,
    recalibration_list,
    version_diff,
)
from apps.calibration.services import CalibrationError, calibrate
from apps.live.selectors import watermark


def _sub_model(name: str) -> str | None:
    return name if name in SubModel.values else None


def _unknown_sub_model() -> HttpResponse:
    """A sub-model name that is not one: plain text that lists the real ones and does not
    repeat the path segment, which anyone can craft into a link (issue 16: it was echoed as
    HTML, a reflected XSS)."""
    return HttpResponseNotFound(
        f"No such sub-model: the sub-models are {', '.join(SubModel.values)}.",
        content_type="text/plain; charset=utf-8",
    )


@require_GET
@permission_required("accounts.view_twin", raise_exception=True)
def models_page(request: HttpRequest) -> HttpResponse:
    at = watermark()
    overview = model_overview(at=at)
    return render(
        request,
        "calibration/models.html",
        {
            "at": at,
            "cards": [(m, ModelSettingsForm(instance=m.settings, prefix=m.name)) for m in overview],
            "window_days": settings.TWIN_CALIBRATION_WINDOW_DAYS,
            "recalibrations": recalibration_list(),
            "can_plan": request.user.has_perm("accounts.plan"),
        },
    )


@require_POST
@permission_required("accounts.plan", raise_exception=True)
def settings_update(request: HttpRequest, sub_model: str) -> HttpResponse:
    if not _sub_model(sub_model):
        return _unknown_sub_model()
    row = model_settings_get(sub_model)
    form = ModelSettingsForm(request.POST, instance=row, prefix=sub_model)
    saved = False
    if form.is_valid():
        row = form.save(commit=False)
        row.updated_by = request.user.get_username()
        row.save()
        saved = True
    return render(
        request,
        "calibration/_settings_form.html",
        {"name": sub_model, "form": form, "saved": saved, "can_plan": True},
        status=200 if saved else 422,
    )


@require_GET
@permission_required("accounts.view_twin", raise_exception=True)
def diff(request: HttpRequest, sub_model: str) -> HttpResponse:
    if not _sub_model(sub_model):
        return _unknown_sub_model()
    form = DiffForm(request.GET)
    rows, error, a, b = [], "", None, None
    if not form.is_valid():
        error = "Pick two versions."
    else:
        a, b = sorted((form.cleaned_data["a"], form.cleaned_data["b"]))
        numbers = set(
            ModelVersion.objects.filter(sub_model=sub_model, number__in=[a, b]).values_list(
                "number", flat=True
            )
        )
        missing = sorted({a, b} - numbers)
        if missing:
            error = f"{sub_model} has no version {missing[0]}."
        elif a == b:
            error = "Pick two different versions."
        else:
            rows = version_diff(sub_model=sub_model, a=a, b=b)
    return render(
        request,
        "calibration/_diff.html",
        {"rows": rows, "error": error, "older": a, "newer": b, "sub_model": sub_model},
        status=200 if not error else 422,
    )


@require_POST
@permission_required("accounts.plan", raise_exception=True)
def recalibrate(request: HttpRequest, sub_model: str) -> HttpResponse:
    if not _sub_model(sub_model):
        return _unknown_sub_model()
    try:
        (outcome,) = calibrate(
            sub_models=[sub_model], reason=f"manual: {request.user.get_username()}"
        )
        # A fit that failed (a bug, logged with its traceback) leaves the version as it was.
        message, status = outcome.describe(), 422 if outcome.failure else 200
    except CalibrationError as error:
        message, status = str(error), 422
    return render(request, "calibration/_recalibrated.html", {"message": message}, status=status)


@require_GET
@permission_required("accounts.view_twin", raise_exception=True)
def promises_page(request: HttpRequest) -> HttpResponse:
    """The last stored report, never computed here: a stale or missing one queues a
    (debounced) refresh task and the page says so."""
    promise_report_refresh_request()
    stored = promise_report_stored()
    return render(
        request,
        "calibration/promises.html",
        {"stored": stored, "report": stored.report, "targets": promise_targets()},
    )
