"""The Sources page: the health of each source system's feed, and the dead letters."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.sources.models import SOURCES, DeadLetter
from apps.sources.selectors import dead_letter_list, source_status_list
from apps.sources.services import dead_letters_retry


def _pretty(raw: str) -> str:
    try:
        return json.dumps(json.loads(raw), indent=2)
    except json.JSONDecodeError:
        return raw


@permission_required("accounts.plan", raise_exception=True)
def status(request: HttpRequest) -> HttpResponse:
    source = request.GET.get("source", "")
    source = source if source in SOURCES else ""
    letters = dead_letter_list(source=source)
    for letter in letters:
        letter.pretty = _pretty(letter.raw)
    context = {
        "statuses": source_status_list(now=timezone.now()),
        "letters": letters,
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
        letters = DeadLetter.objects.filter(accepted_event__isnull=True)
        if source in SOURCES:
            letters = letters.filter(source=source)
        ids = list(letters.values_list("id", flat=True))
    else:
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    if not ids:
        messages.error(request, "Nothing to retry: choose a dead letter.")
        return redirect("sources:status")
    result = dead_letters_retry(ids=ids)
    messages.success(
        request,
        f"Retried {len(ids)}: {result.accepted} now accepted, {result.duplicate} already stored, "
        f"{result.still_rejected} still rejected.",
    )
    return redirect("sources:status")
