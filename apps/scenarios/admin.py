"""Admin of scenarios: the hand-over records of drafts, readable and never writable (a
hand-over is taken on the builder's page, where ownership is checked)."""

from django.contrib import admin

from apps.scenarios.models import DraftHandover
from twin_web.read_only_admin import ReadOnlyAdmin


@admin.register(DraftHandover)
class DraftHandoverAdmin(ReadOnlyAdmin):
    list_display = ("at", "comparison_name", "from_name", "to_name")
    search_fields = ("comparison_name", "from_name", "to_name")
