"""Reads of the imports app: saved mappings, runs and their failures, for pages and polls."""

from django.db.models import QuerySet

from apps.imports.errors import ImportsError
from apps.imports.mapping import Mapping, mapping_validate
from apps.imports.models import ImportRun, RowFailureRecord, SavedMapping, Upload


def saved_mappings_list() -> QuerySet[SavedMapping]:
    return SavedMapping.objects.select_related("created_by").order_by("name")


def saved_mapping_read(*, name: str) -> Mapping:
    """A saved mapping, validated again (the rules may have grown since it was saved)."""
    try:
        saved = SavedMapping.objects.get(name=name)
    except SavedMapping.DoesNotExist:
        raise ImportsError(f"no saved mapping named {name!r}") from None
    return mapping_validate(saved.document)


def import_runs_recent(*, limit: int = 20) -> list[ImportRun]:
    return list(
        ImportRun.objects.select_related("created_by").order_by("-created_at", "-id")[:limit]
    )


def import_run_failures(
    *, run_id: int, category: str = "", limit: int = 200
) -> list[RowFailureRecord]:
    """A run's row failures in file order, of one category when given."""
    failures = RowFailureRecord.objects.filter(run_id=run_id)
    if category:
        failures = failures.filter(category=category)
    return list(failures.order_by("id")[:limit])


def uploads_read(*, ids: list[int]) -> list[Upload]:
    """These uploads in the order asked; raises ImportsError naming an id that is not there."""
    found = {upload.pk: upload for upload in Upload.objects.filter(pk__in=ids)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ImportsError(f"no upload with id {', '.join(missing)}")
    return [found[i] for i in ids]
