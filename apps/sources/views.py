"""The Sources page: the health of each source system's feed, dead letters, quarantined events."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.sources.models import SOURCES
from apps.sources.quarantine import quarantine_retry_request
from apps.sources.selectors import (
    dead_letter_list,
    quarantined_event_count,
    quarantined_event_list,
    source_status_list,
)
from apps.sources.services import dead_letters_retry


@permission_required("accounts.plan", raise_exception=True)
def status(request: HttpRequest) -> HttpResponse:
    source = request.GET.get("source", "")
    source = source if source in SOURCES else ""
    context = {
        "statuses": source_status_list(now=timezone.now()),
        "letters": dead_letter_list(source=source),
        "quarantined": quarantined_event_list(),
        "quarantined_count": quarantined_event_count(),
        "source": source,
        "sources": SOURCES,
    }
    template = "sources/_status.html" if request.htmx else "sources/status.html"
    return render(request, template, context)


@require_POST
@permission_required("accounts.plan", raise_exception=True)
def retry(request: HttpRequest) -> HttpResponse:
    if request.POST.get("all"):
        source = request.POST.get("source", "")
        result = dead_letters_retry(source=source if source in SOURCES else "")
    else:
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
        if not ids:
            messages.error(request, "Nothing to retry: choose a dead letter.")
            return redirect("sources:status")
        result = dead_letters_retry(ids=ids)
    messages.success(
        request,
        f"Retried {result.retried}: {result.accepted} now accepted, {result.duplicate} already "
        f"stored, {result.still_rejected} still rejected.",
    )
    return redirect("sources:status")


@require_POST
@permission_required("accounts.plan", raise_exception=True)
def quarantine_retry(request: HttpRequest) -> HttpResponse:
    ids = None
    if not request.POST.get("all"):
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
        if not ids:
            messages.error(request, "Nothing to retry: choose a quarantined event.")
            return redirect("sources:status")
    requested = quarantine_retry_request(ids=ids, now=timezone.now())
    messages.success(
        request,
        f"Retry requested for {requested} quarantined event{'s' if requested != 1 else ''}: "
        "the projector applies them again within seconds.",
    )
    return redirect("sources:status")
