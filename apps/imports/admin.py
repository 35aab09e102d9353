"""Admin for imports: runs and their failures read-only, saved mappings editable."""

from django.contrib import admin

from apps.imports.models import ImportRun, RowFailureRecord, SavedMapping, Upload
from twin_web.read_only_admin import ReadOnlyAdmin


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    """Only an import writes a run's counts."""

    list_display = ["id", "mapping_name", "status", "created_at", "orders", "events_accepted",
                    "events_duplicate", "events_rejected", "row_failures"]  # fmt: skip
    list_filter = ["status"]


@admin.register(RowFailureRecord)
class RowFailureAdmin(ReadOnlyAdmin):
    list_display = ["run", "file", "row", "field", "category", "reason"]
    list_filter = ["category"]
    search_fields = ["order_id", "reason"]


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "size_bytes", "uploaded_by", "uploaded_at"]


@admin.register(SavedMapping)
class SavedMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "updated_at"]
