"""The import pages (planners import, anyone who reads sees the runs): upload a history's files,
correct the suggested mapping, preview the events and the master data they yield, save the
master data, import with progress, and read a run's result.

Between steps the files stay where upload_save put them (see apps.imports.services); which
files and which mapping belong to one import in progress is kept in the planner's session
(wizard.py), so nobody else's upload can be opened by guessing its number.
"""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.imports import shown, wizard
from apps.imports.errors import ImportsError
from apps.imports.forms import MAX_FILES, UploadForm, max_file_bytes, megabytes
from apps.imports.mapping_form import FormProblem, form_view
from apps.imports.models import ImportRun, SavedMapping
from apps.imports.services import (
    import_start,
    mapping_validate,
    master_data_apply,
    saved_mapping_save,
    upload_save,
)

PLAN = "accounts.plan"
VIEW = "accounts.view_twin"
FAILURES_PER_PAGE = 25
RUNS_SHOWN = 50


def _named(run: ImportRun) -> ImportRun:
    """The run with the names of its files (it keeps their stored paths)."""
    run.file_names = [Path(p).name for p in run.files]
    return run


def _list_context(request: HttpRequest, form: UploadForm | None = None) -> dict:
    return {
        "drafts": wizard.drafts_list(request.session) if request.user.has_perm(PLAN) else [],
        "form": form or UploadForm(),
        "runs": [_named(r) for r in ImportRun.objects.select_related("created_by")[:RUNS_SHOWN]],
        "max_files": MAX_FILES,
        "max_file_size": megabytes(max_file_bytes()),
    }


@require_GET
@permission_required(VIEW, raise_exception=True)
def import_list(request: HttpRequest) -> HttpResponse:
    return render(request, "imports/list.html", _list_context(request))


@require_POST
@permission_required(PLAN, raise_exception=True)
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "imports/list.html", _list_context(request, form), status=422)
    try:
        uploads = [
            upload_save(name=f.name, chunks=f.chunks(), user=request.user)
            for f in form.cleaned_data["files"]
        ]
    except ImportsError as error:
        form.add_error("files", [str(p) for p in error.problems])
        return render(request, "imports/list.html", _list_context(request, form), status=422)
    key = wizard.draft_create(request.session, uploads)
    return redirect("imports:mapping", key=key)


def _unreadable(request: HttpRequest, draft: wizard.Draft, error: ImportsError) -> HttpResponse:
    context = {"draft": draft, "problems": error.problems}
    template = "imports/_unreadable.html" if request.htmx else "imports/unreadable.html"
    return render(request, template, context, status=422)


def _draft_or_404(request: HttpRequest, key: str) -> wizard.Draft:
    draft = wizard.draft_get(request.session, key)
    if draft is None:
        raise Http404("No import in progress under this address: upload the files again.")
    return draft


def _mapping_page(request, draft, doc, *, problems=(), status=200, reasons=None) -> HttpResponse:
    tables = wizard.tables(draft)
    view = form_view(doc, tables, *(reasons or ({}, {})), places=wizard.known_regions())
    wizard.shown_set(request.session, draft, doc)
    context = {
        "draft": draft,
        "form": view,
        "problems": problems,
        "saved_mappings": SavedMapping.objects.only("pk", "name"),
        "ready_mappings": wizard.ready_mappings(),
        "save_as": request.POST.get("save_as", "") if request.method == "POST" else "",
        "timezones": wizard.timezone_choices(view.timezone),
    }
    template = "imports/_mapping_form.html" if request.htmx else "imports/mapping.html"
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(PLAN, raise_exception=True)
def mapping(request: HttpRequest, key: str) -> HttpResponse:
    """GET: the draft's mapping, a saved one (?saved=<id>), or the suggestion. POST: the
    corrected form, checked; a refresh (a file's role changed) redraws it unchecked."""
    draft = _draft_or_404(request, key)
    try:
        if request.method == "GET":
            return _mapping_get(request, draft)
        return _mapping_post(request, draft)
    except ImportsError as error:  # a file that cannot be read at all
        return _unreadable(request, draft, error)


def _mapping_get(request: HttpRequest, draft: wizard.Draft) -> HttpResponse:
    ready = request.GET.get("ready", "")
    if ready:
        document = wizard.ready_mapping(ready)
        if document is None:
            messages.error(request, "No ready mapping of that name: choose one from the list.")
            return redirect("imports:mapping", key=draft.key)
        return _mapping_page(request, draft, wizard.doc_for_files(document, draft))
    saved_id = request.GET.get("saved", "")
    if saved_id:
        saved = SavedMapping.objects.filter(pk=saved_id).first() if saved_id.isdigit() else None
        if saved is None:
            messages.error(request, "That saved mapping no longer exists: choose another.")
            return redirect("imports:mapping", key=draft.key)
        return _mapping_page(request, draft, wizard.doc_for_files(saved.document, draft))
    if draft.mapping:
        return _mapping_page(request, draft, draft.mapping)
    suggestion = wizard.suggestion(draft)
    return _mapping_page(
        request, draft, suggestion.doc, reasons=suggestion.reasons, problems=suggestion.problems
    )


def _mapping_post(request: HttpRequest, draft: wizard.Draft) -> HttpResponse:
    tables = wizard.tables(draft)
    shown = form_view(draft.shown or {}, tables)
    try:
        doc = wizard.doc_from_form(request.POST, tables, shown)
    except FormProblem as error:
        return _mapping_page(request, draft, draft.shown or {}, problems=error.problems, status=422)
    if request.POST.get("refresh"):
        return _mapping_page(request, draft, doc)
    save_as = request.POST.get("save_as", "").strip()
    if save_as:
        doc["name"] = save_as  # saved under a name, the mapping is known by it in its runs
    try:
        checked = mapping_validate(doc)
        wizard.bind_check(draft, checked)
    except ImportsError as error:
        problems = [(wizard.problem_where(p.where, doc), p.reason) for p in error.problems]
        return _mapping_page(request, draft, doc, problems=problems, status=422)
    wizard.mapping_set(request.session, draft, checked)
    if save_as:
        saved_mapping_save(name=save_as, mapping=checked, user=request.user)
        messages.success(request, f"Mapping saved as “{save_as}”: choose it for the next export.")
    return redirect("imports:preview", key=draft.key)


def _map_first(request: HttpRequest, draft) -> HttpResponse:
    """Back to the mapping page: a step after it was asked for before the columns were mapped."""
    messages.error(request, "Map the columns first.")
    return redirect("imports:mapping", key=draft.key)


@require_GET
@permission_required(PLAN, raise_exception=True)
def preview(request: HttpRequest, key: str) -> HttpResponse:
    draft = _draft_or_404(request, key)
    checked = wizard.mapping_of(draft)
    if checked is None:
        return _map_first(request, draft)
    context = {"draft": draft, "mapping": checked}
    # Reading a year of orders takes seconds: the page comes first, saying so, and asks for
    # the review itself (?part=review) unless it is already at hand.
    reviewed = wizard.review_at_hand(draft, checked)
    if reviewed is None and not request.htmx and not request.GET:
        return render(request, "imports/preview.html", context)
    try:
        reviewed = reviewed or wizard.review(draft, checked)
    except ImportsError as error:
        return _unreadable(request, draft, error)
    seen, proposal = reviewed.preview, reviewed.proposal
    category = _category(request, seen.failures_by_category)
    failing = [f for f in seen.failures if f.category == category] if category else seen.failures
    failures = Paginator(failing, FAILURES_PER_PAGE).get_page(request.GET.get("page"))
    context |= {
        "preview": seen,
        "files_by_role": shown.events_per_file(seen),
        "samples": shown.sample_rows(seen),
        "failures": failures,
        "proposal": proposal,
        "proposal_shown": shown.proposal_rows(proposal),
        "events_total": sum(seen.events_by_type.values()),
        "category": category,
        "categories": shown.categories_shown(seen.failures_by_category),
    }
    if request.htmx and ("page" in request.GET or "category" in request.GET):
        return render(request, "imports/_failures.html", context)
    if request.htmx:
        return render(request, "imports/_review.html", context)
    return render(request, "imports/preview.html", context)


@require_POST
@permission_required(PLAN, raise_exception=True)
def master_data(request: HttpRequest, key: str) -> HttpResponse:
    draft = _draft_or_404(request, key)
    checked = wizard.mapping_of(draft)
    if checked is None:
        return _map_first(request, draft)
    try:
        proposal = wizard.review(draft, checked).proposal  # as the preview showed it
        if proposal.problems:
            for problem in proposal.problems:
                messages.error(request, f"Master data not saved: {problem}")
            return redirect("imports:preview", key=draft.key)
        applied = master_data_apply(proposal)
    except ImportsError as error:
        return _unreadable(request, draft, error)
    wizard.master_saved_set(request.session, draft)
    messages.success(request, shown.applied_sentence(applied))
    return redirect("imports:preview", key=draft.key)


@require_POST
@permission_required(PLAN, raise_exception=True)
def start(request: HttpRequest, key: str) -> HttpResponse:
    draft = _draft_or_404(request, key)
    checked = wizard.mapping_of(draft)
    if checked is None:
        return _map_first(request, draft)
    with_master_data = bool(request.POST.get("master_data")) and not draft.master_saved
    run = import_start(
        files=draft.paths, mapping=checked, user=request.user, master_data=with_master_data
    )
    return redirect("imports:run", pk=run.pk)


def _category(request: HttpRequest, counts: dict[str, int]) -> str:
    """The failure category asked for (?category=), when these failures have it."""
    asked = request.GET.get("category", "")
    return asked if asked in counts else ""


@require_GET
@permission_required(VIEW, raise_exception=True)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _named(get_object_or_404(ImportRun.objects.select_related("created_by"), pk=pk))
    category = _category(request, run.failures_by_category)
    failing = run.failures.filter(category=category) if category else run.failures.all()
    failures = Paginator(failing, FAILURES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "failures": failures,
        "category": category,
        "dead_letter_sources": shown.dead_letter_sources(run),
        "categories": shown.categories_shown(run.failures_by_category),
    }
    if request.htmx and ("page" in request.GET or "category" in request.GET):
        return render(request, "imports/_failures.html", context)
    if request.htmx:
        response = render(request, "imports/_run.html", context)
        if run.status in (ImportRun.Status.SUCCEEDED, ImportRun.Status.FAILED):
            # The poll saw the end: the whole page again, with the failures now saved.
            response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/run.html", context)
